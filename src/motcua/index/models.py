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


def _filed_report_path(instance: FiledReport, filename: str) -> str:
    return (
        f"bao-cao/{instance.agency.code}/"
        f"{instance.period_start:%Y-%m-%d}_{instance.period_end:%Y-%m-%d}_v{instance.version}.pdf"
    )


class FiledReport(models.Model):
    """One version of an agency's periodic statistics report (§8.1) for one period: drafted
    by the scheduled job, checked and submitted, signed with the agency's key, by a leader of
    the agency (`index.filing`). A submitted version is frozen; a correction is the next
    version, with its reason."""

    class Kind(models.TextChoices):
        MONTH = "month", _("Tháng")
        QUARTER = "quarter", _("Quý")
        HALF = "half", _("6 tháng")
        YEAR = "year", _("Năm")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        SUBMITTED = "submitted", _("Đã nộp")

    agency = models.ForeignKey(
        "directory.Agency",
        on_delete=models.PROTECT,
        related_name="filed_reports",
        verbose_name=_("cơ quan"),
    )
    kind = models.CharField(_("loại kỳ"), max_length=8, choices=Kind.choices)
    period_start = models.DateField(_("ngày đầu kỳ"))
    period_end = models.DateField(_("ngày cuối kỳ"))
    version = models.PositiveIntegerField(_("lần"), default=1)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    figures = models.JSONField(_("số liệu"))
    drafted_at = models.DateTimeField(_("lập dự thảo lúc"))
    submitted_by = models.ForeignKey(
        "directory.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người nộp"),
    )
    submitted_at = models.DateTimeField(_("nộp lúc"), null=True, blank=True)
    correction_reason = models.TextField(_("lý do đính chính"), blank=True)
    signed_pdf = models.FileField(_("bản PDF đã ký"), upload_to=_filed_report_path, blank=True)
    signed_sha256 = models.CharField(_("SHA-256 bản đã ký"), max_length=64, blank=True)

    class Meta:
        ordering = ["agency_id", "-period_end", "period_start", "-version"]
        verbose_name = _("báo cáo định kỳ đã lập")
        verbose_name_plural = _("báo cáo định kỳ đã lập")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "period_start", "period_end", "version"],
                name="filed_report_version_unique",
            ),
            # At most one version being drafted for a period at a time.
            models.UniqueConstraint(
                fields=["agency", "period_start", "period_end"],
                condition=models.Q(status="draft"),
                name="filed_report_one_draft",
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="filed_report_version_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="filed_report_period_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(version=1) | ~models.Q(correction_reason=""),
                name="filed_report_correction_has_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | (
                    models.Q(submitted_at__isnull=False, submitted_by__isnull=False)
                    & ~models.Q(signed_sha256="")
                ),
                name="filed_report_submitted_is_signed",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.agency_id} {self.period_start:%d/%m/%Y}–{self.period_end:%d/%m/%Y} "
            f"v{self.version} ({self.get_status_display()})"
        )
