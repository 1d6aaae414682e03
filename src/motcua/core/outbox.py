"""The transactional outbox: write in the caller's transaction, deliver after commit.

A domain registers a handler per topic (`outbox_handler("dossier.notify")`); writing a topic
nobody handles is a programming error and is refused at once, so a message cannot sit in the
table forever unnoticed. Delivery takes only the message id, locks the row, and skips a
message already sent, so a task that runs twice (a retry, two workers) delivers once.

Each handler runs in a savepoint: a handler whose own database work fails (on PostgreSQL an
error aborts the whole transaction) is rolled back alone, and the failure is still recorded.
A failed message waits `next_attempt_at` (exponential backoff with jitter) before the next
try; after `OUTBOX_MAX_ATTEMPTS` it is dead-lettered until `motcua outbox_resend`.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import router, transaction
from django.db.models import Q, signals
from django.utils import timezone
from django_tasks import task

from motcua.core.models import OutboxMessage
from motcua.core.rows import rows_insert

log = logging.getLogger(__name__)
_HANDLERS: dict[str, Callable[[dict], None]] = {}
# Topics whose messages leave together (the national sync's signed batches): the handler takes
# no payload, claims its own due messages and records each one's outcome; a delivery run calls
# it once instead of once per message.
_BATCH_HANDLERS: dict[str, Callable[[], dict[str, int]]] = {}

# Delivery is retried after 30 s, 1 min, 2 min, … up to 6 h between tries (±50 % jitter so
# that messages failing together do not come back together).
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=6)
PENDING_STATES = (OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED)


class OutboxHold(Exception):
    """Raised by a handler whose receiving side is not configured in this deployment: the
    message is kept (status `held`) without counting an attempt."""


class UnknownTopic(ValueError):
    pass


def outbox_handler(topic: str):
    def register(function: Callable[[dict], None]):
        _HANDLERS[topic] = function
        return function

    return register


def outbox_batch_handler(topic: str):
    def register(function: Callable[[], dict[str, int]]):
        _BATCH_HANDLERS[topic] = function
        return function

    return register


def max_attempts() -> int:
    return int(getattr(settings, "OUTBOX_MAX_ATTEMPTS", 12))


def backoff_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """The wait after the `attempts`-th failed try."""
    exponential = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)
    return exponential * (rng or random).uniform(0.5, 1.5)


_local = threading.local()


def outbox_write(*, topic: str, payload: dict) -> OutboxMessage:
    """Must run inside the transaction of the change it reports.

    One delivery task is enqueued per committed transaction, not per message, so a batch
    (an import, the demo) does not flood the queue: every write registers a commit hook, the
    first hook to run enqueues and the others of the same commit see it done. A write resets
    the mark, which is safe because the hooks of one commit all run before any later write of
    this thread, and a rolled-back transaction's hooks never run.
    """
    if topic not in _HANDLERS and topic not in _BATCH_HANDLERS:
        raise UnknownTopic(f"outbox topic {topic!r} has no handler")
    message = OutboxMessage(topic=topic, payload=payload)
    rows_insert([message])  # on every change of a dossier: without the query compiler
    if _queue_in_this_database():
        _enqueue_in_transaction()
        return message
    _local.enqueued = False
    transaction.on_commit(_enqueue_delivery_once)
    return message


def _queue_in_this_database() -> bool:
    """The task queue is a table of the database the messages are written to (the database
    backend, the default): the delivery task is then enqueued inside the writer's
    transaction, so that it commits — or rolls back — with the messages, and no second
    transaction follows each commit. Another backend (the tests' immediate one, a broker)
    is given the task after the commit."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    get_backend = getattr(outbox_deliver_batch, "get_backend", None)  # None: a test's stand-in
    return (
        get_backend is not None
        and isinstance(get_backend(), DatabaseBackend)
        and (router.db_for_write(DBTaskResult) == transaction.get_connection().alias)
    )


def _delivery_enqueued() -> None:
    """The commit hook that marks a transaction whose delivery task is already enqueued (a
    savepoint rolled back takes the hook with the task row)."""


def _enqueue_in_transaction() -> None:
    connection = transaction.get_connection()
    if any(hook is _delivery_enqueued for _ids, hook, _robust in connection.run_on_commit):
        return
    _task_row_insert(outbox_deliver_batch)
    transaction.on_commit(_delivery_enqueued)


def _task_row_insert(task: Any) -> None:
    """`task.enqueue()` with the database backend, its row inserted through `core.rows`
    (the statement built once) instead of the ORM's `create`, which compiles it on every
    call: the backend's checks and id, the row `DatabaseBackend._task_to_db_task` makes —
    with the `pre_save` and `post_save` signals its `create` sends (django-tasks-db fills
    `run_after` in one) — and the `task_enqueued` signal. tests/core/test_outbox.py checks
    that the row is the one `enqueue()` writes and that the worker runs it."""
    # The names django-tasks-db's backend uses (Django's own where it has tasks).
    from django_tasks_db.compat import normalize_json, task_enqueued
    from django_tasks_db.models import DBTaskResult

    backend = task.get_backend()
    backend.validate_task(task)
    row: Any = DBTaskResult(
        id=backend._get_id(),
        args_kwargs=normalize_json({"args": (), "kwargs": {}}),
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        run_after=task.run_after,
        backend_name=backend.alias,
    )
    using = router.db_for_write(DBTaskResult)  # the queryset's `create` asks the same
    signals.pre_save.send(
        sender=DBTaskResult, instance=row, raw=False, using=using, update_fields=None
    )
    rows_insert([row], using=using)
    signals.post_save.send(
        sender=DBTaskResult, instance=row, created=True, update_fields=None, raw=False, using=using
    )
    task_enqueued.send(type(backend), task_result=row.task_result)


def _enqueue_delivery_once() -> None:
    if getattr(_local, "enqueued", False):
        return
    _local.enqueued = True
    outbox_deliver_batch.enqueue()


def outbox_wake(at: datetime) -> None:
    """Wake the queue when a failed message is due again, where the task backend can defer
    (the database backend can; the tests' immediate backend cannot, and the next commit's
    batch or `motcua outbox_deliver` picks the message up instead)."""
    if outbox_deliver_batch.get_backend().supports_defer:
        outbox_deliver_batch.using(run_after=at).enqueue()


@task()
def outbox_deliver_batch() -> dict[str, int]:
    return outbox_deliver_pending()


@task()
def outbox_deliver(message_id: int) -> str:
    retry_at = None
    with transaction.atomic():
        # A message another worker (or an outer delivery on this thread's request, as when a
        # gateway's notification comes back to this app while its sender waits) is delivering
        # is skipped, not waited for: that wait would outlast the sender's HTTP timeout.
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True).filter(pk=message_id).first()
        )
        if message is None or message.status not in PENDING_STATES:
            return "skipped"
        now = timezone.now()
        if message.next_attempt_at and message.next_attempt_at > now:
            return "not_due"
        handler = _HANDLERS.get(message.topic)
        if handler is None:
            return "no_handler"  # only for rows written before a handler was removed
        try:
            with transaction.atomic():
                handler(message.payload)
        except OutboxHold as hold:
            message.status = OutboxMessage.Status.HELD
            message.last_error = str(hold)[:2000]
            message.save(update_fields=["status", "last_error"])
            _log_outcome(message, "outbox.held")
            return "held"
        except Exception as error:  # a failing gateway must not lose the message
            message.attempts += 1
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            if message.attempts >= max_attempts():
                message.status = OutboxMessage.Status.DEAD
                message.next_attempt_at = None
                outcome = "dead"
            else:
                message.status = OutboxMessage.Status.FAILED
                message.next_attempt_at = now + backoff_delay(message.attempts)
                retry_at = message.next_attempt_at
                outcome = "failed"
            message.save(update_fields=["attempts", "status", "last_error", "next_attempt_at"])
            _log_outcome(message, f"outbox.{outcome}", error=type(error).__name__)
        else:
            message.attempts += 1
            message.status = OutboxMessage.Status.SENT
            message.sent_at = now
            message.last_error = ""
            message.next_attempt_at = None
            message.save(
                update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"]
            )
            _log_outcome(message, "outbox.sent")
            return "sent"
    if retry_at is not None:
        transaction.on_commit(lambda: outbox_wake(retry_at))
    return outcome


