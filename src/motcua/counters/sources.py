"""Where a rebuild gets its numbers: each capability that keeps counters registers the GROUP
BYs that recompute them (`dossiers.metrics`, `feedback.metrics`) when its app loads, so this
package imports none of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import QuerySet
from django.db.models.functions import TruncDate

from motcua.core.worktime import TZ
from motcua.counters.keys import Key

RebuildSource = Callable[[], Iterable[tuple[Key, int]]]
_REBUILD_SOURCES: dict[str, RebuildSource] = {}


def rebuild_source(name: str) -> Callable[[RebuildSource], RebuildSource]:
    def register(function: RebuildSource) -> RebuildSource:
        _REBUILD_SOURCES[name] = function
        return function

    return register


def grouped_counts(queryset: QuerySet, field: str, metrics: dict) -> Iterable[tuple[Key, int]]:
    """The counter rows a rebuild writes for `metrics` (name → aggregate) over the rows of
    `queryset` with `field` set, by agency and the local day of `field`: one GROUP BY."""
    queryset = queryset.filter(**{f"{field}__isnull": False})
    # Prefixed aliases: several metrics share their name with a model field.
    rows = (
        queryset.annotate(m__day=TruncDate(field, tzinfo=TZ))
        .values("agency_id", "m__day")
        .annotate(**{f"m__{name}": aggregate for name, aggregate in metrics.items()})
        .order_by()
    )
    for row in rows:
        for metric in metrics:
            if row[f"m__{metric}"]:
                yield (row["agency_id"], row["m__day"], metric), row[f"m__{metric}"]


def counters_expected() -> Iterable[tuple[Key, int]]:
    """The counter rows a rebuild writes, computed without writing them."""
    for source in _REBUILD_SOURCES.values():
        yield from source()
