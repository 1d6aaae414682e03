"""Moving the counters: by a delta in the caller's transaction, or all of them at once from
the registered sources.

Whatever keeps counters (a dossier, a petition) states what one item contributes as a
`Counter[Key]`; a change moves the counters by `contributions(after) - contributions(before)`,
so any change — a transition, a flag set later, an import — keeps them equal to a rebuild.
Every move adds to the daily rows and to their month's roll-up (`MonthlyCounter`) together,
so the roll-up is the daily rows summed at every commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from django.db import connection, transaction

from motcua.counters.keys import Key, month_of
from motcua.counters.models import DailyCounter, MonthlyCounter
from motcua.counters.sources import counters_expected

# Rows per upsert statement: 4 parameters each, well under SQLite's and PostgreSQL's limits.
_CHUNK = 500


def _tables() -> tuple[str, str]:
    quote = connection.ops.quote_name
    return quote(DailyCounter._meta.db_table), quote(MonthlyCounter._meta.db_table)


def month_sql(day_column: str) -> str:
    """The first day of the month of a date column, in this database's SQL."""
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {day_column}) AS date)"
    return f"date({day_column}, 'start of month')"


def _upsert(table: str, day_column: str, rows: Sequence[tuple[int, date, str, int]]) -> None:
    """Add each row's value to its counter, creating the counter at zero first: one
    `INSERT … ON CONFLICT DO UPDATE` per chunk instead of a read and an UPDATE per key. The
    rows come sorted, so two transactions moving the same counters lock them in one order."""
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            marks = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            params: list = []
            for agency, day, metric, value in chunk:
                params += [agency, adapt(day), metric, value]
            cursor.execute(
                f'INSERT INTO {table} ("agency_id", "{day_column}", "metric", "value") '
                f"VALUES {marks} "
                f'ON CONFLICT ("agency_id", "{day_column}", "metric") '
                f'DO UPDATE SET "value" = {table}."value" + excluded."value"',
                params,
            )


def counters_apply(delta: Counter[Key] | dict[Key, int]) -> None:
    """Add `delta` to the daily counters and to their months. Must run inside the caller's
    transaction."""
    changes = {key: value for key, value in delta.items() if value}
    if not changes:
        return
    months: Counter[Key] = Counter()
    for (agency, day, metric), value in changes.items():
        months[(agency, month_of(day), metric)] += value
    daily, monthly = _tables()
    _upsert(daily, "day", sorted((a, d, m, v) for (a, d, m), v in changes.items()))
    _upsert(monthly, "month", sorted((a, d, m, v) for (a, d, m), v in months.items() if v))


def counters_add_select(select: str, params: Sequence = ()) -> None:
    """Add to the counters the rows of `select` — a query giving `agency_id`, `day`, `metric`
    and `value`, each key at most once, with a WHERE clause (SQLite reads `ON CONFLICT` after
    a bare `FROM` as a join) — summed by the database: what `counters_apply` does for a
    whole import. Must run inside the caller's transaction."""
    daily, monthly = _tables()
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {daily} ("agency_id", "day", "metric", "value") {select} '
            '  ON CONFLICT ("agency_id", "day", "metric") '
            f'DO UPDATE SET "value" = {daily}."value" + excluded."value"',
            list(params),
        )
        cursor.execute(
            f'INSERT INTO {monthly} ("agency_id", "month", "metric", "value") '
            f"SELECT agency_id, {month_sql('day')}, metric, SUM(value) FROM ({select}) s "
            "WHERE true GROUP BY 1, 2, 3 HAVING SUM(value) <> 0 "
            '  ON CONFLICT ("agency_id", "month", "metric") '
            f'DO UPDATE SET "value" = {monthly}."value" + excluded."value"',
            list(params),
        )


def counters_move(before: Counter[Key], after: Counter[Key]) -> None:
    delta: Counter[Key] = Counter(after)
    delta.subtract(before)
    counters_apply(delta)


def monthly_rollup() -> int:
    """Recompute every monthly counter from the daily rows; returns the number of rows. Must
    run inside the caller's transaction."""
    daily, monthly = _tables()
    month = month_sql('"day"')
    MonthlyCounter.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {monthly} ("agency_id", "month", "metric", "value") '
            f'SELECT "agency_id", {month}, "metric", SUM("value") FROM {daily} '
            'GROUP BY 1, 2, 3 HAVING SUM("value") <> 0'
        )
    return MonthlyCounter.objects.count()


def counters_rebuild() -> int:
    """Recompute every counter from the registered sources, and their months from them;
    returns the number of daily counter rows."""
    with transaction.atomic():
        DailyCounter.objects.all().delete()
        rows = [
            DailyCounter(agency_id=a, day=d, metric=m, value=v)
            for (a, d, m), v in counters_expected()
        ]
        DailyCounter.objects.bulk_create(rows, batch_size=5000)
        monthly_rollup()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (DailyCounter, MonthlyCounter):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return len(rows)
