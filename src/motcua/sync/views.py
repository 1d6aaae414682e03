"""The administrator's page "Đồng bộ Cổng DVC quốc gia" (/mot-cua/dong-bo/): the queue's
numbers, the messages that need a person with their reasons, and resending. A view parses,
calls one selector or service, renders."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from motcua.core.errors import PermissionDenied
from motcua.directory.models import User
from motcua.pages import signed_in_page
from motcua.sync.access import sync_admin_allowed
from motcua.sync.selectors import sync_overview, sync_problems
from motcua.sync.services import sync_resend

KIND_LABELS = {
    "rejected": gettext_lazy("Bị từ chối"),
    "dead": gettext_lazy("Đã ngừng thử"),
    "failed": gettext_lazy("Lỗi, sẽ thử lại"),
    "held": gettext_lazy("Tạm giữ"),
}


def admin_page(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not sync_admin_allowed(cast(User, request.user)):
            raise PermissionDenied(_("Trang này dành cho quản trị hệ thống."))
        return view(request, *args, **kwargs)

    return signed_in_page("sync/error.html")(wrapper)


def _age(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)d ngày %(h)d giờ") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d giờ %(m)d phút") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)d phút") % {"m": minutes}
    return _("dưới 1 phút")


@admin_page
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    numbers = sync_overview()
    problems = sync_problems()
    return render(
        request,
        "sync/overview.html",
        {
            "numbers": numbers,
            "oldest_age": (
                _age(numbers.oldest_pending_age.total_seconds())
                if numbers.oldest_pending_age is not None
                else ""
            ),
            "rows": [{"p": p, "label": KIND_LABELS.get(p.kind, p.kind)} for p in problems],
            "connected": bool(settings.MOTCUA_NATIONAL_URL),
            "national_url": settings.MOTCUA_NATIONAL_URL,
            "province": settings.MOTCUA_PROVINCE_CODE,
        },
    )


@admin_page
@require_POST
def resend(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("message", "").strip()
    if request.POST.get("all_dead") == "1":
        count = sync_resend(actor=cast(User, request.user), dead=True)
    else:
        count = sync_resend(actor=cast(User, request.user), message=target)
    messages.success(
        request,
        _("Đã đưa %(n)d thông điệp vào hàng đợi gửi lại.") % {"n": count}
        if count
        else _("Không có thông điệp nào cần gửi lại."),
    )
    return redirect("sync:overview")