def _log_outcome(message: OutboxMessage, code: str, **extra: object) -> None:
    # Ids and topic only: payloads may hold personal data (domain.md §10).
    level = logging.INFO if code in {"outbox.sent", "outbox.held"} else logging.WARNING
    log.log(
        level,
        "%s %s #%s attempt %s",
        code,
        message.topic,
        message.pk,
        message.attempts,
        extra={"code": code, "topic": message.topic, "message_id": message.pk, **extra},
    )


def outbox_due() -> Q:
    return Q(status__in=PENDING_STATES) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
    )


def outbox_deliver_pending(*, limit: int = 1000) -> dict[str, int]:
    """Deliver the messages that are due (the per-transaction task and `motcua
    outbox_deliver`)."""
    counts: dict[str, int] = {}
    ids = list(
        OutboxMessage.objects.filter(outbox_due(), topic__in=list(_HANDLERS))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for message_id in ids:
        outcome = outbox_deliver.call(message_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    for batch_handler in list(_BATCH_HANDLERS.values()):
        for outcome, count in batch_handler().items():
            counts[outcome] = counts.get(outcome, 0) + count
    return counts


def outbox_resend(
    *, message_id: int | None = None, topic: str | None = None, dead: bool = False
) -> int:
    """Put dead, held or failed messages back in the queue, due now, with a fresh attempt
    count; returns how many. Sent messages are never resent."""
    rows = OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT)
    if message_id is not None:
        rows = rows.filter(pk=message_id)
    if topic is not None:
        rows = rows.filter(topic=topic)
    if dead:
        rows = rows.filter(status=OutboxMessage.Status.DEAD)
    with transaction.atomic():
        count = rows.update(status=OutboxMessage.Status.PENDING, attempts=0, next_attempt_at=None)
        if count:
            _local.enqueued = False
            transaction.on_commit(_enqueue_delivery_once)
    log.info("outbox.resent %s", count, extra={"code": "outbox.resent", "count": count})
    return count
