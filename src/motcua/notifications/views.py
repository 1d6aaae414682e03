"""/thong-bao/: the signed-in user's notifications, newest first, and marking them read."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from motcua.core.errors import NotFound
from motcua.directory.models import User
from motcua.notifications.models import Notification
from motcua.notifications.services import notifications_mark_read

PAGE_SIZE = 30


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    queryset = (
        Notification.objects.filter(user=user)
        .select_related("dossier")
        .only(
            "title", "body", "link", "created_at", "read_at", "dossier__code", "dossier__reference"
        )
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("trang"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    try:
        notifications_mark_read(actor=cast(User, request.user), notification_id=notification_id)
    except NotFound as error:
        raise Http404(error.message) from error
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(actor=cast(User, request.user))
    return redirect("notifications:list")
