"""The one writer of `DossierEvent`: the immutable trail of everything that happened to a
dossier, numbered per dossier (`seq`) and never running backwards in time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import ValidationFailed
from motcua.directory.models import User
from motcua.dossiers.models import Dossier, DossierEvent


def dossier_last_event(dossier: Dossier) -> tuple[datetime | None, int]:
    """The moment and number of the dossier's latest event (None, 0 before the first)."""
    last = DossierEvent.objects.filter(dossier=dossier).aggregate(at=Max("at"), seq=Max("seq"))
    return last["at"], last["seq"] or 0


def dossier_moment_check(dossier: Dossier, at: datetime, last_at: datetime | None) -> None:
    """Historical moments (the demo, imports) are accepted, but never before the last event."""
    if last_at is not None and at < last_at:
        raise ValidationFailed(_("Thời điểm thao tác không được trước thao tác gần nhất."))


def dossier_event_write(
    *,
    dossier: Dossier,
    actor: User | None,
    action: str,
    at: datetime | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str = "",
    payload: dict[str, Any] | None = None,
    seq: int | None = None,
) -> DossierEvent:
    """Append one event, inside the caller's transaction and under its lock on the dossier
    (`dossier_lock`), so two writers never take the same `seq`. `from_state`/`to_state`
    default to the dossier's state (an event that changes no state); `seq` is the next one
    unless the caller already read the last (`dossier_last_event`)."""
    if seq is None:
        seq = dossier_last_event(dossier)[1] + 1
    return DossierEvent.objects.create(
        dossier=dossier,
        seq=seq,
        at=at or timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        from_state=dossier.state if from_state is None else from_state,
        to_state=dossier.state if to_state is None else to_state,
        note=note,
        payload=jsonable(payload or {}),
    )


def jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    """Moments as ISO text; model instances are left out (their ids are in the payload)."""
    return {
        key: (value.isoformat() if isinstance(value, datetime) else value)
        for key, value in payload.items()
        if not isinstance(value, models.Model)
    }
