"""The daily counters every capability that feeds the index writes to.

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
        indexes = [models.Index(fields=["day", "agency"], name="counter_day_agency")]
        verbose_name = _("bộ đếm chỉ số")
        verbose_name_plural = _("bộ đếm chỉ số")

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day} {self.metric}={self.value}"
