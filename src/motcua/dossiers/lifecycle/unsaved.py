"""A dossier made in this request, written once at the end (`dossier_insert`).

The online application creates a draft, saves its declaration and submits it in one click:
three intents, three events, one version each, the audit row and the outbox rows. The row is
new, so no one else can see it before the commit; instead of an INSERT followed by an UPDATE
per intent, the lifecycle applies each intent to the instance in memory (the same guards,
effects, counters and events as for a saved row) and this module writes the result: the
dossier row as it ends, its events in one statement, then the rows that name the dossier or
an event by id (the audit row, the outbox rows, the page's start token), in the order they
were asked for. On PostgreSQL the keys of the dossier and its events are drawn first (one
statement), so that every row naming them is built at once, and every INSERT then goes out
in one pipeline: the transaction waits on the server twice (the keys, the rows) and for its
commit, instead of once per statement (`core.rows.rows_pipelined`).

Every writer of a dossier row or of a row that names it goes through `dossier_save` and
`after_insert`, which act at once on a saved dossier: only the service that made the
instance (`dossier_unsaved`) decides when it is written."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from motcua.core.rows import rows_insert, rows_keys_reserve, rows_pipelined
from motcua.dossiers.models import Dossier, DossierEvent

_PENDING = "_motcua_unsaved"


@dataclass
class _Pending:
    events: list[DossierEvent] = field(default_factory=list)
    writes: list[Callable[[], object]] = field(default_factory=list)


def dossier_unsaved(dossier: Dossier) -> Dossier:
    """Mark a new instance (no primary key yet) as written later by `dossier_insert`."""
    if dossier.pk is not None:
        raise ValueError("Only a new dossier is written later.")
    setattr(dossier, _PENDING, _Pending())
    return dossier


def _pending(dossier: Dossier) -> _Pending | None:
    return getattr(dossier, _PENDING, None)


def dossier_save(dossier: Dossier, fields: Iterable[str]) -> None:
    """Write these fields of a saved dossier now; a dossier not yet inserted keeps them on
    the instance, and `dossier_insert` writes the row as it ends."""
    if _pending(dossier) is None:
        dossier.save(update_fields=list(fields))


def event_append(event: DossierEvent) -> None:
    """Insert the event now, or with the others when its new dossier is inserted."""
    pending = _pending(event.dossier)
    if pending is None:
        event.save(force_insert=True)
    else:
        pending.events.append(event)


def after_insert(dossier: Dossier, write: Callable[[], object]) -> None:
    """Run a write that needs the dossier's id (or its events' ids) now, or right after the
    new dossier and its events are inserted."""
    pending = _pending(dossier)
    if pending is None:
        write()
    else:
        pending.writes.append(write)


def dossier_insert(dossier: Dossier) -> Dossier:
    """Write a new dossier as it is now, its events in one statement, then the writes that
    waited for their ids; nothing for a dossier already saved. Inside the caller's
    transaction: an error of any of these statements (raised, on PostgreSQL, when the
    pipeline ends) rolls it back whole."""
    pending = _pending(dossier)
    if pending is None:
        return dossier
    delattr(dossier, _PENDING)
    with rows_pipelined():
        # The writes that wait name the dossier and its events by id (the outbox's payload,
        # the audit row): their keys are known before any row is sent.
        rows_keys_reserve([dossier], pending.events)
        rows_insert([dossier])
        # The events take the dossier's new id from the instance they hold.
        rows_insert(pending.events)
        for write in pending.writes:
            write()
    return dossier
