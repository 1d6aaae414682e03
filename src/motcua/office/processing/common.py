"""What every processing page shares: signed-in staff only, and a refusal or bad input
becomes a page with its status (403, 404, 400, 409), never a 500."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from motcua.core.errors import MotcuaError, PermissionDenied
from motcua.directory.models import User
from motcua.directory.selectors import user_roles

PAGE_SIZE = 50


def processing_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in only; a refusal or bad input becomes a page with its status, not a 500."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except MotcuaError as error:
            return render(
                request,
                "office/processing_error.html",
                {"message": error.message, "status": error.status},
                status=error.status,
            )

    return login_required(wrapper)


def staff_of(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    if not user_roles(user):
        raise PermissionDenied(_("Trang này chỉ dành cho cán bộ của cơ quan giải quyết."))
    return user


# --- 1. the personal work queue ------------------------------------------------------------


def querystring(params: dict[str, Any], **changes: Any) -> str:
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return urlencode(merged)
