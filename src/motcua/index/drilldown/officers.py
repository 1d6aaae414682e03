"""Responsibility per officer: the workflow steps that ran in a period, and each officer's
share of the delays.

The steps a dossier has left are stored, timed, when it left them (`ClosedStep`, written by
`index.steps`), and summed per agency, holder and day by triggers (`StepDay`); the step a
dossier is still in is timed from what its `StepWindow` keeps, and only the dossiers whose
window is not timed (written by something other than a transition) are walked from their
events (`walk`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Count, Exists, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from motcua.directory.models import Agency, User
from motcua.dossiers.metrics import ON_TIME
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.index.drilldown.story import (
    DossierFacts,
    Segment,
    dossier_is_late,
)
from motcua.index.drilldown.timing import working_text
from motcua.index.drilldown.walk import (
    DOSSIER_FIELDS,
    EVENTS_CHUNK,
    OPEN_ASSIGNEE,
    OPEN_KEY,
    OPEN_ROW,
    OpenBound,
    StepCatalog,
    _keys,
    bounds_relation,
    open_bounds,
    open_segments,
    open_timings,
    walked_segments,
)
from motcua.index.engine import Period
from motcua.index.models import ClosedStep, StepDay, StepWindow


@dataclass
class OfficerLine:
    officer: User | None  # None: steps still open and not assigned to anyone
    holder_id: int | None = None
    steps: list[Segment] = field(default_factory=list)  # kept only for one officer's page
    # The overdue dossiers with a step of this officer's over budget (None: not loaded).
    delayed: dict[int, Dossier | DossierFacts | None] = field(default_factory=dict)
    step_count: int = 0
    over_count: int = 0
    over_total: timedelta = timedelta(0)
    # Late dossiers behind over-budget stored steps that are not in `delayed` (summed in SQL
    # by `count_delayed`; None until it has run).
    stored_delayed: int | None = 0

    def add(self, segment: Segment, *, late: bool, keep: bool = True) -> None:
        self.count(segment.dossier, segment.over, late=late)
        if keep:
            self.steps.append(segment)

    def count(self, dossier: Dossier | DossierFacts, over: timedelta, *, late: bool) -> None:
        """One more step of the dossier, `over` its budget by that much (zero: within)."""
        self.step_count += 1
        if over > timedelta(0):
            self.over_count += 1
            self.over_total += over
            if late:
                self.delayed[dossier.pk] = dossier

    @property
    def over_total_text(self) -> str:
        return working_text(self.over_total)

    @property
    def over_minutes(self) -> int:
        return int(self.over_total.total_seconds() // 60)

    @property
    def delayed_count(self) -> int:
        """The overdue dossiers with a step of this officer's over budget."""
        assert self.stored_delayed is not None, "count_delayed() has not run on this line"
        return self.stored_delayed + len(self.delayed)

    @property
    def delayed_dossiers(self) -> list[Dossier | DossierFacts]:
        found = [d for d in self.delayed.values() if d is not None]
        return sorted(found, key=lambda d: (d.due_at or d.received_at, d.pk))


def _candidate(agency_ids: set[int], period: Period, prefix: str = "") -> Q:
    """A dossier that may have had a step during the period (the walk decides exactly);
    `prefix`: the path to the dossier from the model filtered."""
    start, end = period.start_moment, period.end_moment
    received = {"agency_id__in": agency_ids, "received_at__isnull": False, "received_at__lt": end}
    return Q(**{prefix + name: value for name, value in received.items()}) & (
        Q(**{f"{prefix}finished_at__isnull": True, f"{prefix}closed_at__isnull": True})
        | Q(**{f"{prefix}finished_at__gte": start})
        | Q(**{f"{prefix}closed_at__gte": start})
    )


def _candidates(agency_ids: set[int], period: Period) -> QuerySet[Dossier]:
    return Dossier.objects.filter(_candidate(agency_ids, period))


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


def _untimed_segments(
    agency_ids: set[int], period: Period, *, now: datetime, officer: User | None
) -> Iterator[Segment]:
    """Every step of the dossiers whose window meets the period but is not timed, walked
    from their events."""
    candidates = _candidates(agency_ids, period)
    walked = candidates if officer is None else _touched_by(candidates, officer)
    untimed = _met(period).filter(agency_id__in=agency_ids, timed_at__isnull=True)
    yield from walked_segments(walked.filter(pk__in=untimed.values("dossier_id")), now=now)


