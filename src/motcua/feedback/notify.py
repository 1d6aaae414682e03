"""Telling the citizen that their petition was answered or rejected: the `petition.notify`
outbox handler, the same way `notifications.services.dossier_notify` tells applicants — a
notification in the portal and an email when the account has an address. One notification
per petition event (`source`), so a message delivered twice tells once. The texts name the
petition's reference, subject and agency only, never the sender (§10)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.outbox import outbox_handler
from motcua.feedback.models import Petition, PetitionEvent
from motcua.notifications.delivery import (
    notification_channels_queue,
    notification_email_queue,
)
from motcua.notifications.models import Notification

log = logging.getLogger(__name__)


def _message(petition: Petition, event: PetitionEvent) -> tuple[str, str]:
    about = _("Phản ánh, kiến nghị %(ref)s — “%(subject)s” gửi %(agency)s.") % {
        "ref": petition.reference,
        "subject": petition.subject,
        "agency": petition.agency.name,
    }
    at = timezone.localtime(event.at).strftime("%H:%M ngày %d/%m/%Y")
    if event.action == "answer":
        title = _("Phản ánh, kiến nghị %(ref)s đã được trả lời") % {"ref": petition.reference}
        lines = [
            _("Cơ quan đã trả lời lúc %(at)s.") % {"at": at},
            _("Hãy xem câu trả lời và đánh giá mức độ hài lòng tại trang Phản ánh của tôi."),
        ]
    else:
        title = _("Phản ánh, kiến nghị %(ref)s không thuộc phạm vi xử lý") % {
            "ref": petition.reference
        }
        lines = [
            _("Lý do: %(reason)s") % {"reason": (event.payload or {}).get("reason", "")},
            _("Bạn có thể gửi phản ánh, kiến nghị tới cơ quan có thẩm quyền."),
        ]
    return title, "\n".join([about, *lines])


@outbox_handler("petition.notify")
def petition_notify(payload: dict[str, Any]) -> Notification | None:
    event = (
        PetitionEvent.objects.select_related("petition__agency", "petition__citizen")
        .filter(
            pk=int(payload.get("event_id") or 0), petition_id=int(payload.get("petition_id") or 0)
        )
        .first()
    )
    if event is None or event.action not in ("answer", "reject"):
        return None
    petition = event.petition
    user = petition.citizen
    title, body = _message(petition, event)
    link = reverse("feedback:mine_detail", args=[petition.reference])
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            source=f"petition-event:{event.pk}",
            defaults={
                "user": user,
                "action": f"petition_{event.action}",
                "title": title,
                "body": body,
                "link": link,
                "created_at": event.at,
            },
        )
        if not created:
            return notification
        if user.email:
            # Sent once, outside this transaction (notifications.delivery).
            notification_email_queue(notification=notification, address=user.email)
        notification_channels_queue(notification)
    log.info("notified petition=%s event=%s email=%s", petition.pk, event.pk, bool(user.email))
    return notification
