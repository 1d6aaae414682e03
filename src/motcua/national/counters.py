"""Moving the national counters: a batch's summed delta in two upserts (agency level and
province level), or everything at once from the snapshots."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date

from django.db import connection, transaction

from motcua.national.metrics import AgencyKey, national_counters_rebuilt
from motcua.national.models import AgencyCounter, ProvinceCounter

# Rows per INSERT statement: under SQLite's 32,766 bound parameters at five a row.
CHUNK = 2000


def _upsert(table: str, columns: Sequence[str], rows: list[tuple], conflict: Sequence[str]) -> None:
    """INSERT … ON CONFLICT DO UPDATE value = value + excluded.value (SQLite ≥ 3.24 and
    PostgreSQL): one statement per chunk, however many keys the batch touched."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    target = ", ".join(quote(c) for c in conflict)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            cursor.execute(
                f"INSERT INTO {quote(table)} ({names}) VALUES {', '.join([one] * len(chunk))} "
                f"ON CONFLICT ({target}) DO UPDATE SET value = {quote(table)}.value + "
                "excluded.value",
                [value for row in chunk for value in row],
            )


def national_counters_apply(province: str, delta: Counter[AgencyKey]) -> None:
    """Add `delta` to the province's counters. Must run inside the caller's transaction."""
    day_value = connection.ops.adapt_datefield_value
    agency_rows = [
        (province, agency, day_value(day), metric, value)
        for (agency, day, metric), value in delta.items()
        if value
    ]
    totals: Counter[tuple[date, str]] = Counter()
    for (_agency, day, metric), value in delta.items():
        totals[(day, metric)] += value
    province_rows = [
        (province, day_value(day), metric, value)
        for (day, metric), value in totals.items()
        if value
    ]
    # A stable order: two batches touching the same keys lock them in the same order.
    agency_rows.sort()
    province_rows.sort()
    _upsert(
        AgencyCounter._meta.db_table,
        ("province", "agency_code", "day", "metric", "value"),
        agency_rows,
        ("province", "agency_code", "day", "metric"),
    )
    _upsert(
        ProvinceCounter._meta.db_table,
        ("province", "day", "metric", "value"),
        province_rows,
        ("province", "day", "metric"),
    )


def national_counters_rebuild() -> int:
    """Recompute every national counter from the snapshots; returns the agency-level rows."""
    rows: list[tuple[tuple[str, str, date, str], int]] = list(national_counters_rebuilt())
    totals: Counter[tuple[str, date, str]] = Counter()
    for (province, _agency, day, metric), value in rows:
        totals[(province, day, metric)] += value
    with transaction.atomic():
        AgencyCounter.objects.all().delete()
        ProvinceCounter.objects.all().delete()
        AgencyCounter.objects.bulk_create(
            [
                AgencyCounter(province=p, agency_code=a, day=d, metric=m, value=v)
                for (p, a, d, m), v in rows
            ],
            batch_size=5000,
        )
        ProvinceCounter.objects.bulk_create(
            [
                ProvinceCounter(province=p, day=d, metric=m, value=v)
                for (p, d, m), v in _items(totals)
            ],
            batch_size=5000,
        )
    return len(rows)


def _items(totals: Counter[tuple[str, date, str]]) -> Iterable[tuple[tuple[str, date, str], int]]:
    return ((key, value) for key, value in totals.items() if value)
