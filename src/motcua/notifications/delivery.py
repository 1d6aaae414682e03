"""Sending a notification by email — or on another channel a capability registers (the
messaging app, `messaging.channel`) — once per notification and channel.

An email cannot be part of a database transaction: sent inside the outbox's transaction, a
worker that died after the mail server accepted the message and before the commit rolled
the record back, and the retry sent a second copy. So the email leaves from its own outbox
topic, `notification.email`, whose handler runs outside any transaction and keeps its own
record (`Delivery`), in three steps:

1. claim — in one committed transaction: the delivery is marked `sending` (nothing leaves
   before this is on disk);
2. send — the mail, with the Message-ID header fixed when the delivery was made;
3. record — in one committed transaction: the delivery `sent`, the notification `emailed_to`,
   the outbox message `sent`.

Another channel keeps the same three steps under its own topic (`delivery_channel`: the topic,
the function that sends, the word its log lines carry) and its own `Delivery.Channel`; the
capability registers it when its app loads, and queues with `delivery_queue`. A capability
that wants every new notification told on its channel registers `notification_channel`:
`notification_channels_queue` (called where notifications are made, in their transaction)
asks each one.

A try that finds its delivery `sent` does nothing. One that finds it `sending` knows another
worker is in step 2 (a claim younger than `STALE`: it comes back later) or that a worker died
between steps 1 and 3 (older): the mail may or may not have left, and nobody can tell from
here. We do not resend it: the delivery becomes `unknown` and its outbox message dead, which
`motcua outbox_resend --id N` (or the admin's action) puts back after someone checked the mail
server's log; that resend carries the same Message-ID, so a mail system that deduplicates
drops the copy. The window that remains is the time between the mail server's acceptance and
step 3's commit (milliseconds), and what falls in it is reported, never silently duplicated.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from motcua.core.http import public_url
from motcua.core.mail import masked
from motcua.core.models import OutboxMessage
from motcua.core.outbox import (
    PENDING_STATES,
    backoff_delay,
    max_attempts,
    outbox_batch_handler,
    outbox_wake,
    outbox_write,
)
from motcua.notifications.models import Delivery, Notification
from motcua.notifications.texts import dossier_page_url, email_text

log = logging.getLogger(__name__)

TOPIC = "notification.email"
# Longer than any SMTP conversation (Django's default timeout is none; gunicorn's is 120 s):
# a claim this old belongs to a worker that is gone.
STALE = timedelta(minutes=10)
BATCH = 200


@dataclass(frozen=True)
class DeliveryChannel:
    topic: str
    send: Callable[[Delivery], None]
    word: str  # the log lines' prefix: email.sent, messaging.sent


_CHANNELS: dict[str, DeliveryChannel] = {}
# Called with each new notification inside the transaction that made it (`notification_channel`).
_NOTIFICATION_CHANNELS: list[Callable[[Notification], object]] = []


def delivery_channel(*, channel: str, topic: str, word: str, send: Callable[[Delivery], None]):
    """Register a channel's sending: its outbox topic gets the claim-send-record handler."""
    _CHANNELS[channel] = DeliveryChannel(topic=topic, send=send, word=word)
    outbox_batch_handler(topic)(lambda: deliveries_deliver_due(topic))


def notification_channel(
    queue: Callable[[Notification], object],
) -> Callable[[Notification], object]:
    """Register a function that queues a new notification on a channel when it applies (the
    person linked a messaging account); it runs in the notification's transaction."""
    if queue not in _NOTIFICATION_CHANNELS:
        _NOTIFICATION_CHANNELS.append(queue)
    return queue


def notification_channels_queue(notification: Notification) -> None:
    for queue in list(_NOTIFICATION_CHANNELS):
        queue(notification)


def delivery_queue(*, notification: Notification, channel: str, recipient: str) -> Delivery:
    """Queue `notification` on `channel` to `recipient`, in the caller's transaction. A second
    call for the same notification and channel returns the first delivery and queues nothing."""
    delivery, created = Delivery.objects.get_or_create(
        notification=notification,
        channel=channel,
        defaults={
            "recipient": recipient,
            "message_id": _message_id(notification, channel),
            "created_at": timezone.now(),
        },
    )
    if created:
        outbox_write(topic=_CHANNELS[channel].topic, payload={"delivery_id": delivery.pk})
    return delivery


def notification_email_queue(*, notification: Notification, address: str) -> Delivery:
    """Queue the email of `notification` to `address`, in the caller's transaction (the one
    that made the notification). A second call for the same notification returns the first
    delivery and queues nothing."""
    return delivery_queue(
        notification=notification, channel=Delivery.Channel.EMAIL, recipient=address
    )


def _message_id(notification: Notification, channel: str = Delivery.Channel.EMAIL) -> str:
    host = urlsplit(settings.MOTCUA_PUBLIC_URL).hostname or "motcua.invalid"
    return f"<notification-{notification.pk}.{channel}@{host}>"


def deliveries_deliver_due(topic: str) -> dict[str, int]:
    """Every due message of a channel's topic, one by one (each run of the outbox)."""
    counts: Counter[str] = Counter()
    due = (
        OutboxMessage.objects.filter(topic=topic, status__in=PENDING_STATES)
        .exclude(next_attempt_at__gt=timezone.now())
        .order_by("id")
        .values_list("id", flat=True)[:BATCH]
    )
    for message_id in list(due):
        counts[delivery_deliver(message_id)] += 1
    return dict(counts)


