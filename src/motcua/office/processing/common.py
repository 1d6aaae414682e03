"""What every processing page shares: signed-in staff only, and a refusal or bad input
becomes a page with its status (403, 404, 400, 409), never a 500."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.utils.translation import gettext as _

from motcua.core.errors import PermissionDenied
from motcua.directory.models import User
from motcua.directory.selectors import user_roles
from motcua.pages import signed_in_page

PAGE_SIZE = 50


processing_page = signed_in_page("office/processing_error.html")


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
