"""Moving the national counters: a batch's summed delta in two upserts (agency level and
province level), or everything at once from the snapshots.

A counter row holds every metric of one (province, [agency,] day) as columns, so a batch
writes one row per day and agency it touches, whatever the number of metrics."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from operator import add

from django.db import connection, transaction

from motcua.national.bulk import Column, rows_upsert
from motcua.national.metrics import FullKey, Wide, national_counters_rebuilt
from motcua.national.models import METRICS, AgencyCounter, ProvinceCounter

_VALUES = [Column(metric, "bigint") for metric in METRICS]
_INDEX = {metric: i for i, metric in enumerate(METRICS)}


def _adding(table: str, key: str) -> str:
    quote = connection.ops.quote_name
    return f"ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(
        f"{quote(m)} = {quote(table)}.{quote(m)} + excluded.{quote(m)}" for m in METRICS
    )


def _wide(delta: Iterable[tuple[tuple, int]]) -> dict[tuple, list[int]]:
    """(key…, metric) → value, as key → one value per metric."""
    rows: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(METRICS))
    for (*key, metric), value in delta:
        if value:
            rows[tuple(key)][_INDEX[metric]] += value
    return {key: values for key, values in rows.items() if any(values)}


def national_counters_apply(province: str, by_agency: Wide) -> None:
    """Add a batch's counter rows (`contributions_add`'s) to the province's counters. Must run
    inside the caller's transaction."""
    day_value = connection.ops.adapt_datefield_value
    by_agency = {key: values for key, values in by_agency.items() if any(values)}
    by_day: dict[tuple, list[int]] = {}
    for (_agency, day), values in by_agency.items():
        totals = by_day.get((day,))
        by_day[(day,)] = values if totals is None else list(map(add, totals, values))
    # A stable order: two batches touching the same rows lock them in the same order.
    shared = [(Column("province", "varchar(2)"), province)]
    rows_upsert(
        table=AgencyCounter._meta.db_table,
        columns=[Column("agency_code", "varchar(64)"), Column("day", "date"), *_VALUES],
        rows=[
            (agency, day_value(day), *values) for (agency, day), values in sorted(by_agency.items())
        ],
        conflict=_adding(AgencyCounter._meta.db_table, "province, agency_code, day"),
        shared=shared,
    )
    rows_upsert(
        table=ProvinceCounter._meta.db_table,
        columns=[Column("day", "date"), *_VALUES],
        rows=[
            (day_value(day), *values) for (day,), values in sorted(by_day.items()) if any(values)
        ],
        conflict=_adding(ProvinceCounter._meta.db_table, "province, day"),
        shared=shared,
    )


def national_counters_rebuild() -> int:
    """Recompute every national counter from the snapshots; returns the agency-level rows."""
    agency = _wide(national_counters_rebuilt())
    province: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(METRICS))
    for (p, _agency, day), values in agency.items():
        totals = province[(p, day)]
        for i, value in enumerate(values):
            totals[i] += value
    with transaction.atomic():
        AgencyCounter.objects.all().delete()
        ProvinceCounter.objects.all().delete()
        AgencyCounter.objects.bulk_create(
            [
                AgencyCounter(
                    province=p, agency_code=a, day=d, **dict(zip(METRICS, v, strict=True))
                )
                for (p, a, d), v in agency.items()
            ],
            batch_size=2000,
        )
        ProvinceCounter.objects.bulk_create(
            [
                ProvinceCounter(province=p, day=d, **dict(zip(METRICS, v, strict=True)))
                for (p, d), v in province.items()
            ],
            batch_size=2000,
        )
    return len(agency)


def national_counters_long() -> tuple[Counter[FullKey], Counter[tuple[str, date, str]]]:
    """Every non-zero counter as (province, agency, day, metric) and (province, day, metric)
    → value: how the tests and the benchmark compare the counters with a rebuild."""
    agency: Counter[FullKey] = Counter()
    for row in AgencyCounter.objects.values("province", "agency_code", "day", *METRICS).iterator(
        chunk_size=5000
    ):
        for metric in METRICS:
            if row[metric]:
                agency[(row["province"], row["agency_code"], row["day"], metric)] = row[metric]
    province: Counter[tuple[str, date, str]] = Counter()
    for row in ProvinceCounter.objects.values("province", "day", *METRICS).iterator(
        chunk_size=5000
    ):
        for metric in METRICS:
            if row[metric]:
                province[(row["province"], row["day"], metric)] = row[metric]
    return agency, province
