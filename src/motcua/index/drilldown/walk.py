"""The workflow steps of dossiers read for the period pages: walked from their events as plain
values (`walked_segments`), or — the step a timed dossier is still in — from what its
`StepWindow` keeps (`open_timings`), timed as `story.dossier_walk` times them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform

from motcua.catalog.models import Procedure, WorkflowStep
from motcua.directory.models import User
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.index.drilldown.story import (
    ENTER_STEP,
    LEAVE_WORKFLOW,
    Between,
    DossierFacts,
    Pause,
    Segment,
    as_int,
    dossier_walk,
)
from motcua.index.drilldown.timing import Calendars

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
# A timed window's open step read with its dossier (`StepWindow` rows, for `open_timings`):
# `DOSSIER_FIELDS` and the office hours of the dossier's agency, then the step's start and
# `OpenStep`'s fields.
OPEN_ROW = (
    "dossier_id",
    *(f"dossier__{name}" for name in DOSSIER_FIELDS[1:]),
    "dossier__agency__office_hours",
    "last_at",
    "open_position",
    "open_assignee_id",
    "open_paused",
    "open_pause_since",
)
OPEN_ASSIGNEE = OPEN_ROW.index("open_assignee_id")


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


class StepCatalog:
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

    procedure_id: int
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
        procedure_id=segment.dossier.procedure.pk,
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
    catalog = StepCatalog({row[3] for row in rows})
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


class OpenTiming(NamedTuple):
    """A step a dossier is still in, timed now."""

    dossier: DossierFacts
    step: WorkflowStep
    started_at: datetime
    assignee_id: int | None
    worked: timedelta
    paused: timedelta
    budget: timedelta | None

    @property
    def over(self) -> timedelta:
        """Working time past the budget (zero when within, or without a budget)."""
        if self.budget is None or self.worked <= self.budget:
            return timedelta(0)
        return self.worked - self.budget


def _budget(budgets: dict[int, timedelta | None], step: WorkflowStep) -> timedelta | None:
    """The step's share of its procedure's time limit, the text parsed once a step."""
    if step.pk not in budgets:
        duration = step.procedure.duration
        budgets[step.pk] = duration.share(step.share_percent) if duration is not None else None
    return budgets[step.pk]


def open_timings(
    rows: list[tuple[Any, ...]], *, now: datetime, catalog: StepCatalog | None = None
) -> Iterator[OpenTiming]:
    """The open step of each `OPEN_ROW` row (a timed window with its dossier), timed now as
    `dossier_walk` times it, without its events: its start and the pauses the window keeps
    on the calendar of the dossier's agency, against the step's share of the time limit."""
    if catalog is None or any(row[3] not in catalog.procedures for row in rows):
        catalog = StepCatalog({row[3] for row in rows})
    calendars = Calendars()
    budgets: dict[int, timedelta | None] = {}
    for row in rows:
        dossier = catalog.facts(row)
        if dossier is None:
            continue
        started, position, assignee_id, paused_us, since = row[HOURS + 1 :]
        step = catalog.steps[dossier.procedure.pk].get(position if position is not None else -1)
        if step is None:
            continue  # the walk finds no step it knows either
        clock = calendars.clock_for_hours(row[HOURS])
        paused = timedelta(microseconds=paused_us or 0)
        if since is not None:
            paused += clock.between(since, now)
        worked = clock.between(started, now) - paused
        budget = _budget(budgets, step)
        yield OpenTiming(dossier, step, started, assignee_id, worked, paused, budget)


# A timed window's open step as `open_bounds` reads it: its agency and its step.
OPEN_KEY = ("agency_id", "open_procedure_id", "open_position")


class OpenBound(NamedTuple):
    """An open step's agency and step, and the moment before which a step of it started may
    be over its budget (None: no budget, never over)."""

    agency_id: int
    procedure_id: int
    position: int
    bound: datetime | None


def open_bounds(
    keys: list[tuple[Any, ...]], hours: dict[int, str], *, now: datetime
) -> tuple[list[OpenBound], StepCatalog]:
    """The `OPEN_KEY`s of open steps whose step the walk knows, each with its bound, to split
    the officer lines' open steps in SQL: those that cannot be over their budget, counted,
    and the others, read with their dossiers and timed with `open_timings` (with the
    catalog returned). `hours`: the agencies' office hours. A step cannot be over when it
    started at or after the moment its agency's clock reads its reading now less the
    budget: it has worked at most its budget since, and a pause only takes working time
    away; one started before is timed. A province has over 12,000 open steps, most within
    budget, but a few hundred keys: the bound is worked out once a key, not once a step."""
    catalog = StepCatalog({key[1] for key in keys if key[1] is not None})
    calendars = Calendars()
    budgets: dict[int, timedelta | None] = {}
    by_step: dict[tuple[str, int], datetime | None] = {}
    found: list[OpenBound] = []
    for agency_id, procedure_id, position in keys:
        step = catalog.steps.get(procedure_id, {}).get(position if position is not None else -1)
        if step is None:
            continue  # a procedure without steps, or a step the walk does not know either
        key = (hours.get(agency_id, ""), step.pk)
        if key not in by_step:
            budget = _budget(budgets, step)
            clock = calendars.clock_for_hours(key[0])
            by_step[key] = (
                None if budget is None else clock.moment_reaching(clock.reading(now) - budget)
            )
        found.append(OpenBound(agency_id, procedure_id, position, by_step[key]))
    return found, catalog


def bounds_relation(bounds: list[OpenBound]) -> tuple[str, list[Any]]:
    """`bounds` (each with its moment) as a relation `(agency_id, procedure_id, position,
    bound)` to join in SQL, and its parameters: on PostgreSQL four arrays unnested, on SQLite
    one JSON array (the moments as the backend stores them, so that they compare as the
    column does)."""
    if connection.vendor == "postgresql":
        columns = list(zip(*bounds, strict=True)) or [(), (), (), ()]
        sql = (
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::integer[], %s::timestamptz[])"
            " AS b(agency_id, procedure_id, position, bound)"
        )
        return sql, [list(column) for column in columns]
    adapt = connection.ops.adapt_datetimefield_value
    rows = [[a, p, s, adapt(b)] for a, p, s, b in bounds]
    sql = (
        "SELECT json_extract(value, '$[0]') AS agency_id,"
        " json_extract(value, '$[1]') AS procedure_id,"
        " json_extract(value, '$[2]') AS position,"
        " json_extract(value, '$[3]') AS bound FROM json_each(%s)"
    )
    return sql, [json.dumps(rows)]


def open_segments(rows: list[tuple[Any, ...]], *, now: datetime) -> Iterator[Segment]:
    """`open_timings` as `Segment`s, with their assignees."""
    timings = list(open_timings(rows, now=now))
    assignees = {t.assignee_id for t in timings if t.assignee_id is not None}
    users = User.objects.in_bulk(assignees) if assignees else {}
    for timing in timings:
        assignee = users.get(timing.assignee_id or -1)
        segment = Segment(timing.dossier, timing.step, timing.started_at, assignee=assignee)
        segment.worked, segment.paused, segment.budget = timing.worked, timing.paused, timing.budget
        yield segment