def _opened(agency_ids: set[int], period: Period) -> QuerySet[StepWindow]:
    """The timed windows still open."""
    return _met(period).filter(
        agency_id__in=agency_ids, timed_at__isnull=False, left_at__isnull=True
    )


def _open_rows(
    agency_ids: set[int], period: Period, *, officer: User | None, where: Q | None = None
) -> list[tuple[Any, ...]]:
    """The timed windows still open (`OPEN_ROW`; only those `where` holds for, if given),
    read with their dossiers in one statement: reading the dossiers by key took longer than
    timing the steps."""
    opened = _opened(agency_ids, period).filter(_candidate(agency_ids, period, prefix="dossier__"))
    if officer is not None:
        opened = opened.filter(open_assignee_id=officer.pk)  # an open step's holder
    if where is not None:
        opened = opened.filter(where)
    return list(opened.order_by("dossier__received_at", "dossier_id").values_list(*OPEN_ROW))


def _may_be_over(bounds: list[OpenBound]) -> Q:
    """A window whose open step is one of `bounds`' (each with its moment) and started before
    its bound: it may be over its budget by now."""
    relation, params = bounds_relation(bounds)
    window = connection.ops.quote_name(StepWindow._meta.db_table)
    sql = (
        f"EXISTS (SELECT 1 FROM ({relation}) b WHERE b.agency_id = {window}.agency_id"
        f" AND b.procedure_id = {window}.open_procedure_id"
        f" AND b.position = {window}.open_position AND {window}.last_at < b.bound)"
    )
    return Q(RawSQL(sql, params, output_field=BooleanField()))


def _walked_in_period(
    agency_ids: set[int], period: Period, *, now: datetime, officer: User | None
) -> Iterator[Segment]:
    """The period's steps that are not stored: every step of the untimed dossiers (walked
    from their events), and the open step of the timed ones still inside their workflow
    (from their window)."""
    yield from _untimed_segments(agency_ids, period, now=now, officer=officer)
    yield from open_segments(_open_rows(agency_ids, period, officer=officer), now=now)


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
    catalog = StepCatalog({row[3] for row in dossier_rows})
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
        pk = holder.pk if holder else None
        line = lines.setdefault(pk, OfficerLine(holder, pk))
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


def _late_live(now: datetime) -> Exists:
    """`dossier_is_late` in SQL, for the stored steps of dossiers still inside their
    workflow (`late` is fixed only when a dossier leaves it)."""
    return Exists(
        Dossier.objects.filter(pk=OuterRef("dossier_id")).filter(
            (Q(finished_at__isnull=False) & ~ON_TIME)
            | Q(
                finished_at__isnull=True,
                closed_at__isnull=True,
                due_at__isnull=False,
                due_at__lt=Coalesce("paused_at", Value(now)),
            )
        )
    )


def delayed_by(stored: QuerySet[ClosedStep], *, now: datetime) -> set[tuple[int | None, int]]:
    """(holder, dossier) of the over-budget stored steps whose dossier is late. Two queries:
    under an OR, PostgreSQL hashes the whole dossier table."""
    over = stored.filter(over__gt=0).order_by().values_list("holder_id", "dossier_id")
    return {
        *over.filter(late=True).distinct(),
        *over.filter(late__isnull=True).filter(_late_live(now)).distinct(),
    }


def count_delayed(
    lines: list[OfficerLine], agency_ids: set[int], period: Period, *, now: datetime
) -> None:
    """Fill the overdue dossiers of the lines a page shows (`officer_lines_in_period` leaves
    them uncounted): the dossiers that left their workflow late are counted in SQL, per
    holder (a province has tens of thousands); the few still inside it are read by key,
    with those the walk found, and a dossier counted by both counts once."""
    by_holder = {line.holder_id: line for line in lines}
    if not by_holder:
        return
    named = [pk for pk in by_holder if pk is not None]
    holders = (
        Q(holder_id__in=named) | Q(holder_id__isnull=True)
        if None in by_holder
        else Q(holder_id__in=named)
    )
    over = _stored(agency_ids, period).filter(holders, over__gt=0).order_by()
    for line in lines:
        line.stored_delayed = 0
    for holder_id, count in (
        over.filter(late=True)
        .values("holder_id")
        .annotate(n=Count("dossier_id", distinct=True))
        .values_list("holder_id", "n")
    ):
        by_holder[holder_id].stored_delayed = count
    live = over.filter(late__isnull=True).filter(_late_live(now))
    for holder_id, dossier_id in live.values_list("holder_id", "dossier_id").distinct():
        by_holder[holder_id].delayed[dossier_id] = None
    # Read by the dossiers' own index, the period and agencies checked here: under the
    # period's range PostgreSQL chose to hash every late step of a province.
    pending = sorted({pk for line in lines for pk in line.delayed})
    start, end = period.start_moment, period.end_moment
    for first in range(0, len(pending), EVENTS_CHUNK):
        counted = ClosedStep.objects.filter(
            dossier_id__in=_keys(pending[first : first + EVENTS_CHUNK]), over__gt=0, late=True
        ).values_list("holder_id", "dossier_id", "agency_id", "started_at", "ended_at")
        for holder_id, dossier_id, agency_id, started, ended in counted:
            met = agency_id in agency_ids and started < end and ended >= start
            if met and holder_id in by_holder:
                by_holder[holder_id].delayed.pop(dossier_id, None)


