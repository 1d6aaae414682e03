"""Telling a member about a ballot: the `ballot.notify` outbox handler, the way
`feedback.notify` tells a citizen — a notification in the portal and an email when the
account has an address. One notification per member and kind (`source`), so a message
delivered twice tells once."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.ballots.models import BallotMember
from motcua.core.outbox import outbox_handler
from motcua.notifications.delivery import notification_email_queue
from motcua.notifications.models import Notification

log = logging.getLogger(__name__)
KINDS = ("invite", "remind")


@outbox_handler("ballot.notify")
def ballot_notify(payload: dict[str, Any]) -> Notification | None:
    kind = str(payload.get("kind") or "")
    member = (
        BallotMember.objects.select_related("ballot", "user")
        .filter(pk=int(payload.get("member_id") or 0))
        .first()
    )
    if member is None or kind not in KINDS:
        return None
    ballot, user = member.ballot, member.user
    deadline = timezone.localtime(ballot.deadline).strftime("%H:%M ngày %d/%m/%Y")
    if kind == "invite":
        title = _("Phiếu lấy ý kiến %(number)s") % {"number": ballot.number}
        body = _("Đề nghị cho ý kiến về “%(title)s” trước %(deadline)s.")
    else:
        title = _("Nhắc: phiếu lấy ý kiến %(number)s sắp hết hạn") % {"number": ballot.number}
        body = _("Bạn chưa cho ý kiến về “%(title)s”; hạn trả lời %(deadline)s.")
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            source=f"ballot-{kind}:{member.pk}",
            defaults={
                "user": user,
                "action": f"ballot_{kind}",
                "title": title[:200],
                "body": body % {"title": ballot.title, "deadline": deadline},
                "link": reverse("ballots:ballot", args=[ballot.pk]),
                "created_at": timezone.now(),
            },
        )
        if created and user.email:
            notification_email_queue(notification=notification, address=user.email)
    log.info("notified ballot=%s member=%s kind=%s", ballot.pk, member.pk, kind)
    return notification
