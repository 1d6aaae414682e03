"""The read replica (DATABASE_REPLICA_URL, docs/deploy.md): the heavy reads of the leaders'
pages, the index API and the exports go to it; everything else stays on the primary.

Reads go to the replica only inside `use_replica()`, which `ReplicaReadsMiddleware` opens
around GET requests to the routes in `REPLICA_ROUTES`. Inside it a write, an open transaction
on the primary, or any earlier write in the same block sends the reads back to the primary,
so a page never reads older data than it just wrote. Sessions are always read on the
primary: a replica a second behind would sign out someone who has just signed in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

REPLICA = "replica"
PRIMARY = "default"
# The leaders' pages, exports and public index (namespace "index") and the index/KPI API.
REPLICA_NAMESPACES = {"index"}
REPLICA_VIEWS = {"api:get_index", "api:get_kpi"}
PRIMARY_ONLY_APPS = {"sessions"}

# None outside `use_replica()`; inside it, whether the block has written yet.
_block: ContextVar[dict[str, bool] | None] = ContextVar("motcua_replica_block", default=None)


@contextmanager
def use_replica() -> Iterator[None]:
    token = _block.set({"wrote": False})
    try:
        yield
    finally:
        _block.reset(token)


def replica_enabled() -> bool:
    return bool(getattr(settings, "MOTCUA_READ_REPLICA", False)) and REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        block = _block.get()
        if block is None or block["wrote"] or not replica_enabled():
            return None
        if model._meta.app_label in PRIMARY_ONLY_APPS:  # type: ignore[attr-defined]
            return None
        if connections[PRIMARY].in_atomic_block:
            return None
        return REPLICA

    def db_for_write(self, model: type, **hints: Any) -> str:
        block = _block.get()
        if block is not None:
            block["wrote"] = True
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # The replica is a copy of the primary: an object read from either relates to both.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA


def replica_route(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in REPLICA_VIEWS or bool(REPLICA_NAMESPACES & set(match.namespaces))


class ReplicaReadsMiddleware:
    """Opens `use_replica()` around the replica routes' views, templates rendered included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_enabled() or not replica_route(request):
            return self.get_response(request)
        with use_replica():
            return self.get_response(request)
