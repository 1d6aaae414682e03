"""“Hồ sơ của tôi”: a citizen's own dossiers, one dossier's story, withdrawing and rating.

Only the applicant reaches these pages (`mine.dossier_get_for_owner`); anyone else gets the
same 404 whether the dossier exists or not, and nothing changes.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from motcua.core.downloads import upload_response
from motcua.core.errors import MotcuaError, NotFound
from motcua.directory.models import User
from motcua.dossiers.lifecycle import Action, Refusal, dossier_permissions, dossier_transition
from motcua.dossiers.models import Dossier, Rating
from motcua.dossiers.services import dossier_rate
from motcua.portal.forms_account import RateForm, WithdrawForm
from motcua.portal.mine import (
    dossier_for_owner,
    dossier_get_for_owner,
    my_dossiers,
    owner_documents,
)

PAGE_SIZE = 30


def _owned(request: HttpRequest, code: str) -> tuple[User, Dossier]:
    user = cast(User, request.user)
    try:
        return user, dossier_get_for_owner(user, code)
    except NotFound as error:
        raise Http404(error.message) from error


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    page = Paginator(my_dossiers(user), PAGE_SIZE).get_page(request.GET.get("trang"))
    return render(request, "portal/mine_list.html", {"page": page, "dossiers": page.object_list})


def _detail(
    request: HttpRequest, user: User, dossier: Dossier, status: int = 200, **extra: Any
) -> HttpResponse:
    context: dict[str, Any] = {
        "view": dossier_for_owner(user, dossier),
        "ratings": Rating.choices,
        **extra,
    }
    return render(request, "portal/mine_detail.html", context, status=status)


@login_required
def mine_detail(request: HttpRequest, code: str) -> HttpResponse:
    user, dossier = _owned(request, code)
    return _detail(request, user, dossier)


@login_required
@require_http_methods(["GET", "POST"])
def mine_withdraw(request: HttpRequest, code: str) -> HttpResponse:
    """A confirmation page with the reason, then `dossier_transition(action="withdraw")`."""
    user, dossier = _owned(request, code)
    if request.method == "GET":
        # The lifecycle says whether this applicant may withdraw now, and if not, why.
        answer = dossier_permissions(user, dossier)[Action.WITHDRAW]
        if isinstance(answer, Refusal):
            return render(
                request,
                "portal/mine_withdraw.html",
                {"dossier": dossier, "form": None, "error": answer.message},
                status=answer.error.status,
            )
        form = WithdrawForm(initial={"version": dossier.version})
        return render(request, "portal/mine_withdraw.html", {"dossier": dossier, "form": form})
    form = WithdrawForm(request.POST)
    context: dict[str, Any] = {"dossier": dossier, "form": form}
    if not form.is_valid():
        context["error"] = form.first_error()
        return render(request, "portal/mine_withdraw.html", context, status=400)
    reason = form.cleaned_data["reason"].strip()
    try:
        dossier_transition(
            actor=user,
            dossier=dossier,
            action=Action.WITHDRAW,
            note=reason,
            payload={"reason": reason},
            expected_version=form.cleaned_data["version"],
        )
    except MotcuaError as error:
        context["error"] = error.message
        return render(request, "portal/mine_withdraw.html", context, status=error.status)
    messages.success(
        request, _("Đã rút hồ sơ %(code)s theo yêu cầu của bạn.") % {"code": dossier.public_code}
    )
    return redirect("portal:mine_detail", code=dossier.public_code)


@login_required
@require_POST
def mine_rate(request: HttpRequest, code: str) -> HttpResponse:
    user, dossier = _owned(request, code)
    form = RateForm(request.POST)
    if not form.is_valid():
        return _detail(request, user, dossier, status=400, rate_error=form.first_error())
    try:
        dossier_rate(actor=user, dossier=dossier, rating=form.cleaned_data["rating"])
    except MotcuaError as error:
        return _detail(request, user, dossier, status=error.status, rate_error=error.message)
    messages.success(request, _("Cảm ơn bạn đã đánh giá mức độ hài lòng."))
    return redirect("portal:mine_detail", code=dossier.public_code)


@login_required
def mine_document(request: HttpRequest, code: str, document_id: int) -> HttpResponseBase:
    """A file of the applicant's own dossier (never public media)."""
    _user, dossier = _owned(request, code)
    document = owner_documents(dossier).filter(pk=document_id).first()
    if document is None:
        raise Http404(_("Hồ sơ không có tài liệu này."))
    try:
        handle = document.file.open("rb")
    except OSError as error:
        raise Http404(_("Hồ sơ không có tài liệu này.")) from error
    return upload_response(handle, content_type=document.content_type, filename=document.name)
