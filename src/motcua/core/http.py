"""Facts about an incoming request, and the public address of a page, that several packages
need the same way."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import got_request_exception
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _


def client_ip(request: HttpRequest) -> str:
    """The address to count attempts against (sign-in lockout, verification throttle).
    X-Forwarded-For is anyone's to write, so it is read only behind our own proxy
    (MOTCUA_BEHIND_PROXY=1), and then its right-most entry: the one our proxy appended, not the
    ones the client sent along."""
    if getattr(settings, "MOTCUA_BEHIND_PROXY", False):
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if forwarded:
            return forwarded[-1]
    return str(request.META.get("REMOTE_ADDR", ""))


def public_url(path: str) -> str:
    """The address people reach `path` at (`/tra-cuu/…/`), for letters, QR codes and
    messages that leave the request: MOTCUA_PUBLIC_URL in front of it."""
    return settings.MOTCUA_PUBLIC_URL.rstrip("/") + path


# ---------------------------------------------------------------- a busy database

BUSY_RETRY_AFTER_SECONDS = 10
_BUSY_FLAG = "_motcua_database_busy"


def database_busy(error: BaseException) -> bool:
    """The database cannot answer now, and the request is worth trying again shortly, not a
    fault: SQLite's answer when another writer held the database longer than the busy timeout
    (the `timeout` of the database OPTIONS), or a connection to PostgreSQL lost or refused
    (a restart, a failover). Either way the request's transaction did not commit."""
    from django.db import InterfaceError, OperationalError

    if isinstance(error, OperationalError) and "is locked" in str(error):
        return True
    return isinstance(error, OperationalError | InterfaceError) and _connection_lost(
        error.__cause__
    )


# PostgreSQL's connection exceptions (class 08) and its refusals while shutting down, after a
# crash, or while starting (57P01-57P03).
_UNAVAILABLE_STATES = ("08", "57P01", "57P02", "57P03")


def _connection_lost(cause: BaseException | None) -> bool:
    if not type(cause).__module__.startswith("psycopg"):
        return False
    sqlstate = getattr(cause, "sqlstate", None)
    # Without a SQLSTATE no server answered at all: the connection was refused, reset or is
    # already closed.
    return sqlstate is None or sqlstate.startswith(_UNAVAILABLE_STATES)


def busy_response(request: HttpRequest) -> HttpResponse:
    message = _("Hệ thống đang bận, vui lòng thử lại sau ít giây.")
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"code": "database_busy", "message": message, "fields": {}}, status=503
        )
    else:
        response = HttpResponse(
            f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>{message}</title>'
            f"<p>{message}</p></html>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 page (`handler400`), except where the database could not answer: a session
    that could not be saved at the end of a request becomes a 400 in Django
    (`SessionInterrupted`, raised while handling the database's error), and it is the same
    "try again shortly" as any other."""
    from django.views.defaults import bad_request as django_bad_request

    cause: BaseException | None = exception
    while cause is not None:
        if database_busy(cause):
            return busy_response(request)
        cause = cause.__cause__ or cause.__context__
    return django_bad_request(request, exception)


def _note_busy(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    error = sys.exc_info()[1]
    if request is not None and error is not None and database_busy(error):
        setattr(request, _BUSY_FLAG, True)


class DatabaseBusyMiddleware:
    """A database that cannot answer now (`database_busy`: SQLite locked, PostgreSQL out of
    reach) becomes a 503 with Retry-After, not a 500.

    A view's error reaches `process_exception`. One raised by a middleware further in (the
    session saved after a sign-in) has already become a 500 when it comes back here: Django
    announces it with `got_request_exception`, which marks the request, and the 500 is
    replaced on the way out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        got_request_exception.connect(_note_busy, dispatch_uid="motcua-database-busy")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, _BUSY_FLAG, False):
            return busy_response(request)
        return response

    def process_exception(self, request: HttpRequest, error: Exception) -> HttpResponse | None:
        return busy_response(request) if database_busy(error) else None
