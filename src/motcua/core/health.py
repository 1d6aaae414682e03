"""`GET /healthz` (domain.md §11): is the database answering, is the worker keeping up, is the
outbox draining.

The HTTP status depends on the database alone: 200 when it answers, 503 when it does not. A
load balancer takes a machine out of rotation on 503, and a slow worker or a backed-up outbox
is no reason to stop serving pages: those are reported in the body ("worker" and "outbox",
each with its own "status", and "degraded": true) for monitoring to alert on, and in
/metrics. docs/howto/operations.md says how to read it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Count, Max, Min
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from motcua.core.models import OutboxMessage

log = logging.getLogger(__name__)

# Undelivered: waiting for its first try or for a retry. "held" (no receiving side configured)
# and "dead" (gave up; `motcua outbox_resend`) are not lag, and are counted apart.
UNDELIVERED = (OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED)


def _age(now: datetime, moment: datetime | None) -> float | None:
    return None if moment is None else round(max((now - moment).total_seconds(), 0.0), 1)


def database_answers(alias: str = "default") -> bool:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        log.warning("health: database %s does not answer", alias, exc_info=True)
        return False


@dataclass(frozen=True)
class WorkerState:
    """The task queue as the `db_worker` processes leave it. An idle worker writes nothing, so
    its health is read from the work waiting for it: a task ready for longer than
    MOTCUA_HEALTH_WORKER_MAX_AGE means no worker is taking tasks."""

    queue_depth: int
    oldest_ready_age: float | None
    last_activity_age: float | None

    @property
    def stale(self) -> bool:
        limit = settings.MOTCUA_HEALTH_WORKER_MAX_AGE
        return self.oldest_ready_age is not None and self.oldest_ready_age > limit

    def as_dict(self) -> dict[str, object]:
        return {
            "status": "stale" if self.stale else "ok",
            "queue_depth": self.queue_depth,
            "oldest_ready_age_seconds": self.oldest_ready_age,
            "last_activity_age_seconds": self.last_activity_age,
        }


def worker_state(now: datetime | None = None) -> WorkerState:
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    ready = DBTaskResult.objects.ready().aggregate(depth=Count("id"), oldest=Min("enqueued_at"))
    # Tasks scheduled for later (a retry's run_after) are not waiting yet.
    oldest = ready["oldest"]
    activity = DBTaskResult.objects.aggregate(
        started=Max("started_at"), finished=Max("finished_at")
    )
    moments = [m for m in (activity["started"], activity["finished"]) if m is not None]
    return WorkerState(
        queue_depth=ready["depth"],
        oldest_ready_age=_age(now, oldest),
        last_activity_age=_age(now, max(moments)) if moments else None,
    )


@dataclass
class TopicLag:
    topic: str
    undelivered: int = 0
    oldest: datetime | None = None
    oldest_age: float | None = None
    dead: int = 0
    held: int = 0


def outbox_lag(now: datetime | None = None) -> list[TopicLag]:
    """Per topic: messages still to deliver and the age of the oldest (national.sync's is the
    sync lag), messages given up on, messages held. One GROUP BY over the status index."""
    now = now or timezone.now()
    rows = (
        OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT)
        .values("topic", "status")
        .annotate(count=Count("id"), oldest=Min("created_at"))
        .order_by()
    )
    topics: dict[str, TopicLag] = {}
    for row in rows:
        lag = topics.setdefault(row["topic"], TopicLag(row["topic"]))
        if row["status"] in UNDELIVERED:
            lag.undelivered += row["count"]
            if lag.oldest is None or row["oldest"] < lag.oldest:
                lag.oldest = row["oldest"]
        elif row["status"] == OutboxMessage.Status.DEAD:
            lag.dead += row["count"]
        else:
            lag.held += row["count"]
    for lag in topics.values():
        lag.oldest_age = _age(now, lag.oldest)
    return [topics[name] for name in sorted(topics)]


def outbox_report(lags: list[TopicLag]) -> dict[str, object]:
    limit = settings.MOTCUA_HEALTH_OUTBOX_MAX_AGE
    ages = [lag.oldest_age for lag in lags if lag.oldest_age is not None]
    oldest = max(ages) if ages else None
    lagging = oldest is not None and oldest > limit
    dead = sum(lag.dead for lag in lags)
    return {
        "status": "lagging" if lagging else ("dead_letters" if dead else "ok"),
        "undelivered": sum(lag.undelivered for lag in lags),
        "oldest_age_seconds": oldest,
        "dead": dead,
        "held": sum(lag.held for lag in lags),
        "topics": {
            lag.topic: {
                "undelivered": lag.undelivered,
                "oldest_age_seconds": lag.oldest_age,
                "dead": lag.dead,
                "held": lag.held,
            }
            for lag in lags
        },
    }


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    if not database_answers():
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    now = timezone.now()
    worker: dict[str, object] = {"status": "unknown"}
    outbox: dict[str, object] = {"status": "unknown"}
    try:
        worker = worker_state(now).as_dict()
        outbox = outbox_report(outbox_lag(now))
    except DatabaseError:
        # The database answers but not these reads (a schema not migrated yet): still serving.
        log.warning("health: queue tables unreadable", exc_info=True)
    degraded = worker["status"] != "ok" or outbox["status"] != "ok"
    return JsonResponse(
        {
            "status": "ok",
            "degraded": degraded,
            "database": "ok",
            "worker": worker,
            "outbox": outbox,
        }
    )