def officer_lines_in_period(
    agency_ids: set[int], period: Period, *, now: datetime
) -> list[OfficerLine]:
    """`officer_lines(steps_in_period(…))` without loading the stored steps: their sums per
    holder read from `StepDay`. The overdue dossiers behind them are left to `count_delayed`,
    for the lines a page shows (the ranking does not read them)."""
    lines: dict[int | None, OfficerLine] = {}
    for holder_id, steps, over_steps, over_sum in _stored_sums(agency_ids, period):
        lines[holder_id] = OfficerLine(
            None,
            holder_id,
            step_count=steps,
            over_count=over_steps,
            over_total=timedelta(microseconds=over_sum),
            stored_delayed=None,
        )

    def line_of(pk: int | None, holder: User | None = None) -> OfficerLine:
        return lines.setdefault(pk, OfficerLine(holder, pk, stored_delayed=None))

    for segment in _untimed_segments(agency_ids, period, now=now, officer=None):
        if _in_period(segment, period):
            holder = segment.holder
            line = line_of(holder.pk if holder else None, holder)
            line.add(segment, late=dossier_is_late(segment.dossier, now), keep=False)
    # The open steps counted from their windows, without a `Segment` each (a province has
    # over 12,000): counted per step and assignee in SQL, and only those that may be over
    # budget (started before their bound, `open_bounds`) read with their dossiers, timed,
    # and taken off the count they were in; an open step meets the period when it started
    # before the period's end. A window is timed open only for a received dossier still
    # inside its workflow (`steps.steps_time` leaves an ended one untimed; an imported
    # change forgets the timing): the dossier's own conditions (`_candidate`) hold for it.
    opened = _opened(agency_ids, period).filter(last_at__lt=period.end_moment).order_by()
    counted = list(opened.values_list(*OPEN_KEY, "open_assignee_id").annotate(Count("pk")))
    hours = dict(Agency.objects.filter(pk__in=agency_ids).values_list("pk", "office_hours"))
    keys = list({row[:3] for row in counted})
    bounds, catalog = open_bounds(keys, hours, now=now)
    known = {bound[:3] for bound in bounds}
    for agency_id, procedure_id, position, assignee_id, count in counted:
        if (agency_id, procedure_id, position) in known:
            line_of(assignee_id).step_count += count
    started = Q(last_at__lt=period.end_moment)
    timed = [bound for bound in bounds if bound.bound is not None]  # no budget: never over
    rows = (
        _open_rows(agency_ids, period, officer=None, where=started & _may_be_over(timed))
        if timed
        else []
    )
    for row in rows:
        line_of(row[OPEN_ASSIGNEE]).step_count -= 1  # counted again when timed
    if any(procedure_id is None for _, procedure_id, _ in keys):
        # Timed before the window kept its step, so counted under no step: read as it
        # stands, in a statement of its own (under an OR, PostgreSQL joined the bounds
        # once a window).
        rows += _open_rows(
            agency_ids, period, officer=None, where=started & Q(open_procedure_id__isnull=True)
        )
    for timing in open_timings(rows, now=now, catalog=catalog):
        late = dossier_is_late(timing.dossier, now)
        line_of(timing.assignee_id).count(timing.dossier, timing.over, late=late)
    named = {pk for pk, line in lines.items() if pk is not None and line.officer is None}
    users = User.objects.in_bulk(named) if named else {}
    for pk in named:
        lines[pk].officer = users.get(pk)
    return _ranked(lines)
