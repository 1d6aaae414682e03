"""Sign-up and sign-in pages. Each parses the form, calls one service in portal.accounts and
renders; a refusal re-renders the form with the Vietnamese reason and a 4xx status."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from motcua.core.errors import MotcuaError
from motcua.core.http import client_ip
from motcua.directory.models import User
from motcua.portal.accounts import (
    account_sign_in,
    citizen_register,
    landing_url,
    session_lifetime,
)
from motcua.portal.forms_account import SignInForm, SignUpForm
from motcua.portal.second_factor import (
    PENDING_FOR,
    PENDING_KEY,
    provisioning_qr_svg,
    second_factor_check,
    second_factor_confirmed,
    second_factor_enrolment,
    second_factor_required,
)
from motcua.portal.vneid import vneid_enabled

# Which form field a service's refusal belongs to, so the message sits beside it.
_FIELD_OF = {"personal_id": "personal_id", "birth_date": "birth_date", "password": "password1"}


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@sensitive_post_parameters("password1", "password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "portal/signup.html", {"form": SignUpForm()})
    form = SignUpForm(request.POST)
    context: dict[str, Any] = {"form": form}
    if not form.is_valid():
        context["error"] = form.first_error()
        return render(request, "portal/signup.html", context, status=400)
    data = form.cleaned_data
    try:
        citizen_register(
            personal_id=data["personal_id"],
            birth_date=data["birth_date"],
            password=data["password1"],
            email=data["email"],
            phone=data["phone"],
            ip=client_ip(request),
        )
    except MotcuaError as error:
        for field in error.fields:
            if field in _FIELD_OF:
                form.add_error(_FIELD_OF[field], error.message)
        context["error"] = error.message
        return render(request, "portal/signup.html", context, status=error.status)
    # Not the registry's name: whoever typed the ID and birth date need not be its holder.
    messages.success(
        request,
        _("Đã tạo tài khoản. Hãy đăng nhập bằng số định danh cá nhân và mật khẩu vừa đặt."),
    )
    return redirect("login")


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Staff with their username, citizens with their personal ID; waits per account and
    address (portal.lockout); then the code of approvers, leaders and administrators
    (portal.second_factor)."""
    context: dict[str, Any] = {"next": _safe_next(request), "vneid_enabled": vneid_enabled()}
    if request.method == "GET":
        context["form"] = SignInForm()
        return render(request, "portal/login.html", context)
    form = SignInForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        context["error"] = form.first_error()
        return render(request, "portal/login.html", context, status=400)
    try:
        user = account_sign_in(
            identifier=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            ip=client_ip(request),
        )
    except MotcuaError as error:
        context["error"] = error.message
        response = render(request, "portal/login.html", context, status=error.status)
        if "retry_after" in error.fields:
            response["Retry-After"] = error.fields["retry_after"]
        return response
    if second_factor_required(user):
        # Not signed in yet: the password is half of it. The session remembers who passed it,
        # for a few minutes, under a new key (no fixation of the session being built).
        request.session.cycle_key()
        request.session[PENDING_KEY] = {
            "user": user.pk,
            "since": timezone.now().isoformat(),
            "next": context["next"],
        }
        return redirect("portal:second_factor")
    return _signed_in(request, user, context["next"])


def _signed_in(request: HttpRequest, user: User, target: str) -> HttpResponse:
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.set_expiry(session_lifetime(user))
    return redirect(target or landing_url(user))


def _pending_user(request: HttpRequest) -> tuple[User, str] | None:
    """Who passed the password step in this session, and where they were going; None when
    nobody did or it is older than PENDING_FOR."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    since = parse_datetime(str(pending.get("since", "")))
    user = User.objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    if since is None or timezone.now() - since > PENDING_FOR or user is None:
        request.session.pop(PENDING_KEY, None)
        return None
    return user, str(pending.get("next") or "")


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """The code from the authenticator app, after the password (portal.second_factor); a
    person not yet enrolled scans the QR code here first."""
    pending = _pending_user(request)
    if pending is None:
        messages.info(request, _("Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại."))
        return redirect("login")
    user, target = pending
    enrolling = not second_factor_confirmed(user)
    context: dict[str, Any] = {"enrolling": enrolling}
    if enrolling:
        factor = second_factor_enrolment(user=user)
        # segno's own SVG of a URI we made: no user text in it.
        context.update(secret=factor.secret, qr_svg=mark_safe(provisioning_qr_svg(factor)))
    if request.method == "GET":
        return render(request, "portal/second_factor.html", context)
    try:
        second_factor_check(user=user, code=request.POST.get("code", "")[:16])
    except MotcuaError as error:
        context["error"] = error.message
        response = render(request, "portal/second_factor.html", context, status=error.status)
        if "retry_after" in error.fields:
            response["Retry-After"] = error.fields["retry_after"]
        return response
    request.session.pop(PENDING_KEY, None)
    return _signed_in(request, user, target)


def admin_sign_in(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """Stands in for the admin's own login page (admin.site.login), which would check the
    password without the lockout: everyone signs in through /dang-nhap/."""
    target = _safe_next(request) or reverse("admin:index")
    user = request.user
    if request.method == "GET" and user.is_active and user.is_staff:
        return redirect(target)
    return redirect(f"{reverse('login')}?{urlencode({'next': target})}")


@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """LOGIN_REDIRECT_URL: each kind of user to their own start page."""
    return redirect(landing_url(cast(User, request.user)))
