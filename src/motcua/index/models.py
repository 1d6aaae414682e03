from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class IndexDefinition(models.Model):
    """A version of the index's definition (§7): groups, indicators, bands — data, not code.

    The version in force for a period is the one with the latest `valid_from` on or before
    the period's first day.
    """

    version = models.CharField(_("phiên bản"), max_length=32, unique=True)
    valid_from = models.DateField(_("áp dụng từ ngày"), unique=True)
    title = models.CharField(_("tên"), max_length=200)
    spec = models.JSONField(_("định nghĩa"))

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("bộ tiêu chí chỉ số")
        verbose_name_plural = _("bộ tiêu chí chỉ số")

    def __str__(self) -> str:
        return f"{self.title} ({self.version}, từ {self.valid_from:%d/%m/%Y})"

    def clean(self) -> None:
        from motcua.index.definition import definition_problems

        problems = definition_problems(self.spec)
        if problems:
            raise ValidationError({"spec": problems})


class CatalogStamp(models.Model):
    """One row whose `token` changes, in the writing transaction, with every write to what the
    index's catalog metrics read: procedures, their agencies, required documents,
    publications and the calendar's overrides (`engine.catalog_metrics`).

    Database triggers change it (migration 0005), so no writer can forget it: the import,
    the admin, the demo, a shell. The token is random rather than a sequence so that a
    rolled-back write never hands a later write a token already used for cached numbers.
    """

    token = models.CharField(max_length=36)

    class Meta:
        verbose_name = _("dấu phiên bản danh mục")
        verbose_name_plural = _("dấu phiên bản danh mục")

    def __str__(self) -> str:
        return self.token
