"""What the administrator's page shows of the sync: counts by outcome and the messages that
need a person (rejected, dead, failing, held), each with its reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from motcua.core.models import OutboxMessage
from motcua.core.worktime import TZ
from motcua.dossiers.models import Dossier
from motcua.sync.models import NationalDelivery

TOPIC = "national.sync"
Status = OutboxMessage.Status


@dataclass(frozen=True)
class SyncOverview:
    pending: int
    oldest_pending_age: timedelta | None
    sent_today: int
    rejected: int
    dead: int
    held: int


def sync_overview(now: datetime | None = None) -> SyncOverview:
    """One aggregate over the topic's messages (the outbox's status index)."""
    now = now or timezone.now()
    midnight = now.astimezone(TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    rejected = Q(status=Status.DEAD, national_delivery__outcome=NationalDelivery.Outcome.REJECTED)
    numbers = OutboxMessage.objects.filter(topic=TOPIC).aggregate(
        pending=Count("id", filter=Q(status__in=(Status.PENDING, Status.FAILED))),
        oldest=Min("created_at", filter=Q(status__in=(Status.PENDING, Status.FAILED))),
        sent_today=Count("id", filter=Q(status=Status.SENT, sent_at__gte=midnight)),
        rejected=Count("id", filter=rejected),
        dead=Count("id", filter=Q(status=Status.DEAD) & ~rejected),
        held=Count("id", filter=Q(status=Status.HELD)),
    )
    oldest = numbers["oldest"]
    return SyncOverview(
        pending=numbers["pending"],
        oldest_pending_age=max(now - oldest, timedelta()) if oldest else None,
        sent_today=numbers["sent_today"],
        rejected=numbers["rejected"],
        dead=numbers["dead"],
        held=numbers["held"],
    )


@dataclass(frozen=True)
class ProblemRow:
    outbox_id: int
    kind: str  # rejected, dead, failed, held
    dossier_code: str
    message_id: str
    version: int | None
    attempts: int
    reason: str
    at: datetime | None
    next_attempt_at: datetime | None


def sync_problems(limit: int = 100) -> list[ProblemRow]:
    """The messages that are not on their way: rejected first, then dead, failing, held;
    newest first within each."""
    # By status, so that thousands held (a province not connected yet) never hide the few
    # rejected ones.
    rows = [
        row
        for status in (Status.DEAD, Status.FAILED, Status.HELD)
        for row in OutboxMessage.objects.filter(topic=TOPIC, status=status)
        .select_related("national_delivery")
        .order_by("-id")[:limit]
    ]
    dossier_ids = {row.payload.get("dossier_id") for row in rows if isinstance(row.payload, dict)}
    codes = {
        pk: code or reference
        for pk, code, reference in Dossier.objects.filter(pk__in=dossier_ids).values_list(
            "pk", "code", "reference"
        )
    }
    order = {"rejected": 0, "dead": 1, "failed": 2, "held": 3}
    problems = []
    for row in rows:
        delivery: NationalDelivery | None = getattr(row, "national_delivery", None)
        kind = row.status
        if row.status == Status.DEAD and delivery is not None:
            kind = "rejected" if delivery.outcome == NationalDelivery.Outcome.REJECTED else kind
        dossier_id = (row.payload or {}).get("dossier_id")
        problems.append(
            ProblemRow(
                outbox_id=row.pk,
                kind=kind,
                dossier_code=codes.get(dossier_id, "") if isinstance(dossier_id, int) else "",
                message_id=str(delivery.message_id) if delivery else "",
                version=delivery.version if delivery else None,
                attempts=row.attempts,
                reason=(delivery.reason if delivery and kind == "rejected" else row.last_error),
                at=delivery.at if delivery else row.created_at,
                next_attempt_at=row.next_attempt_at if kind == "failed" else None,
            )
        )
    problems.sort(key=lambda p: (order.get(p.kind, 9), -p.outbox_id))
    return problems[:limit]
