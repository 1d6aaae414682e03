"""The document exchange's pages: the inbound endpoint (an envelope in, a JSON answer out —
never a 500), the clerk's queue of letters nobody matched with its two actions, and the two
posts of the dossier page (issue a letter, ask another organ's opinion). Each parses, calls
one service, and answers."""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from motcua.core.downloads import upload_response
from motcua.core.errors import MotcuaError, NotFound, PermissionDenied
from motcua.directory.models import User
from motcua.directory.selectors import user_roles
from motcua.docexchange import selectors, services
from motcua.docexchange.envelope import MAX_ENVELOPE_BYTES
from motcua.dossiers.forms import posted_version
from motcua.pages import signed_in_page

staff_page = signed_in_page("office/processing_error.html")
_XML_TYPES = ("application/xml", "text/xml")


def _refusal(code: str, message: str, status: int, **extra: object) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "fields": {}, **extra}, status=status)


@csrf_exempt
@require_POST
def inbound(request: HttpRequest) -> HttpResponse:
    """`POST /truc-van-ban/den/`: one signed envelope. 201 with the receipt; 400 with the
    reason (malformed, forbidden markup, bad signature, unknown sender or recipient), 409 for
    an envelope already received (its first receipt), 413, 415, 405."""
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = -1
    if length < 0 or length > MAX_ENVELOPE_BYTES:
        return _refusal(
            "too_large",
            _("Phong bì văn bản vượt quá %(mib)s MiB.") % {"mib": MAX_ENVELOPE_BYTES // 2**20},
            413,
        )
    if request.content_type not in _XML_TYPES:
        return _refusal(
            "unsupported_media_type", _("Phong bì văn bản phải là application/xml."), 415
        )
    body = request.read(MAX_ENVELOPE_BYTES + 1)
    try:
        received = services.letter_receive(body=body)
    except services.Duplicate as duplicate:
        return _refusal(duplicate.code, duplicate.message, 409, receipt=duplicate.receipt)
    except MotcuaError as error:
        return _refusal(error.code, error.message, error.status)
    document = received.document
    return JsonResponse(
        {
            "receipt": str(document.pk),
            "status": document.status,
            "dossier": document.dossier.public_code if document.dossier else None,
            "resumed": received.resumed,
        },
        status=201,
    )


def _staff(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    if not any(role in services.STAFF_ROLES for _agency, role in user_roles(user)):
        raise PermissionDenied(
            _("Trang này chỉ dành cho cán bộ một cửa, chuyên viên và lãnh đạo của cơ quan.")
        )
    return user


class AttachForm(forms.Form):
    dossier = forms.CharField(label=gettext_lazy("Mã hồ sơ"), max_length=40)


class DismissForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Lý do loại"), max_length=500)


@staff_page
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    return render(
        request, "docexchange/queue.html", {"letters": list(selectors.unmatched_letters(user))}
    )


@staff_page
@require_GET
def attachment(request: HttpRequest, pk: int, index: int) -> HttpResponseBase:
    try:
        found = selectors.letter_attachment(_staff(request), pk, index)
    except NotFound as error:
        raise Http404(error.message) from error
    return upload_response(
        io.BytesIO(found.data), content_type=found.content_type, filename=found.name
    )


@staff_page
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    document = services.letter_attach(
        actor=user, document_id=pk, dossier_code=request.POST.get("dossier", "")
    )
    messages.success(
        request,
        _("Đã gắn văn bản số %(code)s vào hồ sơ %(dossier)s.")
        % {"code": document.code, "dossier": document.dossier.public_code},  # type: ignore[union-attr]
    )
    return redirect("docexchange:queue")


@staff_page
@require_POST
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    user = _staff(request)
    document = services.letter_dismiss(
        actor=user, document_id=pk, reason=request.POST.get("reason", "")
    )
    messages.success(request, _("Đã loại văn bản số %(code)s.") % {"code": document.code})
    return redirect("docexchange:queue")


def _dossier_page(code: str) -> str:
    return reverse("office:processing_dossier", args=[code]) + "#van-ban"


@staff_page
@require_POST
def issue(request: HttpRequest, code: str) -> HttpResponse:
    user = _staff(request)
    document = services.letter_issue(
        actor=user,
        dossier_code=code,
        kind=request.POST.get("kind", ""),
        recipient=request.POST.get("recipient", ""),
    )
    messages.success(
        request,
        _("Đã phát hành văn bản số %(code)s; văn bản đang được gửi.") % {"code": document.code},
    )
    return redirect(_dossier_page(code))


@staff_page
@require_POST
def consult(request: HttpRequest, code: str) -> HttpResponse:
    user = _staff(request)
    document = services.consultation_ask(
        actor=user,
        dossier_code=code,
        recipient=request.POST.get("recipient", ""),
        subject=request.POST.get("subject", ""),
        expected_version=posted_version(request.POST),
    )
    messages.success(
        request,
        _("Đã gửi công văn xin ý kiến số %(code)s; hồ sơ tạm dừng chờ trả lời.")
        % {"code": document.code},
    )
    return redirect(_dossier_page(code))
