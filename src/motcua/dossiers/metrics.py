"""Per-dossier contributions to the daily counters, applied as deltas in the same
transaction as the change, and the rebuild that recomputes them from the dossiers.

A dossier contributes to metrics keyed by its agency and a local day: the day it was
received, the day it was finished, the day it was rated, the day its online payment was
confirmed. A change moves the counters by `contributions(after) - contributions(before)`, so
any change — a transition, a flag set by digitisation, sync or payment, an import — keeps
them equal to a rebuild.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Protocol

from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from motcua.core.worktime import TZ
from motcua.dossiers.models import Channel, Dossier
from motcua.index.models import DailyCounter

Key = tuple[int, date, str]
SATISFIED = ("satisfied", "very_satisfied")
ONLINE_LEVELS = ("full", "partial")


def _day(moment: datetime) -> date:
    return moment.astimezone(TZ).date()


class OnTimeFacts(Protocol):
    """What the on-time rule reads: a `Dossier`, or the drill-down's lighter record."""

    @property
    def finished_at(self) -> datetime | None: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def supplement_count(self) -> int: ...


def is_on_time(dossier: OnTimeFacts) -> bool:
    """§7: finished at or before the (moved) due moment, with at most one supplement request
    after reception. A procedure with no published time limit cannot be late."""
    if dossier.finished_at is None:
        return False
    if dossier.supplement_count > 1:
        return False
    return dossier.due_at is None or dossier.finished_at <= dossier.due_at


def contributions(dossier: Dossier, *, offers_online: bool | None = None) -> Counter[Key]:
    """The counters this dossier adds to, as it stands now."""
    result: Counter[Key] = Counter()
    agency = dossier.agency_id
    if offers_online is None:
        offers_online = dossier.procedure.online in ONLINE_LEVELS
    if dossier.received_at is not None:
        day = _day(dossier.received_at)
        online = dossier.channel == Channel.ONLINE
        flags = {
            "received": True,
            "received_online": online,
            "received_online_offer": offers_online,
            "received_online_offer_online": offers_online and online,
            "synced": dossier.synced,
            "digitized": dossier.digitized,
            "reused": dossier.reused_data,
            "registry_used": dossier.registry_used,
            "with_fee": dossier.fee_amount > 0,
            "with_fee_paid_online": dossier.fee_amount > 0 and dossier.paid_online,
        }
        for metric, on in flags.items():
            if on:
                result[(agency, day, metric)] += 1
    if dossier.paid_online and dossier.paid_online_at is not None and dossier.fee_amount > 0:
        # §8 counts online payments by the day they were confirmed, which may fall before
        # reception (paid while applying) or in a later period than it.
        day = _day(dossier.paid_online_at)
        result[(agency, day, "payments_online")] += 1
        result[(agency, day, "payments_online_amount")] += dossier.fee_amount
    if dossier.finished_at is not None:
        day = _day(dossier.finished_at)
        result[(agency, day, "finished")] += 1
        if is_on_time(dossier):
            result[(agency, day, "finished_on_time")] += 1
        if dossier.e_result:
            result[(agency, day, "e_result")] += 1
            if dossier.result_to_store:
                result[(agency, day, "e_result_to_store")] += 1
    if dossier.rated_at is not None and dossier.rating:
        day = _day(dossier.rated_at)
        result[(agency, day, "rated")] += 1
        if dossier.rating in SATISFIED:
            result[(agency, day, "rated_satisfied")] += 1
    return result


def counters_apply(delta: Counter[Key] | dict[Key, int]) -> None:
    """Add `delta` to the counters. Must run inside the caller's transaction."""
    changes = {key: value for key, value in delta.items() if value}
    if not changes:
        return
    DailyCounter.objects.bulk_create(
        [DailyCounter(agency_id=a, day=d, metric=m, value=0) for (a, d, m) in changes],
        ignore_conflicts=True,
    )
    for (agency, day, metric), value in changes.items():
        DailyCounter.objects.filter(agency_id=agency, day=day, metric=metric).update(
            value=F("value") + value
        )


def counters_move(before: Counter[Key], after: Counter[Key]) -> None:
    delta: Counter[Key] = Counter(after)
    delta.subtract(before)
    counters_apply(delta)


# --- rebuild: the same metrics, computed by the database from the dossiers -----------------

