"""Password-guessing lockout for the sign-in page.

Five failures for one username within 15 minutes lock that username for 15 minutes from the
fifth; twenty failures from one address within 15 minutes lock the address the same way (one
person trying many accounts). While locked, attempts are refused without checking the
password and do not count as failures, so the lock ends on time. A success clears the
username's failures.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from motcua.portal.models import LoginAttempt

USERNAME_LIMIT = 5
IP_LIMIT = 20
WINDOW = timedelta(minutes=15)
LOCK = timedelta(minutes=15)


@dataclass(frozen=True)
class Lock:
    scope: str  # "username" | "ip"
    until: datetime


def attempt_key(value: str, *, scope: str) -> str:
    """A keyed hash: equal inputs give equal keys, but the table never shows who tried."""
    secret = f"motcua.lockout.{scope}:{settings.SECRET_KEY}".encode()
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


def _locked_until(failures: list[datetime], limit: int) -> datetime | None:
    """The end of the latest lock these (ascending) failures earned: a lock starts at any
    failure that is the `limit`-th within WINDOW."""
    until = None
    for last in range(limit - 1, len(failures)):
        if failures[last] - failures[last - limit + 1] <= WINDOW:
            until = failures[last] + LOCK
    return until


def _failures(now: datetime, **key: str) -> list[datetime]:
    since = now - WINDOW - LOCK
    if "username_key" in key:
        success = (
            LoginAttempt.objects.filter(outcome=LoginAttempt.Outcome.SUCCESS, at__lte=now, **key)
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        if success is not None and success > since:
            since = success
    return sorted(
        LoginAttempt.objects.filter(
            outcome=LoginAttempt.Outcome.FAILURE, at__gt=since, at__lte=now, **key
        ).values_list("at", flat=True)
    )


def lock_active(*, username_key: str, ip_key: str, now: datetime) -> Lock | None:
    for scope, limit, key in (
        ("username", USERNAME_LIMIT, {"username_key": username_key}),
        ("ip", IP_LIMIT, {"ip_key": ip_key}),
    ):
        until = _locked_until(_failures(now, **key), limit)
        if until is not None and until > now:
            return Lock(scope=scope, until=until)
    return None


def attempt_record(*, username_key: str, ip_key: str, outcome: str, now: datetime) -> None:
    LoginAttempt.objects.create(at=now, username_key=username_key, ip_key=ip_key, outcome=outcome)