def email_deliver_due() -> dict[str, int]:
    return deliveries_deliver_due(TOPIC)


def delivery_deliver(message_id: int, *, now: datetime | None = None) -> str:
    """Claim, send, record (the module's docstring); returns the outcome's name."""
    moment = now or timezone.now()
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status not in PENDING_STATES:
            return "skipped"
        if message.next_attempt_at and message.next_attempt_at > moment:
            return "not_due"
        delivery = (
            # Only the delivery's row: PostgreSQL locks no row of an outer join's nullable side.
            Delivery.objects.select_for_update(of=("self",))
            .select_related("notification__dossier")
            .filter(pk=int((message.payload or {}).get("delivery_id") or 0))
            .first()
        )
        if delivery is None or delivery.status == Delivery.Status.SENT:
            _message_done(message, moment)
            return "already"
        if delivery.status == Delivery.Status.SENDING:
            return _claimed_elsewhere(message, delivery, moment)
        # pending, failed, or unknown put back by an operator (outbox_resend): send.
        delivery.status = Delivery.Status.SENDING
        delivery.claimed_at = moment
        delivery.attempts += 1
        delivery.save(update_fields=["status", "claimed_at", "attempts"])
    channel = _CHANNELS[delivery.channel]
    try:
        channel.send(delivery)
    except Exception as error:  # the mail server refused or is down: retry later
        return _failed(message_id, delivery.pk, error, moment, word=channel.word)
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.SENT, sent_at=timezone.now()
        )
        if delivery.channel == Delivery.Channel.EMAIL:
            Notification.objects.filter(pk=delivery.notification_id).update(emailed_to=True)
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        message.attempts += 1
        _message_done(message, moment)
    log.info(
        "%s.sent delivery=%s to=%s",
        channel.word,
        delivery.pk,
        masked(delivery.recipient),
        extra={
            "code": f"{channel.word}.sent",
            "delivery_id": delivery.pk,
            "message_id": message_id,
        },
    )
    return "sent"


email_deliver = delivery_deliver


def notification_url(notification: Notification) -> str:
    """The public address a notification points to, on every channel: its own link, else its
    dossier's page, else the portal."""
    if notification.link:
        return public_url(notification.link)
    if notification.dossier is not None:
        return dossier_page_url(notification.dossier)
    return public_url("/")


def _send(delivery: Delivery) -> None:
    notification = delivery.notification
    url = notification_url(notification)
    EmailMessage(
        subject=f"[motcua] {notification.title}",
        body=email_text(notification.body, url),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.recipient],
        headers={"Message-ID": delivery.message_id},
    ).send()


def _message_done(message: OutboxMessage, moment: datetime) -> None:
    message.status = OutboxMessage.Status.SENT
    message.sent_at = moment
    message.last_error = ""
    message.next_attempt_at = None
    message.save(update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"])


def _claimed_elsewhere(message: OutboxMessage, delivery: Delivery, moment: datetime) -> str:
    claimed = delivery.claimed_at or moment
    if moment - claimed < STALE:
        # Another worker is talking to the mail server now: look again once its claim is stale.
        message.next_attempt_at = claimed + STALE
        message.save(update_fields=["next_attempt_at"])
        retry_at = message.next_attempt_at
        transaction.on_commit(lambda: outbox_wake(retry_at))
        return "not_due"
    delivery.status = Delivery.Status.UNKNOWN
    delivery.save(update_fields=["status"])
    message.status = OutboxMessage.Status.DEAD
    message.next_attempt_at = None
    message.last_error = (
        "sent_unknown: the worker stopped between sending and recording; not resent "
        "automatically (motcua outbox_resend --id resends with the same Message-ID)"
    )
    message.save(update_fields=["status", "next_attempt_at", "last_error"])
    word = _CHANNELS[delivery.channel].word
    log.warning(
        "%s.unknown delivery=%s to=%s",
        word,
        delivery.pk,
        masked(delivery.recipient),
        extra={"code": f"{word}.unknown", "delivery_id": delivery.pk, "message_id": message.pk},
    )
    return "unknown"


def _failed(
    message_id: int, delivery_id: int, error: Exception, moment: datetime, *, word: str
) -> str:
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery_id).update(status=Delivery.Status.FAILED)
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        message.attempts += 1
        # The type only: an SMTP error may quote the recipient's address.
        message.last_error = type(error).__name__
        if message.attempts >= max_attempts():
            message.status = OutboxMessage.Status.DEAD
            message.next_attempt_at = None
            outcome = "dead"
        else:
            message.status = OutboxMessage.Status.FAILED
            message.next_attempt_at = moment + backoff_delay(message.attempts)
            retry_at = message.next_attempt_at
            transaction.on_commit(lambda: outbox_wake(retry_at))
            outcome = "failed"
        message.save(update_fields=["attempts", "status", "last_error", "next_attempt_at"])
    log.warning(
        "%s.%s delivery=%s",
        word,
        outcome,
        delivery_id,
        extra={
            "code": f"{word}.{outcome}",
            "delivery_id": delivery_id,
            "error": type(error).__name__,
        },
    )
    return outcome


delivery_channel(channel=Delivery.Channel.EMAIL, topic=TOPIC, word="email", send=_send)
