"""The transactional outbox: write in the caller's transaction, deliver after commit.

A domain registers a handler per topic (`outbox_handler("dossier.notify")`). Delivery takes
only the message id, locks the row, and skips a message already sent, so a task that runs
twice (a retry, two workers) delivers once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from motcua.core.models import OutboxMessage

log = logging.getLogger(__name__)
_HANDLERS: dict[str, Callable[[dict], None]] = {}


def outbox_handler(topic: str):
    def register(function: Callable[[dict], None]):
        _HANDLERS[topic] = function
        return function

    return register


def outbox_write(*, topic: str, payload: dict) -> OutboxMessage:
    """Must run inside the transaction of the change it reports.

    One delivery task is enqueued per committed transaction, not per message, so a batch
    (an import, the demo) does not flood the queue; the task delivers whatever is pending.
    """
    message = OutboxMessage.objects.create(topic=topic, payload=payload)
    connection = transaction.get_connection()
    already = any(
        getattr(callback, "__name__", "") == _enqueue_delivery.__name__
        for _, callback, *_ in connection.run_on_commit
    )
    if not already:
        transaction.on_commit(_enqueue_delivery)
    return message


def _enqueue_delivery() -> None:
    outbox_deliver_batch.enqueue()


@task()
def outbox_deliver_batch() -> dict[str, int]:
    return outbox_deliver_pending()


@task()
def outbox_deliver(message_id: int) -> str:
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status == OutboxMessage.Status.SENT:
            return "skipped"
        handler = _HANDLERS.get(message.topic)
        if handler is None:
            # The integration for this topic is not installed in this deployment yet; the row
            # stays pending and `motcua outbox-deliver` hands it over once it is.
            return "no_handler"
        message.attempts += 1
        try:
            handler(message.payload)
        except Exception as error:  # a failing gateway must not lose the message
            log.warning("outbox %s #%s failed: %s", message.topic, message.pk, type(error).__name__)
            message.status = OutboxMessage.Status.FAILED
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            message.save(update_fields=["attempts", "status", "last_error"])
            return "failed"
        message.status = OutboxMessage.Status.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        return "sent"


def outbox_deliver_pending(*, limit: int = 1000) -> dict[str, int]:
    """Deliver pending and failed messages whose topic has a handler in this deployment
    (the catch-up path, the per-transaction task and `motcua outbox-deliver`)."""
    counts: dict[str, int] = {}
    ids = list(
        OutboxMessage.objects.exclude(status=OutboxMessage.Status.SENT)
        .filter(topic__in=list(_HANDLERS))
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for message_id in ids:
        outcome = outbox_deliver.call(message_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
