"""Logs an operator can search: one JSON object per line, each carrying the id of the request
it belongs to, and never personal data (domain.md §10).

A request is logged once, when it ends, by its route name (`portal:mine_detail`), never its
path or query string: both can hold a personal ID or a dossier's reference. Who made it is
the user's id number at most. Django's own request messages repeat the path, so their text
is cut to the reason.
"""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

request_id_var: ContextVar[str] = ContextVar("motcua_request_id", default="")
# What a proxy or a load balancer may hand us; anything else is replaced, so a client cannot
# write into the logs through the header.
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
# Loggers whose messages end with the request's path ("Not Found: /tra-cuu/…").
PATH_BEARING = ("django.request", "django.server", "django.security")

log = logging.getLogger("motcua.request")


def request_id_from(header: str) -> str:
    return header if SANE_REQUEST_ID.match(header) else uuid.uuid4().hex


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name
    # WhiteNoise answers before URL resolution.
    static = "/" + settings.STATIC_URL.lstrip("/")
    return "static" if request.path_info.startswith(static) else "unmatched"


def user_id_of(request: HttpRequest) -> int | None:
    """The signed-in user's id, read only if the request already loaded the user: logging must
    not cost a session lookup."""
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return None
    return getattr(wrapped, "pk", None)


class RequestLogMiddleware:
    """Gives the request an id (X-Request-ID from the proxy when sane, else a new one), sends
    it back in the response, and logs the request's route, status and duration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get("X-Request-ID", ""))
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration = time.perf_counter() - started
            route = route_of(request)
            response["X-Request-ID"] = request_id
            from motcua.core.metrics import request_observe

            request_observe(route, request.method or "", response.status_code, duration)
            log.info(
                "request",
                extra={
                    "http": {
                        "method": request.method,
                        "route": route,
                        "status": response.status_code,
                        "duration_ms": round(duration * 1000, 1),
                        "user_id": user_id_of(request),
                    }
                },
            )
            return response
        finally:
            request_id_var.reset(token)


def _message(record: logging.LogRecord) -> str:
    if record.name.startswith(PATH_BEARING) and record.args:
        # "%s: %s" % (reason, path): keep the reason only.
        args = record.args if isinstance(record.args, tuple) else (record.args,)
        return str(args[0])
    return record.getMessage()


def _exception(record: logging.LogRecord) -> dict[str, object] | None:
    """The exception's class and where it was raised, not its message: a database error
    quotes the row it refused, personal data included."""
    if not record.exc_info or record.exc_info[0] is None:
        return None
    kind, _value, trace = record.exc_info
    frames = traceback.extract_tb(trace)
    return {
        "type": f"{kind.__module__}.{kind.__qualname__}",
        "frames": [f"{f.filename}:{f.lineno} in {f.name}" for f in frames[-15:]],
    }


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _message(record),
        }
        if request_id := request_id_var.get():
            entry["request_id"] = request_id
        if http := getattr(record, "http", None):
            entry["http"] = http
        if refusal := getattr(record, "refusal", None):
            entry["refusal"] = refusal  # a service's refusal: its stable code, no personal data
        if exception := _exception(record):
            entry["exception"] = exception
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The same facts on one readable line, for a terminal (MOTCUA_LOG_FORMAT=text)."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [
            datetime.fromtimestamp(record.created).strftime("%H:%M:%S"),
            record.levelname,
            record.name,
            _message(record),
        ]
        if request_id := request_id_var.get():
            parts.append(f"[{request_id}]")
        if http := getattr(record, "http", None):
            parts.append(" ".join(f"{k}={v}" for k, v in http.items()))
        if exception := _exception(record):
            parts.append(str(exception["type"]))
        return " ".join(parts)
