"""`prune_records`: old sign-in / sign-up attempts, one-time start tokens and the lock rows
nothing refers to any more (docs/howto/operations.md).

An attempt counts towards a wait or a lock for at most the sign-in memory plus its longest
wait (`lockout.SIGN_IN`: 12 h 15 min) or the sign-up window plus its lock (`lockout.SIGN_UP`:
two hours), so any threshold of a day or more never removes one that still matters. A sign-in
success also vouches for its account at its address for 30 days (`SIGN_IN.trust`): a threshold
shorter than that only makes colleagues behind one address wait with the strangers. A start
token guards against a double click, seconds after the first POST.
`LockoutKey` rows are only mutexes (no foreign key points at them): one whose keys have no
attempt left is removed, and `lockout.keys_lock` recreates a row removed under its feet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.errors import ValidationFailed
from motcua.portal.models import LockoutKey, LoginAttempt, StartToken

MIN_AGE = timedelta(days=1)
DEFAULT_AGE = timedelta(days=30)


@dataclass(frozen=True)
class Pruned:
    attempts: int
    tokens: int
    keys: int
    before: datetime
    dry_run: bool


def records_prune(
    *, older_than: timedelta = DEFAULT_AGE, now: datetime | None = None, dry_run: bool = False
) -> Pruned:
    """Delete attempts and start tokens made before `now - older_than`, and the lock rows of
    keys left without attempts; with `dry_run`, only count them. A real run writes the audit
    event `records.prune` with the counts."""
    if older_than < MIN_AGE:
        raise ValidationFailed(
            _(
                "Ngưỡng xóa phải từ 1 ngày trở lên: các lần đăng nhập gần đây còn được dùng "
                "để tính khóa tạm thời."
            ),
            fields={"older_than": "min_value"},
        )
    before = (now or timezone.now()) - older_than
    attempts = LoginAttempt.objects.filter(at__lt=before)
    tokens = StartToken.objects.filter(created_at__lt=before)
    kept = LoginAttempt.objects.filter(at__gte=before)
    orphans = LockoutKey.objects.filter(
        ~Exists(kept.filter(username_key=OuterRef("key"))),
        ~Exists(kept.filter(ip_key=OuterRef("key"))),
    )
    if dry_run:
        return Pruned(attempts.count(), tokens.count(), orphans.count(), before, dry_run=True)
    with transaction.atomic():
        pruned = Pruned(
            attempts=attempts.delete()[0],
            tokens=tokens.delete()[0],
            keys=orphans.delete()[0],
            before=before,
            dry_run=False,
        )
        audit_record(
            actor=None,
            action="records.prune",
            object_type="portal",
            data={
                "login_attempts": pruned.attempts,
                "start_tokens": pruned.tokens,
                "lockout_keys": pruned.keys,
                "older_than_days": older_than / timedelta(days=1),
            },
        )
    return pruned
