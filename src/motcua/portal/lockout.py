"""Guessing limits for sign-in and sign-up.

Sign-in never locks an account: a lock anyone can trigger by typing someone else's name is a
way to keep that person out. Instead, delays that grow, each answered at once with "try again
after N seconds" (the worker never sleeps):

- per account and address: after 5 failures of one account from one address, that pair waits
  1 s after its last failure, then 2 s, 4 s, … up to 15 minutes. The owner signing in from
  another address is not slowed by a stranger's failures;
- per address: after 20 failures from one address (on any accounts) the address waits the same
  way, so one address trying many accounts is slowed. An account that signed in successfully
  from that address within 30 days is exempt: the colleagues behind an office's one NAT
  address keep signing in while someone there is guessing.

Failures are remembered for 12 hours; a success clears the pair's failures (not the
address's: a guesser with an account of their own must not reset their count). Refused
attempts are recorded (`locked`) but never count as failures, so a wait ends on time.

Sign-up (registry verification, which would otherwise let anyone probe personal IDs and birth
dates): five failed verifications of one ID, or twenty from one address, within an hour lock
for an hour. While locked, attempts are refused without checking anything and do not count.
Sign-up keeps a lock per ID on purpose: what it protects is the registry's answer to "does
this ID have this birth date", which many addresses together could otherwise guess in hours,
and what a stranger's lock costs the citizen is an hour's wait to register (the counter can
register them meanwhile) — not access to an account they already have.

Each attempt first locks one row per key (`LockoutKey`) for the rest of its transaction, so
two requests for the same key are serialised: the second sees the first one's attempt.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max

from motcua.portal.models import LockoutKey, LoginAttempt


@dataclass(frozen=True)
class Policy:
    subject_scope: str  # the HMAC scope of the account / ID key
    ip_scope: str
    subject_limit: int
    ip_limit: int
    window: timedelta
    lock: timedelta


SIGN_UP = Policy("signup", "signup_ip", 5, 20, timedelta(hours=1), timedelta(hours=1))


@dataclass(frozen=True)
class Throttle:
    subject_scope: str  # the HMAC scope of the account key
    ip_scope: str
    pair_free: int  # failures of one account from one address before the delays begin
    address_free: int  # failures from one address, any accounts
    first_delay: timedelta
    max_delay: timedelta
    memory: timedelta  # failures older than this no longer count
    trust: timedelta  # a success this recent exempts the account from its address's delay


SIGN_IN = Throttle(
    "username",
    "ip",
    pair_free=5,
    address_free=20,
    first_delay=timedelta(seconds=1),
    max_delay=timedelta(minutes=15),
    memory=timedelta(hours=12),
    trust=timedelta(days=30),
)


@dataclass(frozen=True)
class Lock:
    scope: str  # "username" | "ip" (sign-up); "pair" | "address" (sign-in)
    until: datetime


def delay_after(failures: int, free: int, throttle: Throttle = SIGN_IN) -> timedelta:
    """The wait after the last of `failures`: none below `free`, then the first delay,
    doubling with each further failure, never above the cap."""
    if failures < free:
        return timedelta(0)
    doublings = min(failures - free, 40)  # 2**40 s is far past any cap
    return min(throttle.first_delay * 2**doublings, throttle.max_delay)


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


def lock_active(*, username_key: str, ip_key: str, now: datetime, policy: Policy) -> Lock | None:
    """The sign-up lock (an ID or an address) in force at `now`, or None."""
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


def _failures_counted(since: datetime, now: datetime, **key: str) -> tuple[int, datetime | None]:
    """How many failures of `key` after `since`, and the last one's moment: counted by the
    database, since an address under attack may have thousands."""
    found = LoginAttempt.objects.filter(
        outcome=LoginAttempt.Outcome.FAILURE, at__gt=since, at__lte=now, **key
    ).aggregate(count=Count("id"), last=Max("at"))
    return found["count"], found["last"]


def sign_in_wait(
    *, username_key: str, ip_key: str, now: datetime, throttle: Throttle = SIGN_IN
) -> Lock | None:
    """The wait this account and address must still sit out before a password is checked,
    or None. The pair's wait first: it is the one its own failures earned."""
    since = now - throttle.memory
    pair_success = (
        LoginAttempt.objects.filter(
            outcome=LoginAttempt.Outcome.SUCCESS,
            username_key=username_key,
            ip_key=ip_key,
            at__gt=now - throttle.trust,
            at__lte=now,
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    count, last = _failures_counted(
        max(since, pair_success) if pair_success else since,
        now,
        username_key=username_key,
        ip_key=ip_key,
    )
    if last and (until := last + delay_after(count, throttle.pair_free, throttle)) > now:
        return Lock(scope="pair", until=until)
    if pair_success is not None:
        return None  # known here: the address's delay is for strangers
    count, last = _failures_counted(since, now, ip_key=ip_key)
    if last and (until := last + delay_after(count, throttle.address_free, throttle)) > now:
        return Lock(scope="address", until=until)
    return None
