"""One officer's page: the facts of their steps in the period summed over the stored steps in
SQL, and the steps and the overdue dossiers they delayed read a page at a time.

It shows what `officer_lines(steps_in_period(…, officer=…))` gives, the steps in the page's
order (over budget first, the most over first, then by start, then as `steps_in_period`
orders them), without building a `Segment` for each stored step of the period: only the
steps still open and the untimed dossiers are walked (`_walked_in_period`), and they are few.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, overload

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from motcua.catalog.models import WorkflowStep
from motcua.directory.models import User
from motcua.dossiers.models import Dossier
from motcua.index.drilldown.officers import (
    OfficerLine,
    _in_period,
    _stored,
    _walked_in_period,
    delayed_by,
    stored_segments_by_id,
)
from motcua.index.drilldown.story import Segment, dossier_is_late
from motcua.index.drilldown.walk import EVENTS_CHUNK, _keys
from motcua.index.engine import Period
from motcua.index.models import ClosedStep

# A step's place on the page: over budget first (minus its microseconds over), then its
# start, its dossier's reception and id (`steps_in_period`'s order), then a stored step before
# a walked one (0, its row id; 1, its place in the walk), as `steps_in_period` lists them.
StepKey = tuple[int, datetime, datetime, int, int, int]


def _microseconds(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


class OfficerSteps:
    """The officer's steps of the period as the paginator reads them: the stored ones
    ordered and cut in SQL, the walked ones (all in memory) merged in by key, and `Segment`s
    built only for the rows of the page asked for."""

    def __init__(self, stored: QuerySet[ClosedStep], stored_count: int, walked: list[Segment]):
        self.stored = stored
        self.stored_count = stored_count
        keyed = [(self._walked_key(segment, i), segment) for i, segment in enumerate(walked)]
        keyed.sort(key=lambda pair: pair[0])
        self.walked_keys = [key for key, _segment in keyed]
        self.walked = [segment for _key, segment in keyed]

    @staticmethod
    def _walked_key(segment: Segment, index: int) -> StepKey:
        received = segment.dossier.received_at
        assert received is not None  # the walk reads received dossiers only
        over = -_microseconds(segment.over)
        return (over, segment.started_at, received, segment.dossier.pk, 1, index)

    def count(self) -> int:
        return self.stored_count + len(self.walked)

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Segment]:
        return iter(self[: self.count()])

    def _ordered(self) -> QuerySet[ClosedStep, tuple[Any, ...]]:
        dossier = Dossier.objects.filter(pk=OuterRef("dossier_id")).order_by()
        received = dossier.values("received_at")[:1]
        return (
            self.stored.annotate(received=Subquery(received))
            .order_by("-over", "started_at", "received", "dossier_id", "id")
            .values_list("over", "started_at", "received", "dossier_id", "id")
        )

    @overload
    def __getitem__(self, key: int) -> Segment: ...
    @overload
    def __getitem__(self, key: slice) -> list[Segment]: ...
    def __getitem__(self, key: int | slice) -> Segment | list[Segment]:
        if not isinstance(key, slice):
            found = self[key : key + 1]
            if not found:
                raise IndexError(key)
            return found[0]
        start = key.start or 0
        stop = self.count() if key.stop is None else key.stop
        if start >= stop:
            return []
        # The stored rows that can fall on the page: the walked ones before it push them
        # down by at most their number.
        first = max(0, start - len(self.walked))
        rows = list(self._ordered()[first:stop])
        stored_keys: list[StepKey] = [
            (-over, started, received, dossier_id, 0, pk)
            for over, started, received, dossier_id, pk in rows
        ]
        placed: list[tuple[int, int | Segment]] = [
            (index + bisect_left(self.walked_keys, row_key), row_key[-1])
            for index, row_key in enumerate(stored_keys, start=first)
        ]
        to_the_end = first + len(rows) < stop  # every stored row after `first` was read
        for index, (walked_key, segment) in enumerate(
            zip(self.walked_keys, self.walked, strict=True)
        ):
            if first > 0 and (not stored_keys or walked_key < stored_keys[0]):
                continue  # before a stored row that is itself before the page
            if not to_the_end and walked_key > stored_keys[-1]:
                continue  # after a stored row that is itself at or past the page's end
            before = first + bisect_left(stored_keys, walked_key)
            placed.append((index + before, segment))
        page = sorted((pair for pair in placed if start <= pair[0] < stop), key=lambda p: p[0])
        ids = [item for _place, item in page if isinstance(item, int)]
        built = stored_segments_by_id(self.stored.filter(pk__in=ids)) if ids else {}
        return [
            built[item] if isinstance(item, int) else item
            for _place, item in page
            if not isinstance(item, int) or item in built
        ]


class DelayedDossiers:
    """The overdue dossiers an officer delayed, as the paginator reads them: every one
    counted, a page of them read, ordered by due moment (reception when none)."""

    def __init__(self, ids: set[int]) -> None:
        self.ids = ids
        self._order: list[int] | None = None

    def count(self) -> int:
        return len(self.ids)

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Dossier]:
        return iter(self[: self.count()])

    def _ordered(self) -> list[int]:
        if self._order is None:
            ids = sorted(self.ids)
            keys = [
                row
                for first in range(0, len(ids), EVENTS_CHUNK)
                for row in Dossier.objects.filter(pk__in=_keys(ids[first : first + EVENTS_CHUNK]))
                .order_by()
                .values_list(Coalesce("due_at", "received_at"), "pk")
            ]
            self._order = [pk for _moment, pk in sorted(keys)]
        return self._order

    @overload
    def __getitem__(self, key: int) -> Dossier: ...
    @overload
    def __getitem__(self, key: slice) -> list[Dossier]: ...
    def __getitem__(self, key: int | slice) -> Dossier | list[Dossier]:
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        ids = self._ordered()[key]
        found = Dossier.objects.select_related("procedure").only(
            "code", "received_at", "due_at", "procedure__name"
        )
        by_id = found.in_bulk(ids)
        return [by_id[pk] for pk in ids]


@dataclass
class OfficerPeriod:
    line: OfficerLine  # the facts; `delayed` holds the dossiers' ids
    steps: OfficerSteps
    delayed: DelayedDossiers


def officer_period(
    agency_ids: set[int], period: Period, *, now: datetime, officer: User
) -> OfficerPeriod:
    """One officer's steps in the period, as `officer_lines(steps_in_period(…, officer=…))`
    gives them: the stored steps they held summed per workflow step in SQL (a step since
    taken out of its procedure is not counted, as the walk finds it no more), their over-budget
    steps' late dossiers read by key, and the walked steps added one by one."""
    stored = _stored(agency_ids, period).filter(holder_id=officer.pk)
    sums = list(
        stored.order_by()
        .values("step_id")
        .annotate(
            steps=Count("id"),
            over_steps=Count("id", filter=Q(over__gt=0)),
            over_sum=Coalesce(Sum("over"), 0),
        )
        .values_list("step_id", "steps", "over_steps", "over_sum")
    )
    kept = set(
        WorkflowStep.objects.filter(pk__in=[row[0] for row in sums])
        .order_by()
        .values_list("pk", flat=True)
    )
    if len(kept) < len(sums):
        stored = stored.filter(step_id__in=kept)
    line = OfficerLine(officer, officer.pk)
    for step_id, steps, over_steps, over_sum in sums:
        if step_id in kept:
            line.step_count += steps
            line.over_count += over_steps
            line.over_total += timedelta(microseconds=over_sum)
    for _holder_id, dossier_id in delayed_by(stored, now=now):
        line.delayed[dossier_id] = None
    walked = [
        segment
        for segment in _walked_in_period(agency_ids, period, now=now, officer=officer)
        if _in_period(segment, period) and segment.holder == officer
    ]
    stored_count = line.step_count
    for segment in walked:
        line.add(segment, late=dossier_is_late(segment.dossier, now), keep=False)
    return OfficerPeriod(
        line=line,
        steps=OfficerSteps(stored, stored_count, walked),
        delayed=DelayedDossiers(set(line.delayed)),
    )
