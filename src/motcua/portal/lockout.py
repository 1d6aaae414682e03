"""Guessing limits for sign-in and sign-up.

Sign-in: five failures for one account within 15 minutes lock that account for 15 minutes
from the fifth; twenty failures from one address within 15 minutes lock the address the same
way (one person trying many accounts). Sign-up (registry verification, which would otherwise
let anyone probe personal IDs and birth dates): five failed verifications of one ID, or twenty
from one address, within an hour lock for an hour. While locked, attempts are refused without
checking anything and do not count as failures, so the lock ends on time. A success clears the
account's (or ID's) failures.

Each attempt first locks one row per key (`LockoutKey`) for the rest of its transaction, so
two requests for the same key are serialised: the second sees the first one's attempt.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings

from motcua.portal.models import LockoutKey, LoginAttempt


@dataclass(frozen=True)
class Policy:
    subject_scope: str  # the HMAC scope of the account / ID key
    ip_scope: str
    subject_limit: int
    ip_limit: int
    window: timedelta
    lock: timedelta


SIGN_IN = Policy("username", "ip", 5, 20, timedelta(minutes=15), timedelta(minutes=15))
SIGN_UP = Policy("signup", "signup_ip", 5, 20, timedelta(hours=1), timedelta(hours=1))

# Kept for the messages that quote them.
USERNAME_LIMIT = SIGN_IN.subject_limit
IP_LIMIT = SIGN_IN.ip_limit
WINDOW = SIGN_IN.window
LOCK = SIGN_IN.lock


@dataclass(frozen=True)
class Lock:
    scope: str  # "username" | "ip"
    until: datetime


def attempt_key(value: str, *, scope: str) -> str:
    """A keyed hash: equal inputs give equal keys, but the table never shows who tried. The
    scope is in the key, so sign-up attempts never count towards sign-in locks."""
    secret = f"motcua.lockout.{scope}:{settings.SECRET_KEY}".encode()
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


def keys_lock(*keys: str) -> None:
    """Lock one row per key until the caller's transaction ends (create it if missing; the
    INSERT ... ON CONFLICT DO NOTHING is safe when two requests create it at once). Sorted, so
    two requests locking the same pair cannot deadlock. A row `prune_records` deleted between
    the insert and the lock is inserted again (portal.pruning)."""
    ordered = sorted(set(keys))
    for _attempt in range(3):
        LockoutKey.objects.bulk_create([LockoutKey(key=k) for k in ordered], ignore_conflicts=True)
        locked = LockoutKey.objects.select_for_update().filter(key__in=ordered).order_by("key")
        if len(list(locked.values_list("key", flat=True))) == len(ordered):
            return


def _locked_until(
    failures: list[datetime], limit: int, window: timedelta, lock: timedelta
) -> datetime | None:
    """The end of the latest lock these (ascending) failures earned: a lock starts at any
    failure that is the `limit`-th within the window."""
    until = None
    for last in range(limit - 1, len(failures)):
        if failures[last] - failures[last - limit + 1] <= window:
            until = failures[last] + lock
    return until


def _failures(now: datetime, policy: Policy, **key: str) -> list[datetime]:
    since = now - policy.window - policy.lock
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


def lock_active(
    *, username_key: str, ip_key: str, now: datetime, policy: Policy = SIGN_IN
) -> Lock | None:
    for scope, limit, key in (
        ("username", policy.subject_limit, {"username_key": username_key}),
        ("ip", policy.ip_limit, {"ip_key": ip_key}),
    ):
        until = _locked_until(_failures(now, policy, **key), limit, policy.window, policy.lock)
        if until is not None and until > now:
            return Lock(scope=scope, until=until)
    return None


def attempt_record(*, username_key: str, ip_key: str, outcome: str, now: datetime) -> LoginAttempt:
    return LoginAttempt.objects.create(
        at=now, username_key=username_key, ip_key=ip_key, outcome=outcome
    )


def attempt_succeeded(attempt: LoginAttempt) -> None:
    attempt.outcome = LoginAttempt.Outcome.SUCCESS
    attempt.save(update_fields=["outcome"])
