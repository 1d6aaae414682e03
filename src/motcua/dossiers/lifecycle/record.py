"""Events that change no state (an attachment, digitisation, an apology), written beside the
caller's own change in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from motcua.counters.services import counters_move
from motcua.directory.models import User
from motcua.dossiers.lifecycle.events import Tail, dossier_event_write
from motcua.dossiers.lifecycle.lock import dossier_lock
from motcua.dossiers.lifecycle.table import NOTIFY_APPLICANT_RECORDS
from motcua.dossiers.lifecycle.transition import _national_holds, _reachable, outbox_rows_write
from motcua.dossiers.lifecycle.unsaved import after_insert, dossier_save
from motcua.dossiers.metrics import contributions
from motcua.dossiers.models import Dossier


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

    Must be called inside the caller's transaction, after the caller checked permission
    (`record_refusal`). It locks the dossier (`dossier_lock`) and applies the record
    (`record_apply`)."""
    locked = dossier_lock(dossier, expected_version=expected_version)
    return record_apply(
        actor=actor,
        dossier=locked,
        action=action,
        at=at,
        note=note,
        payload=payload,
        changes=changes,
    )


def record_apply(
    *,
    actor: User | None,
    dossier: Dossier,
    action: str,
    at: datetime | None = None,
    note: str = "",
    payload: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    after: Tail | None = None,
) -> Dossier:
    """On a row the caller locked: apply `changes` to flag fields (never `state`), move the
    index counters by the change, bump the version once and append one event (after `after`,
    the tail the caller just wrote, when it passes one: `dossier_event_written`)."""
    if changes and "state" in changes:
        raise ValueError("dossier_record never changes the state; use dossier_transition.")
    locked = dossier
    moment = at or timezone.now()
    before = contributions(locked)
    for name, value in (changes or {}).items():
        setattr(locked, name, value)
    locked.version += 1
    dossier_save(locked, [*(changes or {}), "version", "updated_at"])
    counters_move(before, contributions(locked))
    event = dossier_event_write(
        dossier=locked,
        actor=actor,
        action=action,
        at=moment,
        note=note,
        payload=payload,
        after=after,
    )
    # Decided now, on the dossier as this record leaves it; written once the ids exist.
    messages = []
    if _national_holds(locked):
        # A record changes facts the national portal carries (payment, digitisation, rating).
        messages.append(("national.sync", {"state": locked.state}))
    if _reachable(locked) and action in NOTIFY_APPLICANT_RECORDS:
        messages.append(("dossier.notify", {}))
    if messages:
        after_insert(locked, lambda: outbox_rows_write(locked, event, messages))
    return locked
