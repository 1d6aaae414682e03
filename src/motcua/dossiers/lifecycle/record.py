"""Events that change no state (an attachment, digitisation, an apology), written beside the
caller's own change in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import Conflict
from motcua.core.outbox import outbox_write
from motcua.counters.services import counters_move
from motcua.directory.models import User
from motcua.dossiers.lifecycle.table import NOTIFY_APPLICANT_RECORDS
from motcua.dossiers.lifecycle.transition import _jsonable, _reachable
from motcua.dossiers.metrics import contributions
from motcua.dossiers.models import Dossier, DossierEvent


def dossier_record(
    *,
    actor: User | None,
    dossier: Dossier,
    action: str,
    at: datetime | None = None,
    note: str = "",
    payload: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Dossier:
    """An event that does not change the state (an attachment, digitisation, an apology).

    Must be called inside the caller's transaction, after the caller checked permission. It
    locks the dossier, applies `changes` to flag fields (never `state`), moves the index
    counters by the change, bumps the version and appends the event.
    """
    if changes and "state" in changes:
        raise ValueError("dossier_record never changes the state; use dossier_transition.")
    locked = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "agency")
        .get(pk=dossier.pk)
    )
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(
            _("Hồ sơ %(code)s vừa được người khác cập nhật. Vui lòng tải lại rồi thao tác lại.")
            % {"code": locked.public_code}
        )
    moment = at or timezone.now()
    before = contributions(locked)
    for name, value in (changes or {}).items():
        setattr(locked, name, value)
    locked.version += 1
    locked.save(update_fields=[*(changes or {}), "version", "updated_at"])
    counters_move(before, contributions(locked))
    last = locked.events.aggregate(seq=Max("seq"))
    event = DossierEvent.objects.create(
        dossier=locked,
        seq=(last["seq"] or 0) + 1,
        at=moment,
        actor=actor if actor and actor.pk else None,
        action=action,
        from_state=locked.state,
        to_state=locked.state,
        note=note,
        payload=_jsonable(payload or {}),
    )
    if _reachable(locked) and action in NOTIFY_APPLICANT_RECORDS:
        outbox_write(
            topic="dossier.notify", payload={"dossier_id": locked.pk, "event_id": event.pk}
        )
    return locked
