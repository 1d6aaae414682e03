"""“Đăng nhập bằng VNeID”: the redirect to the provider and its callback (portal.vneid for
the protocol, portal.vneid_accounts for the account). A failure of any kind re-renders the
sign-in page with one plain Vietnamese sentence; nothing is created or linked."""

from __future__ import annotations

from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from motcua.core.audit import audit_record
from motcua.core.errors import MotcuaError
from motcua.portal.accounts import landing_url, session_lifetime
from motcua.portal.forms_account import SignInForm
from motcua.portal.views_account import _safe_next
from motcua.portal.vneid import VneidFailure, vneid_enabled, vneid_identity, vneid_redirect
from motcua.portal.vneid_accounts import citizen_vneid_sign_in

NEXT_KEY = "vneid_next"


def _failed(request: HttpRequest, code: str, message: str, status: int) -> HttpResponse:
    audit_record(
        actor=None, action="account.vneid_failed", object_type="login", data={"reason": code}
    )
    context = {
        "form": SignInForm(),
        "error": message,
        "next": request.session.pop(NEXT_KEY, ""),
        "vneid_enabled": True,
    }
    return render(request, "portal/login.html", context, status=status)


@never_cache
@require_GET
def vneid_start(request: HttpRequest) -> HttpResponse:
    if not vneid_enabled():
        raise Http404
    request.session[NEXT_KEY] = _safe_next(request)
    try:
        return vneid_redirect(request, request.build_absolute_uri(reverse("portal:vneid_callback")))
    except VneidFailure as failure:
        return _failed(request, failure.code, failure.message, 503)


@never_cache
@require_GET
def vneid_callback(request: HttpRequest) -> HttpResponse:
    if not vneid_enabled():
        raise Http404
    try:
        identity = vneid_identity(request)
    except VneidFailure as failure:
        return _failed(
            request, failure.code, failure.message, 503 if failure.code == "unreachable" else 400
        )
    try:
        signed = citizen_vneid_sign_in(identity)
    except MotcuaError as error:
        return _failed(request, error.code, error.message, error.status)
    target = request.session.pop(NEXT_KEY, "")
    login(request, signed.user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.set_expiry(session_lifetime(signed.user))
    return redirect(target or landing_url(signed.user))
