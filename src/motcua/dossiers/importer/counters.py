"""The daily counters moved by a whole import at once, set-based."""

from __future__ import annotations

from collections import Counter
from typing import cast

from django.db import connections
from django.db.models import Field

from motcua.counters.keys import Key
from motcua.counters.models import DailyCounter
from motcua.dossiers.importer.sql import insert_rows


def counters_add(delta: Counter[Key]) -> None:
    """Add `delta` to the daily counters — what `counters.services.counters_apply` does,
    set-based.

    `counters_apply` issues one `UPDATE` per key; a year of imported history touches some
    hundred thousand keys (agency × day × metric), so here every key is an upsert that adds
    (`INSERT … ON CONFLICT DO UPDATE SET value = value + excluded.value`, SQLite ≥ 3.24 and
    PostgreSQL), sent with `executemany`. Must run inside the caller's transaction.
    """
    changes = [(key, value) for key, value in delta.items() if value]
    if not changes:
        return
    connection = connections[DailyCounter.objects.db]
    quote = connection.ops.quote_name
    table = quote(DailyCounter._meta.db_table)
    agency, day, metric, value = (
        quote(cast(Field, DailyCounter._meta.get_field(n)).column)
        for n in ("agency", "day", "metric", "value")
    )
    adapt_day = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        insert_rows(
            cursor,
            f"INSERT INTO {table} ({agency}, {day}, {metric}, {value})",
            4,
            [(a, adapt_day(d), m, v) for (a, d, m), v in changes],
            f" ON CONFLICT ({agency}, {day}, {metric}) "
            f"DO UPDATE SET {value} = {table}.{value} + excluded.{value}",
        )
