"""The messaging channel's two doors: the platform's webhook (`webhook`) and the citizen's
page to link and unlink (`/tai-khoan/kenh-nhan-tin/`)."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from motcua.core.errors import MotcuaError
from motcua.directory.models import User
from motcua.messaging.events import BadEvent, event_parse
from motcua.messaging.platform import (
    SIGNATURE_HEADER,
    PlatformError,
    config,
    configured,
    media_fetch,
    signature_valid,
)
from motcua.messaging.selectors import follower_masked, link_of
from motcua.messaging.services import channel_unlink, inbound_event_handle, link_code_issue


def _refuse(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """One platform event. Checked in this order, nothing read or written before the checks
    that come first: the method (POST only), the channel configured, the size (413), the type, the
    signature over the raw body (401), the body's shape (400), the app, the timestamp's window
    (401, a replay); then one transaction (`inbound_event_handle`)."""
    if not configured():
        return _refuse(503, "not_configured", _("Kênh nhắn tin chưa được cấu hình."))
    limit = int(config()["max_body_bytes"])
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return _refuse(400, "malformed", _("Content-Length không hợp lệ."))
    if declared > limit:
        return _refuse(413, "too_large", _("Nội dung vượt %(n)d byte.") % {"n": limit})
    if request.content_type != "application/json":
        return _refuse(415, "content_type", _("Nội dung phải là application/json."))
    body = request.read(limit + 1)
    if len(body) > limit:
        return _refuse(413, "too_large", _("Nội dung vượt %(n)d byte.") % {"n": limit})
    header = request.headers.get(SIGNATURE_HEADER, "")
    if not header:
        return _refuse(
            401, "signature_missing", _("Thiếu chữ ký (%(h)s).") % {"h": SIGNATURE_HEADER}
        )
    if not signature_valid(body, header):
        return _refuse(401, "signature_invalid", _("Chữ ký không đúng."))
    try:
        event = event_parse(body)
    except BadEvent as bad:
        return _refuse(400, bad.code, bad.message)
    if event.app_id != config()["app_id"]:
        return _refuse(403, "wrong_app", _("Sự kiện không gửi cho ứng dụng này."))
    window = timedelta(seconds=int(config()["window_seconds"]))
    now = timezone.now()
    if not now - window <= event.at <= now + window:
        return _refuse(401, "stale", _("Sự kiện quá cũ hoặc sai thời điểm (có thể bị gửi lại)."))
    photos: list[SimpleUploadedFile] = []
    try:
        for index, url in enumerate(event.image_urls, start=1):
            photos.append(media_fetch(url, name=f"anh-{index}"))
    except PlatformError:
        # The event stays unhandled (nothing written): the platform's retry fetches again.
        return _refuse(502, "media_unavailable", _("Không tải được ảnh từ nền tảng nhắn tin."))
    outcome, duplicate = inbound_event_handle(event=event, photos=photos, at=now)
    return JsonResponse({"status": "duplicate" if duplicate else "ok", "outcome": outcome})


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def link_page(request: HttpRequest) -> HttpResponse:
    """The account's link: its state, a one-time code to send to the official account (POST),
    the unlink button."""
    user = cast(User, request.user)
    context: dict = {
        "configured": configured(),
        "code_minutes": config()["code_minutes"],
        "oa_name": config()["oa_name"],
    }
    status = 200
    if request.method == "POST":
        try:
            context["code"] = link_code_issue(actor=user)
        except MotcuaError as refusal:
            context["error"] = refusal.message
            status = refusal.status
    link = link_of(user)
    context["link"] = link
    context["follower"] = follower_masked(link.follower_id) if link else ""
    return render(request, "messaging/link.html", context, status=status)


@require_POST
@login_required
def unlink(request: HttpRequest) -> HttpResponse:
    try:
        channel_unlink(actor=cast(User, request.user))
    except MotcuaError as refusal:
        return render(
            request,
            "messaging/link.html",
            {"error": refusal.message, "configured": configured(), "oa_name": config()["oa_name"]},
            status=refusal.status,
        )
    messages.success(request, _("Đã hủy liên kết kênh nhắn tin."))
    return redirect("messaging:link")
