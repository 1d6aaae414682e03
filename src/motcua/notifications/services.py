"""Notifications: the outbox handler that tells the applicant, and marking as read.

`dossier.notify` messages come from `dossiers.lifecycle` as `{"dossier_id", "event_id"}`
(older rows may carry `"action"` instead). The handler runs inside the outbox's transaction:
it writes the in-app notification and queues its email (`notifications.delivery`, sent once
per notification, outside any transaction); one row per event means a message delivered twice
notifies once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.errors import NotFound
from motcua.core.outbox import outbox_handler
from motcua.directory.models import User
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.notifications.delivery import (
    notification_channels_queue,
    notification_email_queue,
)
from motcua.notifications.models import Notification
from motcua.notifications.texts import message_for

log = logging.getLogger(__name__)


def _event_of(dossier: Dossier, payload: dict[str, Any]) -> DossierEvent | None:
    events = DossierEvent.objects.filter(dossier=dossier)
    if payload.get("event_id"):
        return events.filter(pk=payload["event_id"]).first()
    if payload.get("action"):
        # Messages written before events carried their id name only the action: the earliest
        # event of that action not yet told.
        return (
            events.filter(action=payload["action"], seq__gt=0)
            .exclude(pk__in=Notification.objects.filter(dossier=dossier).values("event_id"))
            .order_by("seq")
            .first()
        )
    return None


@outbox_handler("dossier.notify")
def dossier_notify(payload: dict[str, Any]) -> Notification | None:
    """Tell the applicant: in the portal when they have an account, by email when an address
    is known (the dossier's own, else the account's)."""
    dossier_id = payload.get("dossier_id")
    dossier = (
        Dossier.objects.select_related("procedure", "agency", "applicant")
        .filter(pk=int(dossier_id))
        .first()
        if dossier_id
        else None
    )
    if dossier is None:
        return None
    user = dossier.applicant
    address = dossier.applicant_email or (user.email if user is not None else "")
    if user is None and not address:
        return None
    event = _event_of(dossier, payload)
    if event is None:
        return None
    message = message_for(dossier, event)
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            event=event,
            defaults={
                "user": user,
                "dossier": dossier,
                "action": event.action,
                "title": message.title,
                "body": message.body,
                "created_at": event.at,  # when it happened, even if delivered late
            },
        )
        if not created:
            return notification
        if address:
            # Sent from its own outbox message, outside this transaction, exactly once
            # (notifications.delivery); `emailed_to` is set when it has left.
            notification_email_queue(notification=notification, address=address)
        # Other channels the person chose (the messaging app once linked).
        notification_channels_queue(notification)
    log.info("notified dossier=%s event=%s email_queued=%s", dossier.pk, event.pk, bool(address))
    return notification


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_mark_read(
    *, actor: User, notification_id: int | None = None, at: datetime | None = None
) -> int:
    """Mark one of the actor's notifications (or all of them) read; returns how many changed.
    Another person's notification is NotFound, the same as a missing one."""
    moment = at or timezone.now()
    with transaction.atomic():
        mine = Notification.objects.filter(user=actor, read_at__isnull=True)
        if notification_id is not None:
            if not Notification.objects.filter(user=actor, pk=notification_id).exists():
                raise NotFound(_("Không tìm thấy thông báo này."))
            mine = mine.filter(pk=notification_id)
        changed = mine.update(read_at=moment)
        if changed:
            audit_record(
                actor=actor,
                action="notification.read",
                object_type="notification",
                object_id=notification_id or "",
                data={"count": changed},
            )
    return changed
