"""Who is calling the API: another system with its token, or a signed-in person.

The classes are django-ninja's security schemes, so the OpenAPI document names them on every
operation that needs them (`SystemToken`: `Authorization: Bearer mc_…`; `StaffSession`: the
session cookie of the web pages). What a caller may read is decided by the endpoint
(`index/api.py`): a token its agencies, a person what the dashboard would show them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import APIKeyCookie, HttpBearer

from motcua.directory.models import ApiToken
from motcua.directory.tokens import api_token_find


class Unauthenticated(AuthenticationError):
    """A token that was sent and is wrong: always a 401, even where nobody is needed, so a
    revoked system learns it at once instead of quietly reading less."""

    def __init__(self) -> None:
        super().__init__(message=_("Khóa API không hợp lệ hoặc đã bị thu hồi."))


class SystemToken(HttpBearer):
    """`Authorization: Bearer <secret>` from `motcua api-token create` (role `system`)."""

    openapi_description = "Khóa API của hệ thống (motcua api-token create), vai trò system."

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header, "")
        if header and not header.lower().startswith(f"{self.openapi_scheme} "):
            raise Unauthenticated()
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = api_token_find(token.strip())
        if found is None:
            raise Unauthenticated()
        return found


class StaffSession(APIKeyCookie):
    """The session of someone signed in to the web pages. The CSRF check stays on: it lets
    reads (GET) through and would hold a write sent by another site with the person's cookie."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = "Phiên đăng nhập của cán bộ (cookie sessionid)."

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


class Anyone:
    """Last in an operation's list: the public answer for a caller who sent nothing."""

    def __call__(self, request: HttpRequest) -> Any:
        return ANONYMOUS


class _Anonymous:
    def __bool__(self) -> bool:
        return True  # ninja takes a falsy result for "not authenticated"

    def __str__(self) -> str:
        return "anonymous"


ANONYMOUS = _Anonymous()
SYSTEM_TOKEN = SystemToken()
STAFF_SESSION = StaffSession()
ANYONE = Anyone()
# An operation that needs a caller, and one that answers anyone (and more to a caller).
AUTHENTICATED = [SYSTEM_TOKEN, STAFF_SESSION]
OPTIONAL = [SYSTEM_TOKEN, STAFF_SESSION, ANYONE]
# What OPTIONAL says in the OpenAPI document: the empty requirement means "or nothing".
OPTIONAL_OPENAPI: dict[str, Any] = {"security": [{}]}
