"""Each workflow step a dossier has left, timed once when it left (`ClosedStep`), and the
step it is still in kept on its window (`StepWindow.open_*`): written by the transition that
moves a dossier between steps or out of its workflow, or stops or restarts its clock, in its
transaction, and by `motcua index_rebuild` for everything else.

The event trigger (migrations 0009 and 0012) forgets a dossier's timing with every such
event, so this only ever adds what the walk would find: the leaders' pages
(`drilldown.officers`, `drilldown.walk`) walk a dossier whose window is not timed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from motcua.dossiers.models import Dossier
from motcua.index.drilldown.story import (
    ENTER_STEP,
    LEAVE_WORKFLOW,
    DossierFacts,
    dossier_is_late,
)
from motcua.index.drilldown.walk import OpenStep, walked_segments
from motcua.index.models import ClosedStep, StepWindow

MOVES = frozenset((*ENTER_STEP, *LEAVE_WORKFLOW))
# The events that stop or restart the clock (the window's open step keeps its pauses).
CLOCK = frozenset(("suspend", "request_supplement", "resume", "provide_supplement"))
OPEN_COLUMNS = (
    "timed_at",
    "open_procedure_id",
    "open_position",
    "open_assignee_id",
    "open_paused",
    "open_pause_since",
)
BATCH = 2000


def _microseconds(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


def _late_for_good(dossier: Dossier | DossierFacts, now: datetime) -> bool | None:
    """Whether the dossier is late, once that can no longer change: it has left its
    workflow (finished, or closed without a result)."""
    if dossier.finished_at is None and dossier.closed_at is None:
        return None
    return dossier_is_late(dossier, now)


def _open_columns(step: OpenStep | None) -> dict[str, Any]:
    """The window's columns for the step a dossier is in (None: it is in none)."""
    return {
        "open_procedure_id": step.procedure_id if step else None,
        "open_position": step.position if step else None,
        "open_assignee_id": step.assignee_id if step else None,
        "open_paused": step.paused if step else None,
        "open_pause_since": step.pause_since if step else None,
    }


def steps_time(dossier_ids: Iterable[int], *, forgotten: bool = False) -> int:
    """Store the closed steps of these dossiers in place of what is stored, and the step each
    is still in on its window, and mark their windows timed; returns the number of steps
    stored. The caller holds the transaction. `forgotten`: the event trigger has just
    deleted what was stored (an event that moves the dossier or its clock)."""
    ids = list(dossier_ids)
    now = timezone.now()
    opens: dict[int, OpenStep] = {}
    rows: list[ClosedStep] = []
    ended: set[int] = set()  # finished or closed
    for segment in walked_segments(
        Dossier.objects.filter(pk__in=ids), now=now, named=False, opens=opens
    ):
        dossier = segment.dossier
        if dossier.finished_at is not None or dossier.closed_at is not None:
            ended.add(dossier.pk)
        if segment.ended_at is not None and segment.step is not None:
            rows.append(
                ClosedStep(
                    dossier_id=dossier.pk,
                    agency_id=dossier.agency_id,
                    step_id=segment.step.pk,
                    holder_id=segment.holder.pk if segment.holder is not None else None,
                    started_at=segment.started_at,
                    ended_at=segment.ended_at,
                    worked=_microseconds(segment.worked),
                    paused=_microseconds(segment.paused),
                    budget=_microseconds(segment.budget) if segment.budget is not None else None,
                    over=_microseconds(segment.over),
                    late=_late_for_good(dossier, now),
                )
            )
    # A dossier finished or closed with a step still open (its end written outside the
    # lifecycle: an import) is left untimed, so the pages walk it under its own conditions:
    # the officer lines count a timed open window without reading its dossier.
    untimed = ended & set(opens)
    if untimed:
        rows = [row for row in rows if row.dossier_id not in untimed]
        for pk in untimed:
            del opens[pk]
        StepWindow.objects.filter(dossier_id__in=untimed).update(
            timed_at=None, **_open_columns(None)
        )
    if not forgotten:
        ClosedStep.objects.filter(dossier_id__in=ids).delete()
    ClosedStep.objects.bulk_create(rows, batch_size=BATCH)
    closed = [pk for pk in ids if pk not in opens and pk not in untimed]
    if closed:
        StepWindow.objects.filter(dossier_id__in=closed).update(timed_at=now, **_open_columns(None))
    if len(opens) == 1:
        # A transition times one dossier: a plain UPDATE costs less than `bulk_update`'s CASE.
        [(pk, step)] = opens.items()
        StepWindow.objects.filter(dossier_id=pk).update(timed_at=now, **_open_columns(step))
        return len(rows)
    opened = [
        StepWindow(dossier_id=pk, timed_at=now, **_open_columns(step)) for pk, step in opens.items()
    ]
    # By key: a dossier without a window (never entered a step) updates no row.
    StepWindow.objects.bulk_update(opened, OPEN_COLUMNS, batch_size=BATCH)
    return len(rows)


def steps_follow(dossier: Dossier, action: str) -> None:
    """After a transition's event: an event that moves the dossier between steps, or stops or
    restarts its clock, times the dossier's steps again."""
    if action in MOVES or action in CLOCK:
        steps_time([dossier.pk], forgotten=True)


def steps_rebuild() -> int:
    """Time every dossier that ever entered a step, a batch per transaction (the calendar
    as it stands now); returns the number of steps stored."""
    stored, after = 0, -1
    while True:
        batch = list(
            StepWindow.objects.filter(dossier_id__gt=after)
            .order_by("dossier_id")
            .values_list("dossier_id", flat=True)[:BATCH]
        )
        if not batch:
            return stored
        with transaction.atomic():
            stored += steps_time(batch)
        after = batch[-1]
