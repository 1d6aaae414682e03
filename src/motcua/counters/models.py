"""The daily counters every capability that feeds the index writes to, and their monthly
roll-up.

This package sits just above `core`: the dossiers and the petitions move these counters in
their own transactions, and the index (the read side) sums them. It imports neither; the
agency is referenced by its app label so that nothing here imports `directory` either.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DailyCounter(models.Model):
    """How many items of an agency count towards a metric on a day (Asia/Ho_Chi_Minh).

    Written in the same transaction as every change of what it counts (`counters_move`), so
    the index reads sums over these rows and never scans dossiers. `motcua index-rebuild`
    recomputes them from the registered sources and must give the same numbers.
    """

    agency = models.ForeignKey("directory.Agency", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    metric = models.CharField(max_length=32)
    value = models.BigIntegerField(default=0)

    class Meta:
        # Created by the index's first migration; the model moved here, the table did not.
        db_table = "index_dailycounter"
        constraints = [
            models.UniqueConstraint(fields=["agency", "day", "metric"], name="counter_unique"),
        ]
        indexes = [
            models.Index(fields=["day", "agency"], name="counter_day_agency"),
            # One indicator's days (the drill-down's lost dossiers per day, `_lost_by_day`):
            # by day alone a province's year read every metric, eight rows for each kept.
            # The counted value is left out, so moving a counter stays an update in place.
            models.Index(fields=["metric", "day", "agency"], name="counter_metric_day"),
        ]
        verbose_name = _("bộ đếm chỉ số")
        verbose_name_plural = _("bộ đếm chỉ số")

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day} {self.metric}={self.value}"


class MonthlyCounter(models.Model):
    """The daily counters of one calendar month summed (`month` is its first day).

    A year's index of a province reads some 26 agencies × 12 months × 20 metrics of these
    instead of 30 times as many daily rows. Moved with the daily counters in the same
    statement batch (`counters_apply`), rebuilt with them (`counters_rebuild`), so it always
    equals the daily rows of its month summed (`counters_drift` checks it).
    """

    agency = models.ForeignKey("directory.Agency", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    metric = models.CharField(max_length=32)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "month", "metric"], name="monthly_counter_unique"
            ),
        ]
        indexes = [models.Index(fields=["month", "agency"], name="monthly_counter_month_agency")]
        verbose_name = _("bộ đếm chỉ số theo tháng")
        verbose_name_plural = _("bộ đếm chỉ số theo tháng")

    def __str__(self) -> str:
        return f"{self.agency_id} {self.month:%m/%Y} {self.metric}={self.value}"
