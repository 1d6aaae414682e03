"""Data migrations' work on the daily counters, kept out of the migration files so that tests
can call it. Each function takes the migration's `apps` registry and uses only the historical
models it returns, so it keeps doing what it did when its migration was written."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate

# §7's period boundaries; frozen here rather than read from `core.worktime`.
_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PAYMENT_METRICS = ("payments_online", "payments_online_amount")
# Online payments counted by reception day: §8's figures no longer read it.
RETIRED_METRICS = ("paid_online_amount",)


def payment_counters_rebuild(apps: Any) -> int:
    """Recompute the online-payment counters (by the day `paid_online_at` falls on) from the
    dossiers, and drop the retired metric; returns the number of counter rows written.

    The other metrics are untouched: a full rebuild of millions of dossiers inside a
    migration is not needed for two metrics that only the dossiers' payment fields feed.
    """
    Dossier = apps.get_model("dossiers", "Dossier")
    DailyCounter = apps.get_model("index", "DailyCounter")
    DailyCounter.objects.filter(metric__in=PAYMENT_METRICS + RETIRED_METRICS).delete()
    grouped = (
        Dossier.objects.filter(paid_online=True, paid_online_at__isnull=False, fee_amount__gt=0)
        .annotate(paid_day=TruncDate("paid_online_at", tzinfo=_TZ))
        .values("agency_id", "paid_day")
        .annotate(count=Count("id"), amount=Sum("fee_amount"))
        .order_by()
    )
    rows = []
    for row in grouped:
        for metric, value in zip(PAYMENT_METRICS, (row["count"], row["amount"]), strict=True):
            rows.append(
                DailyCounter(
                    agency_id=row["agency_id"], day=row["paid_day"], metric=metric, value=value
                )
            )
    DailyCounter.objects.bulk_create(rows, batch_size=5000)
    return len(rows)
