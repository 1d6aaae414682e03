"""Responsibility per officer: the workflow steps that ran in a period, and each officer's
share of the delays."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform

from motcua.catalog.models import Procedure, WorkflowStep
from motcua.directory.models import User
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.index.drilldown.story import (
    ENTER_STEP,
    LEAVE_WORKFLOW,
    DossierFacts,
    Segment,
    as_int,
    dossier_is_late,
    dossier_walk,
)
from motcua.index.drilldown.timing import Calendars, working_text
from motcua.index.engine import Period
from motcua.index.models import StepWindow


@dataclass
class OfficerLine:
    officer: User | None  # None: steps still open and not assigned to anyone
    steps: list[Segment] = field(default_factory=list)
    delayed: dict[int, Dossier | DossierFacts] = field(default_factory=dict)

    @property
    def step_count(self) -> int:
        return len(self.steps)

    @property
    def over_count(self) -> int:
        return sum(1 for s in self.steps if s.is_over)

    @property
    def over_total(self) -> timedelta:
        return sum((s.over for s in self.steps), timedelta(0))

    @property
    def over_total_text(self) -> str:
        return working_text(self.over_total)

    @property
    def over_minutes(self) -> int:
        return int(self.over_total.total_seconds() // 60)

    @property
    def delayed_dossiers(self) -> list[Dossier | DossierFacts]:
        return sorted(self.delayed.values(), key=lambda d: (d.due_at or d.received_at, d.pk))


def _candidates(agency_ids: set[int], period: Period, *, windows: bool) -> QuerySet[Dossier]:
    """Dossiers that may have had a step during the period (the walk decides exactly): with
    `windows`, only those whose `StepWindow` meets the period — every step the walk finds
    lies inside its dossier's window, and a dossier without one never entered a step."""
    start, end = period.start_moment, period.end_moment
    found = Dossier.objects.filter(
        agency_id__in=agency_ids, received_at__isnull=False, received_at__lt=end
    ).filter(
        Q(finished_at__isnull=True, closed_at__isnull=True)
        | Q(finished_at__gte=start)
        | Q(closed_at__gte=start)
    )
    if windows:
        met = StepWindow.objects.filter(entered_at__lt=end).filter(
            Q(left_at__isnull=True) | Q(left_at__gte=start)
        )
        found = found.filter(pk__in=met.values("dossier_id"))
    return found


# The events that move a dossier between steps or stop its clock; the others (comments,
# payments, notifications, …) change no step and are not read.
WALKED_ACTIONS = (
    "receive",
    *ENTER_STEP,
    *LEAVE_WORKFLOW,
    "suspend",
    "request_supplement",
    "resume",
    "provide_supplement",
    "transfer",
    "transfer_back",
)
# `DossierFacts` in order: what the period pages show of a dossier.
DOSSIER_FIELDS = (
    "id",
    "code",
    "agency",
    "procedure",
    "received_at",
    "due_at",
    "finished_at",
    "closed_at",
    "paused_at",
    "supplement_count",
)


class StepEvent(NamedTuple):
    """The part of a `DossierEvent` the walk reads, loaded as plain values: thousands of
    events are read per page, and a model instance (with its JSON payload decoded) each
    cost most of the page's time."""

    action: str
    at: datetime
    actor: User | None
    payload: dict[str, Any]
    note: str


def _events_by_dossier(
    candidates: QuerySet[Dossier],
) -> tuple[dict[int, list[tuple[Any, ...]]], set[int]]:
    """The walked events of the candidates (one query), and every user they name."""
    rows = (
        DossierEvent.objects.filter(dossier__in=candidates, action__in=WALKED_ACTIONS)
        .order_by("dossier_id", "seq")
        .values_list(
            "dossier_id",
            "action",
            "at",
            "actor_id",
            KeyTextTransform("step", "payload"),
            KeyTextTransform("assignee_id", "payload"),
            "note",
        )
    )
    events: dict[int, list[tuple[Any, ...]]] = {}
    users: set[int] = set()
    for row in rows:
        events.setdefault(row[0], []).append(row[1:])
        for user_id in (row[3], as_int(row[5])):
            if user_id is not None:
                users.add(user_id)
    return events, users


