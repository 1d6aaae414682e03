"""Moving the daily counters: by a delta in the caller's transaction, or all of them at once
from the registered sources.

Whatever keeps counters (a dossier, a petition) states what one item contributes as a
`Counter[Key]`; a change moves the counters by `contributions(after) - contributions(before)`,
so any change — a transition, a flag set later, an import — keeps them equal to a rebuild.
"""

from __future__ import annotations

from collections import Counter

from django.db import connection, transaction
from django.db.models import F

from motcua.counters.keys import Key
from motcua.counters.models import DailyCounter
from motcua.counters.sources import counters_expected


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


def counters_rebuild() -> int:
    """Recompute every counter from the registered sources; returns the number of counter
    rows."""
    with transaction.atomic():
        DailyCounter.objects.all().delete()
        rows = [
            DailyCounter(agency_id=a, day=d, metric=m, value=v)
            for (a, d, m), v in counters_expected()
        ]
        DailyCounter.objects.bulk_create(rows, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(DailyCounter._meta.db_table)}")
    return len(rows)
