"""The messaging channel on the outbox: the notifications a linked citizen also gets in the
chat (`Delivery.Channel.MESSAGING`, sent like the email — claim, send, record —
by `notifications.delivery` under the topic `notification.messaging`), and the replies to
commands (`messaging.reply`: sent with the event's id as the platform's idempotency key, so a
retry after a lost answer is dropped by the platform)."""

from __future__ import annotations

from typing import Any

from motcua.core.outbox import outbox_handler
from motcua.messaging.models import ChannelLink
from motcua.messaging.platform import configured, send_text
from motcua.messaging.services import REPLY_TOPIC
from motcua.notifications.delivery import (
    delivery_channel,
    delivery_queue,
    notification_channel,
    notification_url,
)
from motcua.notifications.models import Delivery, Notification

TOPIC = "notification.messaging"


@notification_channel
def messaging_notification_queue(notification: Notification) -> Delivery | None:
    """Queue `notification` in the chat when its person has linked a follower."""
    if notification.user_id is None or not configured():
        return None
    link = ChannelLink.objects.filter(user_id=notification.user_id).first()
    if link is None:
        return None
    return delivery_queue(
        notification=notification, channel=Delivery.Channel.MESSAGING, recipient=link.follower_id
    )


def _send(delivery: Delivery) -> None:
    notification = delivery.notification
    # Only to the follower still linked to the person: after an unlink nothing more is said.
    linked = ChannelLink.objects.filter(follower_id=delivery.recipient)
    if notification.user_id is None or not linked.filter(user_id=notification.user_id).exists():
        return
    send_text(
        follower_id=delivery.recipient,
        text=f"{notification.title}\n{notification.body}\n{notification_url(notification)}",
        key=delivery.message_id,
    )


delivery_channel(channel=Delivery.Channel.MESSAGING, topic=TOPIC, word="messaging", send=_send)


@outbox_handler(REPLY_TOPIC)
def reply_send(payload: dict[str, Any]) -> None:
    send_text(follower_id=payload["follower_id"], text=payload["text"], key=payload["key"])
