"""Dossier codes (§6): `{agency code}-{YYMMDD}-{NNNN}`, gap-free per agency per day.

The counter row is locked for the rest of the caller's transaction, so two receptions at
the same agency on the same day queue on it; a reception that rolls back gives its number
back with it, which is what keeps the sequence free of gaps.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connections, router
from django.utils import timezone

from motcua.directory.models import Agency
from motcua.dossiers.models import DailySequence

_TABLE = DailySequence._meta.db_table
# One statement for both databases (SQLite ≥ 3.35, PostgreSQL): the day's row is made or
# moved on, locked until the caller's transaction ends, and its new number read back.
_NEXT = (
    f'INSERT INTO "{_TABLE}" ("agency_id", "day", "last") VALUES (%s, %s, 1) '
    f'ON CONFLICT ("agency_id", "day") DO UPDATE SET "last" = "{_TABLE}"."last" + 1 '
    'RETURNING "last"'
)


def dossier_code_next(*, agency: Agency, at: datetime) -> str:
    day = timezone.localdate(at)
    connection = connections[router.db_for_write(DailySequence)]
    with connection.cursor() as cursor:
        cursor.execute(_NEXT, [agency.pk, connection.ops.adapt_datefield_value(day)])
        (number,) = cursor.fetchone()
    return f"{agency.code}-{day:%y%m%d}-{number:04d}"