def steps_in_period(
    agency_ids: set[int],
    period: Period,
    *,
    now: datetime,
    officer: User | None = None,
    windows: bool = True,
) -> list[Segment]:
    """Workflow steps (not the counter stage) that ran during the period.

    A fixed number of queries whatever the number of dossiers: the candidates' clock fields,
    their walked events as plain values, and the users, procedures, steps and office hours
    they name (each bounded by the staff and the catalog, not by the dossiers); working time
    comes from one `WorkingClock` per set of office hours. Only the dossiers whose
    `StepWindow` meets the period are walked; `windows=False` walks every dossier open in
    it (the definition the tests compare the windows with)."""
    candidates = _candidates(agency_ids, period, windows=windows)
    if officer is not None:
        candidates = candidates.filter(
            Q(assignee=officer)
            | Exists(DossierEvent.objects.filter(dossier_id=OuterRef("pk"), actor=officer))
            | Exists(
                DossierEvent.objects.filter(
                    dossier_id=OuterRef("pk"), payload__assignee_id=officer.pk
                )
            )
        )
    events, user_ids = _events_by_dossier(candidates)
    rows = list(
        candidates.order_by("received_at", "id").values_list(
            *DOSSIER_FIELDS, "agency__office_hours"
        )
    )
    users = User.objects.in_bulk(user_ids) if user_ids else {}
    procedures: dict[int, Procedure] = {}
    steps: dict[int, dict[int, WorkflowStep]] = {}
    for step in (
        WorkflowStep.objects.filter(procedure_id__in={row[3] for row in rows})
        .select_related("procedure")
        .only(
            # Not the procedure's e-form and other JSON: decoding them cost more than the walk.
            *(f.name for f in WorkflowStep._meta.concrete_fields),
            *(f"procedure__{name}" for name in ("code", "name", "time_limit")),
        )
    ):
        procedures.setdefault(step.procedure_id, step.procedure)
        steps.setdefault(step.procedure_id, {})[step.position] = step
    calendars = Calendars()
    start, end = period.start_moment, period.end_moment
    found = []
    for row in rows:
        pk, code, agency_id, procedure_id, received, due, finished, closed, paused = row[:9]
        supplements, office_hours = row[9:]
        if procedure_id not in procedures:
            continue  # a procedure without internal steps: nothing held at a step
        dossier = DossierFacts(
            pk=pk,
            code=code,
            procedure=procedures[procedure_id],
            agency_id=agency_id,
            received_at=received,
            due_at=due,
            finished_at=finished,
            closed_at=closed,
            paused_at=paused,
            supplement_count=supplements,
        )
        walked = [
            StepEvent(
                action,
                at,
                users.get(actor_id) if actor_id is not None else None,
                {"step": step, "assignee_id": assignee},
                note,
            )
            for action, at, actor_id, step, assignee, note in events.get(dossier.pk, ())
        ]
        segments, _pauses = dossier_walk(
            dossier,
            walked,
            steps[procedure_id],
            users,
            calendars.clock_for_hours(office_hours),
            now,
        )
        for segment in segments:
            if segment.step is None or segment.started_at >= end:
                continue
            if segment.ended_at is not None and segment.ended_at < start:
                continue
            if officer is not None and segment.holder != officer:
                continue
            found.append(segment)
    return found


def officer_lines(segments: list[Segment], *, now: datetime) -> list[OfficerLine]:
    """Officers ranked by steps over budget, then by working time over budget."""
    lines: dict[int | None, OfficerLine] = {}
    for segment in segments:
        holder = segment.holder
        line = lines.setdefault(holder.pk if holder else None, OfficerLine(holder))
        line.steps.append(segment)
        if segment.is_over and dossier_is_late(segment.dossier, now):
            line.delayed[segment.dossier.pk] = segment.dossier
    return sorted(
        lines.values(),
        key=lambda line: (
            line.officer is None,
            -line.over_count,
            -line.over_total,
            str(line.officer or ""),
        ),
    )