_RECEIVED_METRICS = {
    "received": Count("id"),
    "received_online": Count("id", filter=Q(channel=Channel.ONLINE)),
    "received_online_offer": Count("id", filter=Q(procedure__online__in=ONLINE_LEVELS)),
    "received_online_offer_online": Count(
        "id", filter=Q(procedure__online__in=ONLINE_LEVELS, channel=Channel.ONLINE)
    ),
    "synced": Count("id", filter=Q(synced=True)),
    "digitized": Count("id", filter=Q(digitized=True)),
    "reused": Count("id", filter=Q(reused_data=True)),
    "registry_used": Count("id", filter=Q(registry_used=True)),
    "with_fee": Count("id", filter=Q(fee_amount__gt=0)),
    "with_fee_paid_online": Count("id", filter=Q(fee_amount__gt=0, paid_online=True)),
}
# `is_on_time` as a filter.
ON_TIME = Q(supplement_count__lte=1) & (Q(due_at__isnull=True) | Q(finished_at__lte=F("due_at")))
_FINISHED_METRICS = {
    "finished": Count("id"),
    "finished_on_time": Count("id", filter=ON_TIME),
    "e_result": Count("id", filter=Q(e_result=True)),
    "e_result_to_store": Count("id", filter=Q(e_result=True, result_to_store=True)),
}
_RATED_METRICS = {
    "rated": Count("id"),
    "rated_satisfied": Count("id", filter=Q(rating__in=SATISFIED)),
}
_PAID_ONLINE_METRICS = {
    "payments_online": Count("id"),
    "payments_online_amount": Sum("fee_amount"),
}


def _grouped(field: str, metrics: dict, extra: Q | None = None) -> Iterable[tuple[Key, int]]:
    dossiers = Dossier.objects.all() if extra is None else Dossier.objects.filter(extra)
    return grouped_counts(dossiers, field, metrics)


def grouped_counts(queryset: QuerySet, field: str, metrics: dict) -> Iterable[tuple[Key, int]]:
    """The counter rows a rebuild writes for `metrics` (name → aggregate) over the rows of
    `queryset` with `field` set, by agency and the local day of `field`: one GROUP BY. Other
    capabilities' rebuild sources use it for their own models."""
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


# Other capabilities that keep counters (petitions: `feedback.metrics`) register the GROUP
# BYs that recompute theirs, so the index rebuilds them without importing those packages.
RebuildSource = Callable[[], Iterable[tuple[Key, int]]]
_REBUILD_SOURCES: dict[str, RebuildSource] = {}


def rebuild_source(name: str) -> Callable[[RebuildSource], RebuildSource]:
    def register(function: RebuildSource) -> RebuildSource:
        _REBUILD_SOURCES[name] = function
        return function

    return register


def counters_expected() -> Iterable[tuple[Key, int]]:
    """The counter rows a rebuild writes, computed without writing them."""
    for source in (
        _grouped("received_at", _RECEIVED_METRICS),
        _grouped("finished_at", _FINISHED_METRICS),
        _grouped("rated_at", _RATED_METRICS, ~Q(rating="")),
        _grouped("paid_online_at", _PAID_ONLINE_METRICS, Q(paid_online=True, fee_amount__gt=0)),
        *(source() for source in _REBUILD_SOURCES.values()),
    ):
        yield from source


def counters_drift() -> dict[str, int]:
    """How far the live counters are from a rebuild (`motcua counters_check`): the rows that
    differ, and the sum of the differences. Zero when every transition moved its counters."""
    live = counters_snapshot()
    expected: dict[Key, int] = {}
    for key, value in counters_expected():
        if value:
            expected[key] = expected.get(key, 0) + value
    keys = live.keys() | expected.keys()
    differences = [abs(live.get(k, 0) - expected.get(k, 0)) for k in keys]
    return {
        "rows": len(keys),
        "drift_rows": sum(1 for d in differences if d),
        "drift_total": sum(differences),
    }


def counters_rebuild() -> int:
    """Recompute every counter from the dossiers (and the registered sources); returns the
    number of counter rows."""
    with transaction.atomic():
        DailyCounter.objects.all().delete()
        rows = [
            DailyCounter(agency_id=a, day=d, metric=m, value=v)
            for (a, d, m), v in counters_expected()
        ]
        DailyCounter.objects.bulk_create(rows, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE index_dailycounter")
    return len(rows)


def counters_snapshot() -> dict[Key, int]:
    """Every non-zero counter (for comparing incremental and rebuilt numbers)."""
    return {
        (a, d, m): v
        for a, d, m, v in DailyCounter.objects.exclude(value=0).values_list(
            "agency_id", "day", "metric", "value"
        )
    }
