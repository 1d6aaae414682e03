"""The sync's writes: a dossier acknowledged by the national instance, and messages put back
in the queue by the administrator."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.errors import NotFound, PermissionDenied, ValidationFailed
from motcua.core.models import OutboxMessage
from motcua.core.outbox import outbox_deliver_batch
from motcua.counters.services import counters_move
from motcua.directory.models import User
from motcua.dossiers.lifecycle import dossier_lock
from motcua.dossiers.metrics import contributions
from motcua.dossiers.models import Dossier
from motcua.sync.access import sync_admin_allowed
from motcua.sync.models import SyncSender

TOPIC = "national.sync"
UNSENT = (OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED)


def dossier_mark_synced(*, dossier_id: int, version: int) -> int:
    """The national instance acknowledged `version` of the dossier: when that is the latest
    (no newer change waits to be sent), the dossier counts as synchronised (§7 `synced`), the
    counters moved in the caller's transaction. Returns 1 when it changed.

    Not a new version of the dossier: the acknowledgement is the national portal's news, not
    a change to send back to it."""
    locked = dossier_lock(dossier_id)
    if locked.synced:
        return 0
    newer_waits = (
        locked.version > version
        and OutboxMessage.objects.filter(
            topic=TOPIC, status__in=UNSENT, payload__dossier_id=locked.pk
        ).exists()
    )
    if newer_waits:
        return 0
    before = contributions(locked)
    locked.synced = True
    locked.save(update_fields=["synced"])
    counters_move(before, contributions(locked))
    return 1


def _rows_for(*, message: str | None, dossier: str | None, dead: bool) -> tuple[QuerySet, str]:
    rows = OutboxMessage.objects.filter(topic=TOPIC).exclude(status=OutboxMessage.Status.SENT)
    if message is not None:
        text = message.strip()
        if text.isdigit():
            return rows.filter(pk=int(text)), text
        try:
            wanted = uuid.UUID(text)
        except ValueError as error:
            raise ValidationFailed(
                _("Mã thông điệp phải là số thứ tự trong hàng đợi hoặc một UUID."),
                fields={"message": "invalid"},
            ) from error
        return rows.filter(national_delivery__message_id=wanted), str(wanted)
    if dossier is not None:
        code = dossier.strip()
        found = Dossier.objects.filter(Q(code=code) | Q(reference=code)).first()
        if found is None:
            raise NotFound(_("Không tìm thấy hồ sơ %(code)s.") % {"code": code})
        return rows.filter(payload__dossier_id=found.pk), found.public_code
    if dead:
        return rows.filter(status=OutboxMessage.Status.DEAD), "dead"
    raise ValidationFailed(_("Chọn một thông điệp, một hồ sơ hoặc mọi thông điệp đã ngừng gửi."))


def sync_resend(
    *,
    actor: User | None,
    message: str | None = None,
    dossier: str | None = None,
    dead: bool = False,
) -> int:
    """Put `national.sync` messages back in the queue, due now with a fresh count of tries:
    one message (its queue number or its message UUID), every unsent message of a dossier,
    or every dead or parked one. Sent messages stay sent. `actor` None is the operator at
    the machine (`motcua sync-resend`); a person must be the sync's administrator."""
    if actor is not None and not sync_admin_allowed(actor):
        raise PermissionDenied(_("Chỉ quản trị hệ thống được gửi lại dữ liệu đồng bộ."))
    rows, target = _rows_for(message=message, dossier=dossier, dead=dead)
    with transaction.atomic():
        count = rows.update(
            status=OutboxMessage.Status.PENDING, attempts=0, next_attempt_at=None, last_error=""
        )
        # Asked for by a person: try now, not at the end of the last batch's backoff.
        SyncSender.objects.filter(pk=1).update(paused_until=None)
        audit_record(
            actor=actor,
            action="sync.resend",
            object_type="national_sync",
            object_id=target[:64],
            data={"count": count, "by": "message" if message else "dossier" if dossier else "dead"},
        )
        if count:
            transaction.on_commit(outbox_deliver_batch.enqueue)
    return count
