"""Responsibility per officer: the workflow steps that ran in a period, and each officer's
share of the delays.

The steps a dossier has left are stored, timed, when it left them (`ClosedStep`, written by
`index.steps`), and summed per agency, holder and day by triggers (`StepDay`); only the steps
still open and the dossiers whose `StepWindow` is not timed (written by something other than
a transition) are walked from their events."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce

from motcua.catalog.models import Procedure, WorkflowStep
from motcua.directory.models import User
from motcua.dossiers.metrics import ON_TIME
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.index.drilldown.story import (
    ENTER_STEP,
    LEAVE_WORKFLOW,
    Between,
    DossierFacts,
    Pause,
    Segment,
    as_int,
    dossier_is_late,
    dossier_walk,
)
from motcua.index.drilldown.timing import Calendars, working_text
from motcua.index.engine import Period
from motcua.index.models import ClosedStep, StepDay, StepWindow


@dataclass
class OfficerLine:
    officer: User | None  # None: steps still open and not assigned to anyone
    steps: list[Segment] = field(default_factory=list)  # kept only for one officer's page
    # The overdue dossiers with a step of this officer's over budget (None: not loaded).
    delayed: dict[int, Dossier | DossierFacts | None] = field(default_factory=dict)
    step_count: int = 0
    over_count: int = 0
    over_total: timedelta = timedelta(0)

    def add(self, segment: Segment, *, late: bool, keep: bool = True) -> None:
        self.step_count += 1
        if segment.is_over:
            self.over_count += 1
            self.over_total += segment.over
            if late:
                self.delayed[segment.dossier.pk] = segment.dossier
        if keep:
            self.steps.append(segment)

    @property
    def over_total_text(self) -> str:
        return working_text(self.over_total)

    @property
    def over_minutes(self) -> int:
        return int(self.over_total.total_seconds() // 60)

    @property
    def delayed_dossiers(self) -> list[Dossier | DossierFacts]:
        found = [d for d in self.delayed.values() if d is not None]
        return sorted(found, key=lambda d: (d.due_at or d.received_at, d.pk))


def _candidates(agency_ids: set[int], period: Period) -> QuerySet[Dossier]:
    """Dossiers that may have had a step during the period (the walk decides exactly)."""
    start, end = period.start_moment, period.end_moment
    return Dossier.objects.filter(
        agency_id__in=agency_ids, received_at__isnull=False, received_at__lt=end
    ).filter(
        Q(finished_at__isnull=True, closed_at__isnull=True)
        | Q(finished_at__gte=start)
        | Q(closed_at__gte=start)
    )


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
# After `DOSSIER_FIELDS` in a walked row: the agency's office hours.
HOURS = len(DOSSIER_FIELDS)
# A timed window's open step, for `open_segments`: the dossier, then the step's start and
# `OpenStep`'s fields.
OPEN_FIELDS = (
    "dossier_id",
    "last_at",
    "open_position",
    "open_assignee_id",
    "open_paused",
    "open_pause_since",
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


# Ids per events query: the candidates are read once, by their own query, and their events
# by key (PostgreSQL ran the candidates' query again under an IN subquery); within SQLite's
# limit on a statement's parameters.
EVENTS_CHUNK = 5000


def _keys(ids: list[int]) -> list[int] | RawSQL:
    """Ids for an `__in` filter: on PostgreSQL one array parameter, as the driver parses a
    statement with thousands of placeholders slowly (90 ms for 2,000)."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    return ids


