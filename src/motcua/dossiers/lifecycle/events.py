"""The one writer of `DossierEvent`: the immutable trail of everything that happened to a
dossier, numbered per dossier (`seq`), never running backwards in time, and chained by hash
(`dossiers.audit.chain`): each event commits to its content and to the event before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import ValidationFailed
from motcua.directory.models import User
from motcua.dossiers.audit.chain import GENESIS, event_hash, payload_canonical
from motcua.dossiers.lifecycle.unsaved import event_append
from motcua.dossiers.models import Dossier, DossierEvent


@dataclass(frozen=True)
class Tail:
    """The dossier's latest event: its moment, number and hash (None, 0, the chain's genesis
    before the first)."""

    at: datetime | None
    seq: int
    hash: str


# The event an instance last wrote, kept on it for `dossier_event_written`.
_WRITTEN = "_motcua_event_written"


def dossier_event_tail(dossier: Dossier) -> Tail:
    last = (
        DossierEvent.objects.filter(dossier=dossier)
        .order_by("-seq")
        .values_list("at", "seq", "hash")
        .first()
    )
    return Tail(None, 0, GENESIS) if last is None else Tail(*last)


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
    after: Tail | None = None,
) -> DossierEvent:
    """Append one event, inside the caller's transaction and under its lock on the dossier
    (`dossier_lock`), so two writers never take the same `seq` nor chain from the same event.
    `from_state`/`to_state` default to the dossier's state (an event that changes no state);
    `seq` is the next one unless the caller already read the last (`after`, from
    `dossier_event_tail`), or writes the first (`seq=1`)."""
    if after is None:
        after = Tail(None, 0, GENESIS) if seq == 1 else dossier_event_tail(dossier)
    if seq is None:
        seq = after.seq + 1
    elif seq != after.seq + 1:
        raise ValueError(f"Event {seq} does not follow event {after.seq}.")
    event = DossierEvent(
        dossier=dossier,
        seq=seq,
        at=at or timezone.now(),
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        from_state=dossier.state if from_state is None else from_state,
        to_state=dossier.state if to_state is None else to_state,
        note=note,
        payload=payload_canonical(jsonable(payload or {})),
    )
    event.hash = event_hash(
        reference=dossier.reference,
        seq=seq,
        at=event.at,
        actor_id=event.actor_id,
        action=event.action,
        from_state=event.from_state,
        to_state=event.to_state,
        note=event.note,
        payload=event.payload,
        prev=after.hash,
    )
    event_append(event)
    setattr(dossier, _WRITTEN, Tail(event.at, seq, event.hash))
    return event


def dossier_event_written(dossier: Dossier) -> Tail | None:
    """The tail after the last event written through this instance, or None. A service that
    writes several events of one request under its one lock (create, form_save, submit) passes
    it on as `after` instead of reading it again; only that service knows that nothing it wrote
    was rolled back since, so the tail is never taken implicitly."""
    return getattr(dossier, _WRITTEN, None)


def jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    """Moments as ISO text; model instances are left out (their ids are in the payload)."""
    return {
        key: (value.isoformat() if isinstance(value, datetime) else value)
        for key, value in payload.items()
        if not isinstance(value, models.Model)
    }
