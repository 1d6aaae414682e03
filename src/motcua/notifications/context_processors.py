"""The unread count in the portal header: a callable, so the query runs only when a page
shows the count, and once per request at most."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}

    @cache
    def count() -> int:
        from motcua.notifications.services import unread_count

        return unread_count(user)  # type: ignore[arg-type]

    return {"unread_notifications": count}
