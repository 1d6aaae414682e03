"""Reform plans (kế hoạch cải cách hành chính: a decision with its tasks), their tasks, and the
progress reported on each task with its evidence files. A task's status is derived from its
deadline, its completion and the day it is read on (`status.py`), never stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.core.models import StoredUpload


class ReformPlan(models.Model):
    """The decision that sets the tasks, e.g. "123/QĐ-UBND" of 15/01/2026."""

    number = models.CharField(_("số hiệu văn bản"), max_length=64)
    issued_on = models.DateField(_("ngày ban hành"))
    title = models.CharField(_("trích yếu"), max_length=500)
    agency = models.ForeignKey(
        "directory.Agency",
        on_delete=models.PROTECT,
        related_name="reform_plans",
        verbose_name=_("cơ quan ban hành"),
    )
    year = models.PositiveSmallIntegerField(_("năm kế hoạch"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người nhập"),
    )
    created_at = models.DateTimeField(_("thời điểm nhập"), auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "number"]
        verbose_name = _("kế hoạch cải cách hành chính")
        verbose_name_plural = _("kế hoạch cải cách hành chính")
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="reform_plan_number_unique"),
            models.CheckConstraint(
                condition=models.Q(year__gte=2000, year__lte=2100), name="reform_plan_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} — {self.title}"


class ReformTask(models.Model):
    plan = models.ForeignKey(
        ReformPlan, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("kế hoạch")
    )
    seq = models.PositiveIntegerField(_("số thứ tự"))
    title = models.CharField(_("tên nhiệm vụ"), max_length=1000)
    lead_agency = models.ForeignKey(
        "directory.Agency",
        on_delete=models.PROTECT,
        related_name="reform_tasks_led",
        verbose_name=_("cơ quan chủ trì"),
    )
    partners = models.ManyToManyField(
        "directory.Agency",
        blank=True,
        related_name="reform_tasks_joined",
        verbose_name=_("cơ quan phối hợp"),
    )
    deadline = models.DateField(_("thời hạn hoàn thành"))
    product = models.CharField(_("sản phẩm dự kiến"), max_length=500, blank=True)
    percent = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    done_at = models.DateTimeField(_("thời điểm hoàn thành"), null=True, blank=True)
    # The local day of `done_at`, so that "done on time" (done_on <= deadline) is one SQL
    # comparison on every database.
    done_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)

    class Meta:
        ordering = ["plan_id", "seq"]
        verbose_name = _("nhiệm vụ cải cách hành chính")
        verbose_name_plural = _("nhiệm vụ cải cách hành chính")
        constraints = [
            models.UniqueConstraint(fields=["plan", "seq"], name="reform_task_seq_unique"),
            models.CheckConstraint(
                condition=models.Q(percent__lte=100), name="reform_task_percent_range"
            ),
            models.CheckConstraint(
                condition=models.Q(done_at__isnull=True, done_on__isnull=True)
                | models.Q(done_at__isnull=False, done_on__isnull=False, percent=100),
                name="reform_task_done_together",
            ),
        ]
        indexes = [models.Index(fields=["lead_agency", "deadline"], name="reform_task_lead_due")]

    def __str__(self) -> str:
        return self.title


class TaskProgress(models.Model):
    task = models.ForeignKey(
        ReformTask, on_delete=models.CASCADE, related_name="progress", verbose_name=_("nhiệm vụ")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người báo cáo"),
    )
    at = models.DateTimeField(_("thời điểm"))
    note = models.TextField(_("nội dung"))
    percent = models.PositiveSmallIntegerField(_("tiến độ (%)"))
    completes = models.BooleanField(_("báo cáo hoàn thành"), default=False)

    class Meta:
        ordering = ["task_id", "at", "pk"]
        verbose_name = _("báo cáo tiến độ")
        verbose_name_plural = _("báo cáo tiến độ")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(percent__lte=100), name="reform_progress_percent_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.at:%d/%m/%Y}: {self.percent}%"


def _evidence_path(evidence: TaskEvidence, filename: str) -> str:
    # Never the uploader's file name on disk.
    return f"reform/{evidence.progress.task_id}/{evidence.sha256[:16]}"


class TaskEvidence(StoredUpload):
    """A document that proves the progress (a signed report, minutes, the product itself).
    Served only through the permission-checked view, as an attachment."""

    progress = models.ForeignKey(
        TaskProgress,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("báo cáo tiến độ"),
    )
    file = models.FileField(_("tệp"), upload_to=_evidence_path)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("tài liệu minh chứng")
        verbose_name_plural = _("tài liệu minh chứng")
