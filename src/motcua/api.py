"""The JSON API under /api/v1/ (domain.md §11): one NinjaAPI, one error shape.

Every answer that is not a 2xx is `{"code", "message", "fields"}` (`core.apischema.ApiError`),
whatever raised it: a refusal of the domain (`MotcuaError`), bad input, a missing or wrong
token, the rate limit, a body that is not multipart at all, a busy database. Which endpoints
are public and which need a token or a session is in the OpenAPI document (docs/howto/api.md).
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.throttling import BaseThrottle

from motcua.catalog.api import router as catalog_router
from motcua.core.errors import MotcuaError
from motcua.core.http import busy_response, client_ip, database_busy
from motcua.directory.api_auth import ANONYMOUS
from motcua.directory.models import ApiToken
from motcua.dossiers.api import router as dossiers_router
from motcua.esign.api import router as esign_router
from motcua.index.api import router as index_router
from motcua.national.api import router as national_router


class FixedWindow(BaseThrottle):
    """The API-wide rate limit: so many requests per window of MOTCUA_API_RATE_WINDOW seconds,
    counted in Django's cache per token (or signed-in person) and per address for anyone else.
    A fixed window aligned on the clock: one `add` and one `incr`, atomic on the cache
    backends we use, and the wait is simply the rest of the window."""

    def allow_request(self, request: HttpRequest) -> bool:
        window = settings.MOTCUA_API_RATE_WINDOW
        caller = getattr(request, "auth", None)
        if isinstance(caller, ApiToken):
            who, limit = f"token:{caller.pk}", settings.MOTCUA_API_RATE_AUTHENTICATED
        elif caller is not None and caller is not ANONYMOUS and getattr(caller, "pk", None):
            who, limit = f"user:{caller.pk}", settings.MOTCUA_API_RATE_AUTHENTICATED
        else:
            who, limit = f"ip:{client_ip(request)}", settings.MOTCUA_API_RATE_ANONYMOUS
        return window_hit(who, limit, window)

    def wait(self) -> float:
        window = settings.MOTCUA_API_RATE_WINDOW
        return window - time.time() % window


def window_hit(who: str, limit: int, window: int) -> bool:
    """Count one request of `who` in the current window; False once past `limit`."""
    key = f"motcua:api-rate:{who}:{int(time.time() // window)}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the window's key expired between add() and incr()
        cache.set(key, 1, timeout=window + 1)
        count = 1
    return count <= limit


api = NinjaAPI(
    title="motcua API",
    version="1",
    description=(
        "API của hệ thống giải quyết thủ tục hành chính motcua. Công khai: danh mục thủ tục, "
        "tra cứu hồ sơ, xác thực kết quả điện tử, điểm và xếp loại chỉ số phục vụ. Cần xác "
        "thực (khóa API `Authorization: Bearer …` của hệ thống, hoặc phiên đăng nhập của "
        "lãnh đạo): số liệu điều hành (§8) và tử số, mẫu số của chỉ số. Mọi lỗi có dạng "
        '`{"code", "message", "fields"}`; giới hạn tần suất trả 429 kèm Retry-After.'
    ),
    urls_namespace="api",
    throttle=[FixedWindow()],
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, fields: dict | None = None
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "fields": fields or {}}, status=status
    )


@api.exception_handler(MotcuaError)
def _motcua_error(request: HttpRequest, error: MotcuaError) -> HttpResponse:
    return api.create_response(request, error.as_dict(), status=error.status)


@api.exception_handler(NinjaValidationError)
def _bad_input(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    fields = {}
    for item in error.errors:
        loc = list(item.get("loc", []))
        # ninja puts where the value came from first: ("query", "limit"), ("file", "file").
        if loc and loc[0] in ("query", "body", "path", "file", "form", "header", "cookie"):
            loc = loc[1:]
        fields[".".join(str(p) for p in loc)] = item.get("msg", "")
    return _error(request, 400, "invalid", "Dữ liệu gửi lên không hợp lệ.", fields)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    # A wrong token counts against the address, so guessing is rate-limited like anything else.
    if not window_hit(
        f"ip:{client_ip(request)}",
        settings.MOTCUA_API_RATE_ANONYMOUS,
        settings.MOTCUA_API_RATE_WINDOW,
    ):
        return _throttled(request, Throttled(wait=None))
    message = error.message if error.message != "Unauthorized" else ""
    response = _error(
        request,
        401,
        "unauthenticated",
        message
        or _(
            "Cần xác thực: gửi khóa API của hệ thống (Authorization: Bearer …) hoặc đăng nhập "
            "với tài khoản lãnh đạo."
        ),
    )
    response["WWW-Authenticate"] = 'Bearer realm="motcua"'
    return response


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, error: Throttled) -> HttpResponse:
    window = settings.MOTCUA_API_RATE_WINDOW
    response = _error(
        request,
        429,
        "rate_limited",
        _("Quá nhiều yêu cầu. Vui lòng thử lại sau %(seconds)d giây.")
        % {"seconds": math.ceil(window - time.time() % window)},
    )
    # ninja sets it again from the throttle's wait(); this covers the wrong-token path.
    response["Retry-After"] = str(math.ceil(window - time.time() % window))
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    codes = {403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
    return _error(request, error.status_code, codes.get(error.status_code, "error"), str(error))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("Không tìm thấy địa chỉ này."))


@api.exception_handler(MultiPartParserError)
def _bad_multipart(request: HttpRequest, error: Exception) -> HttpResponse:
    """A body announced as multipart/form-data that is not (no boundary, cut short)."""
    return _error(
        request,
        400,
        "invalid",
        _(
            "Nội dung gửi lên không phải multipart/form-data hợp lệ (thiếu boundary hoặc bị "
            "cắt): hãy gửi tệp trong trường file của một biểu mẫu multipart."
        ),
        {"file": "invalid_multipart"},
    )


@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def _too_many_parts(request: HttpRequest, error: Exception) -> HttpResponse:
    return _error(request, 400, "invalid", _("Yêu cầu có quá nhiều trường hoặc tệp."))


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, error: Exception) -> HttpResponse:
    return _error(request, 413, "too_large", _("Nội dung gửi lên quá lớn."))


@api.exception_handler(OperationalError)
def _database_error(request: HttpRequest, error: OperationalError) -> HttpResponse:
    if database_busy(error):
        return busy_response(request)
    raise error


api.add_router("/procedures", catalog_router)
api.add_router("", index_router)
api.add_router("/dossiers", dossiers_router)
api.add_router("/results", esign_router)
api.add_router("/national", national_router)