def _events_by_dossier(
    dossier_ids: list[int],
) -> tuple[dict[int, list[tuple[Any, ...]]], set[int]]:
    """The walked events of the dossiers (a query per `EVENTS_CHUNK` of them), and every user
    they name."""
    rows = (
        row
        for first in range(0, len(dossier_ids), EVENTS_CHUNK)
        for row in DossierEvent.objects.filter(
            dossier_id__in=_keys(dossier_ids[first : first + EVENTS_CHUNK]),
            action__in=WALKED_ACTIONS,
        )
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


class _Catalog:
    """The procedures and workflow steps the rows name, loaded once each without their JSON
    (decoding the e-forms cost more than the walk)."""

    def __init__(self, procedure_ids: set[int]) -> None:
        self.procedures: dict[int, Procedure] = {}
        self.steps: dict[int, dict[int, WorkflowStep]] = {}  # procedure → position → step
        self.by_id: dict[int, WorkflowStep] = {}
        for step in (
            WorkflowStep.objects.filter(procedure_id__in=procedure_ids)
            .select_related("procedure")
            .only(
                *(f.name for f in WorkflowStep._meta.concrete_fields),
                *(f"procedure__{name}" for name in ("code", "name", "time_limit")),
            )
        ):
            self.procedures.setdefault(step.procedure_id, step.procedure)
            self.steps.setdefault(step.procedure_id, {})[step.position] = step
            self.by_id[step.pk] = step

    def facts(self, row: tuple[Any, ...]) -> DossierFacts | None:
        """A `DOSSIER_FIELDS` row as plain values; None for a procedure without steps."""
        pk, code, agency_id, procedure_id, received, due, finished, closed, paused = row[:9]
        if procedure_id not in self.procedures:
            return None
        return DossierFacts(
            pk=pk,
            code=code,
            procedure=self.procedures[procedure_id],
            agency_id=agency_id,
            received_at=received,
            due_at=due,
            finished_at=finished,
            closed_at=closed,
            paused_at=paused,
            supplement_count=row[9],
        )


@dataclass(frozen=True)
class OpenStep:
    """The step a dossier is in now, as `StepWindow` keeps it (`index.steps`): enough to time
    it at any later moment without its events."""

    position: int | None
    assignee_id: int | None
    paused: int  # microseconds of the pauses already over inside it
    pause_since: datetime | None  # the clock stopped inside it since then (None: running)


def _open_step(segment: Segment, pauses: list[Pause], clock: Between) -> OpenStep:
    paused, since = timedelta(0), None
    for pause in pauses:
        if not pause.stops_clock:
            continue
        start = max(pause.started_at, segment.started_at)
        if pause.ended_at is None:
            since = start
        elif pause.ended_at > start:
            paused += clock.between(start, pause.ended_at)
    return OpenStep(
        position=segment.step.position if segment.step is not None else None,
        assignee_id=segment.assignee.pk if segment.assignee is not None else None,
        paused=paused // timedelta(microseconds=1),
        pause_since=since,
    )


def walked_segments(
    candidates: QuerySet[Dossier],
    *,
    now: datetime,
    named: bool = True,
    opens: dict[int, OpenStep] | None = None,
) -> Iterator[Segment]:
    """Each workflow step (not the counter stage) of the candidates, walked from their events
    in a fixed number of queries: the candidates' clock fields, their walked events as plain
    values, the users, procedures, steps and office hours they name; working time from one
    `WorkingClock` per set of office hours. `named=False`: the segments' officers are bare
    ids (`User(pk=…)`), for a writer that stores only the ids. `opens`: filled with the step
    each dossier is still in, for `StepWindow`."""
    fields = [*DOSSIER_FIELDS, "agency__office_hours"]
    rows = list(candidates.order_by("received_at", "id").values_list(*fields))
    if not rows:
        return
    events, user_ids = _events_by_dossier([row[0] for row in rows])
    if named:
        users = User.objects.in_bulk(user_ids) if user_ids else {}
    else:
        users = {pk: User(pk=pk) for pk in user_ids}
    catalog = _Catalog({row[3] for row in rows})
    calendars = Calendars()
    for row in rows:
        dossier = catalog.facts(row)
        if dossier is None:
            continue  # a procedure without internal steps: nothing held at a step
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
        clock = calendars.clock_for_hours(row[HOURS])
        segments, pauses = dossier_walk(
            dossier, walked, catalog.steps[dossier.procedure.pk], users, clock, now
        )
        if opens is not None and segments and segments[-1].is_open:
            opens[dossier.pk] = _open_step(segments[-1], pauses, clock)
        for segment in segments:
            if segment.step is not None:
                yield segment


def open_segments(
    candidates: QuerySet[Dossier], windows: list[tuple[Any, ...]], *, now: datetime
) -> Iterator[Segment]:
    """The open step of the candidates with a timed window (`OPEN_FIELDS` rows), from the
    window and their clock fields, without their events: timed now as `dossier_walk` times
    it."""
    stored = {row[0]: row[1:] for row in windows}
    if not stored:
        return
    rows = list(
        candidates.filter(pk__in=_keys(list(stored)))
        .order_by("received_at", "id")
        .values_list(*DOSSIER_FIELDS, "agency__office_hours")
    )
    catalog = _Catalog({row[3] for row in rows})
    assignees = {row[2] for row in stored.values() if row[2] is not None}
    users = User.objects.in_bulk(assignees) if assignees else {}
    calendars = Calendars()
    for row in rows:
        dossier = catalog.facts(row)
        if dossier is None:
            continue
        started, position, assignee_id, paused, since = stored[dossier.pk]
        step = catalog.steps[dossier.procedure.pk].get(position if position is not None else -1)
        if step is None:
            continue  # the walk finds no step it knows either
        clock = calendars.clock_for_hours(row[HOURS])
        segment = Segment(dossier, step, started, assignee=users.get(assignee_id or -1))
        segment.paused = timedelta(microseconds=paused or 0)
        if since is not None:
            segment.paused += clock.between(since, now)
        segment.worked = clock.between(started, now) - segment.paused
        duration = dossier.procedure.duration
        if duration is not None:
            segment.budget = duration.share(step.share_percent)
        yield segment


def _met(period: Period) -> QuerySet[StepWindow]:
    """The windows meeting the period: every step a walk finds lies inside its dossier's
    window, and a dossier without one never entered a step."""
    start, end = period.start_moment, period.end_moment
    return StepWindow.objects.filter(entered_at__lt=end).filter(
        Q(left_at__isnull=True) | Q(left_at__gte=start)
    )


def _stored(agency_ids: set[int], period: Period) -> QuerySet[ClosedStep]:
    return ClosedStep.objects.filter(
        agency_id__in=agency_ids,
        started_at__lt=period.end_moment,
        ended_at__gte=period.start_moment,
    )


def _stored_sums(agency_ids: set[int], period: Period) -> list[tuple[int | None, int, int, int]]:
    """Per holder, the stored steps meeting the period: their number, how many ran over
    budget and the microseconds over, from `StepDay` — the steps ended on or after the
    period's first day less those started after its last day."""
    later = Q(day__gt=period.end)

    def meeting(ended: str, started: str) -> Any:
        return Coalesce(Sum(ended), 0) - Coalesce(Sum(started, filter=later), 0)

    rows = (
        StepDay.objects.filter(agency_id__in=agency_ids, day__gte=period.start)
        .order_by()
        .values("holder_id")
        .annotate(
            steps=meeting("ended_steps", "started_steps"),
            over_steps=meeting("ended_over_steps", "started_over_steps"),
            over_sum=meeting("ended_over", "started_over"),
        )
        .values_list("holder_id", "steps", "over_steps", "over_sum")
    )
    # A holder whose steps all moved out of the period (or were forgotten) has rows at zero.
    return [
        (holder_id or None, steps, over_steps, over_sum)
        for holder_id, steps, over_steps, over_sum in rows
        if steps
    ]


def _walked_in_period(
    agency_ids: set[int], period: Period, *, now: datetime, officer: User | None
) -> Iterator[Segment]:
    """The period's steps that are not stored: every step of the untimed dossiers (walked
    from their events), and the open step of the timed ones still inside their workflow
    (from their window)."""
    candidates = _candidates(agency_ids, period)
    walked = candidates if officer is None else _touched_by(candidates, officer)
    met = _met(period).filter(agency_id__in=agency_ids)
    untimed = met.filter(timed_at__isnull=True).values("dossier_id")
    yield from walked_segments(walked.filter(pk__in=untimed), now=now)
    opened = met.filter(timed_at__isnull=False, left_at__isnull=True)
    if officer is not None:
        opened = opened.filter(open_assignee_id=officer.pk)  # an open step's holder
    yield from open_segments(candidates, list(opened.values_list(*OPEN_FIELDS)), now=now)


def _touched_by(candidates: QuerySet[Dossier], officer: User) -> QuerySet[Dossier]:
    return candidates.filter(
        Q(assignee=officer)
        | Exists(DossierEvent.objects.filter(dossier_id=OuterRef("pk"), actor=officer))
        | Exists(
            DossierEvent.objects.filter(dossier_id=OuterRef("pk"), payload__assignee_id=officer.pk)
        )
    )


def _in_period(segment: Segment, period: Period) -> bool:
    return segment.started_at < period.end_moment and (
        segment.ended_at is None or segment.ended_at >= period.start_moment
    )


def _stored_segments(stored: QuerySet[ClosedStep]) -> list[Segment]:
    """Stored steps as `Segment`s, with their dossiers' facts."""
    return list(stored_segments_by_id(stored).values())


def stored_segments_by_id(stored: QuerySet[ClosedStep]) -> dict[int, Segment]:
    """Stored steps as `Segment`s by their row's id, in the queryset's order, with their
    dossiers' facts; a step since taken out of its procedure is left out, as the walk
    finds it no more."""
    rows = list(
        stored.values_list(
            "id", "dossier_id", "step_id", "holder_id", "started_at", "ended_at", "worked",
            "paused", "budget",
        )
    )  # fmt: skip
    dossier_rows = list(
        Dossier.objects.filter(pk__in=stored.values("dossier_id")).values_list(*DOSSIER_FIELDS)
    )
    catalog = _Catalog({row[3] for row in dossier_rows})
    dossiers = {row[0]: catalog.facts(row) for row in dossier_rows}
    holders = {row[3] for row in rows if row[3] is not None}
    users = User.objects.in_bulk(holders) if holders else {}
    found: dict[int, Segment] = {}
    for pk, dossier_id, step_id, holder_id, started, ended, worked, paused, budget in rows:
        dossier, step = dossiers.get(dossier_id), catalog.by_id.get(step_id)
        if dossier is None or step is None:
            continue  # the step has since been taken out of the procedure
        found[pk] = Segment(
            dossier,
            step,
            started,
            ended,
            assignee=users.get(holder_id) if holder_id is not None else None,
            worked=timedelta(microseconds=worked),
            paused=timedelta(microseconds=paused),
            budget=timedelta(microseconds=budget) if budget is not None else None,
        )
    return found


def _order(segment: Segment) -> tuple[Any, ...]:
    return (segment.dossier.received_at, segment.dossier.pk, segment.started_at)


def steps_in_period(
    agency_ids: set[int],
    period: Period,
    *,
    now: datetime,
    officer: User | None = None,
    windows: bool = True,
) -> list[Segment]:
    """Workflow steps (not the counter stage) that ran during the period, in the order of
    their dossiers' reception: the stored closed steps, and the walk of the rest
    (`_walked_in_period`). `windows=False` walks every dossier open in the period instead
    (the definition the tests compare the stored steps and the windows with)."""
    if not windows:
        candidates = _candidates(agency_ids, period)
        if officer is not None:
            candidates = _touched_by(candidates, officer)
        walked = walked_segments(candidates, now=now)
        found = [s for s in walked if _in_period(s, period)]
    else:
        stored = _stored(agency_ids, period)
        if officer is not None:
            stored = stored.filter(holder_id=officer.pk)
        found = _stored_segments(stored)
        found += [
            s
            for s in _walked_in_period(agency_ids, period, now=now, officer=officer)
            if _in_period(s, period)
        ]
    if officer is not None:
        found = [s for s in found if s.holder == officer]
    return sorted(found, key=_order)


def officer_lines(segments: list[Segment], *, now: datetime) -> list[OfficerLine]:
    """Officers ranked by steps over budget, then by working time over budget."""
    lines: dict[int | None, OfficerLine] = {}
    for segment in segments:
        holder = segment.holder
        line = lines.setdefault(holder.pk if holder else None, OfficerLine(holder))
        line.add(segment, late=dossier_is_late(segment.dossier, now))
    return _ranked(lines)


def _ranked(lines: dict[int | None, OfficerLine]) -> list[OfficerLine]:
    return sorted(
        lines.values(),
        key=lambda line: (
            line.officer is None,
            -line.over_count,
            -line.over_total,
            str(line.officer or ""),
        ),
    )


def late_now(now: datetime) -> Q:
    """`dossier_is_late` in SQL, for the dossiers behind stored steps whose lateness is not
    fixed yet."""
    return (Q(finished_at__isnull=False) & ~ON_TIME) | Q(
        finished_at__isnull=True,
        closed_at__isnull=True,
        due_at__isnull=False,
        due_at__lt=Coalesce("paused_at", Value(now)),
    )


def officer_lines_in_period(
    agency_ids: set[int], period: Period, *, now: datetime
) -> list[OfficerLine]:
    """`officer_lines(steps_in_period(…))` without loading the stored steps: their sums per
    holder read from `StepDay`, the late dossiers behind their over-budget steps by key."""
    stored = _stored(agency_ids, period)
    lines: dict[int | None, OfficerLine] = {}
    for holder_id, steps, over_steps, over_sum in _stored_sums(agency_ids, period):
        lines[holder_id] = OfficerLine(
            None,
            step_count=steps,
            over_count=over_steps,
            over_total=timedelta(microseconds=over_sum),
        )
    live = Dossier.objects.filter(pk=OuterRef("dossier_id")).filter(late_now(now))
    # Whether a dossier is late is fixed when it leaves its workflow; read live only while
    # it is inside. Two queries: under an OR, PostgreSQL hashes the whole dossier table.
    over = stored.filter(over__gt=0).order_by().values_list("holder_id", "dossier_id")
    delayed = {
        *over.filter(late=True).distinct(),
        *over.filter(late__isnull=True).filter(Exists(live)).distinct(),
    }
    for holder_id, dossier_id in delayed:
        lines[holder_id].delayed[dossier_id] = None
    for segment in _walked_in_period(agency_ids, period, now=now, officer=None):
        if not _in_period(segment, period):
            continue
        holder = segment.holder
        line = lines.setdefault(holder.pk if holder else None, OfficerLine(holder))
        line.add(segment, late=dossier_is_late(segment.dossier, now), keep=False)
    named = {pk for pk, line in lines.items() if pk is not None and line.officer is None}
    users = User.objects.in_bulk(named) if named else {}
    for pk in named:
        lines[pk].officer = users.get(pk)
    return _ranked(lines)
