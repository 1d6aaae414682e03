"""Telling the applicant that a bundle application has every part's outcome: the
`bundle.notify` outbox handler, written by the lifecycle (`dossiers.lifecycle.waits.
bundle_done_follow`) in the transaction of the last part's change, the way
`notifications.services.dossier_notify` tells applicants — a notification in the portal and
an email when an address is known. One notification per application (`source`), so a
message delivered twice tells once. The text names the bundle, its code and each part's
procedure and outcome, never the applicant."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.bundles.models import BundleApplication
from motcua.bundles.selectors import application_status
from motcua.core.outbox import outbox_handler
from motcua.dossiers.lifecycle.waits import BUNDLE_DONE_TOPIC
from motcua.dossiers.models import TERMINAL_STATES
from motcua.notifications.delivery import (
    notification_channels_queue,
    notification_email_queue,
)
from motcua.notifications.models import Notification

log = logging.getLogger(__name__)


@outbox_handler(BUNDLE_DONE_TOPIC)
def bundle_notify(payload: dict[str, Any]) -> Notification | None:
    application = (
        BundleApplication.objects.select_related("bundle", "applicant")
        .filter(pk=int(payload.get("application_id") or 0))
        .first()
    )
    if application is None:
        return None
    status = application_status(application)
    if any(part.dossier.state not in TERMINAL_STATES for part in status.parts):
        return None  # not the last part after all (a message from an older state)
    user = application.applicant
    title = _("Hồ sơ liên thông %(code)s đã có đủ kết quả") % {"code": application.code}
    lines = [
        _("%(bundle)s: tất cả các thủ tục thành phần đã được giải quyết xong.")
        % {"bundle": application.bundle.name},
        *(
            f"{index}. {part.member.procedure.name}: {part.dossier.get_state_display()}"
            for index, part in enumerate(status.parts, start=1)
        ),
        _("Hãy xem và tải kết quả tại trang hồ sơ liên thông."),
    ]
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            source=f"bundle-done:{application.pk}",
            defaults={
                "user": user,
                "action": "bundle_done",
                "title": title[:200],
                "body": "\n".join(str(line) for line in lines),
                "link": reverse("bundles:track_code", args=[application.code]),
                "created_at": timezone.now(),
            },
        )
        if not created:
            return notification
        if user.email:
            # Sent once, outside this transaction (notifications.delivery).
            notification_email_queue(notification=notification, address=user.email)
        notification_channels_queue(notification)
    log.info("notified bundle application=%s email=%s", application.pk, bool(user.email))
    return notification
