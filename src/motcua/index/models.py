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


class OnlineProcedureMonth(models.Model):
    """Dossiers received online per agency, procedure and local month (Asia/Ho_Chi_Minh):
    what §8's "online procedures with online dossiers" reads for whole months instead of the
    dossier table (`engine.online_procedures_with_dossiers`).

    Database triggers on the dossier table move it in the writing transaction (migration
    0007), so no writer — the lifecycle, an import, a shell — can forget it. A row may fall
    to zero; it is read as `dossiers > 0`. `tests/index/test_fact_tables.py` compares it with
    a GROUP BY of the dossiers after every kind of write.
    """

    agency_id = models.BigIntegerField()
    procedure_id = models.BigIntegerField()
    month = models.DateField()  # the month's first day
    dossiers = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("hồ sơ trực tuyến theo thủ tục, tháng")
        verbose_name_plural = _("hồ sơ trực tuyến theo thủ tục, tháng")
        constraints = [
            models.UniqueConstraint(
                fields=["agency_id", "month", "procedure_id"], name="online_procedure_month_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.month:%m/%Y} {self.procedure_id}: {self.dossiers}"


class StepWindow(models.Model):
    """When a dossier was inside its workflow's steps: the first moment it entered a step
    (`forward`, `send_back`), the latest moment of any event entering or leaving one, and —
    once the last of them left the workflow (`approve`, `refuse`, `withdraw`, `cancel`) —
    `left_at` (None while a step is still open). Dossiers without a row never entered a step.

    The drill-down pages walk only the dossiers whose window meets the period
    (`drilldown.officers.steps_in_period`): every step the walk can find lies inside the
    window. A database trigger on the event table keeps it in the writing transaction
    (migration 0007); events are never changed or deleted.
    """

    # The column the triggers write, declared as its dossier's key for the ORM alone (the
    # table has never had a database constraint on it, and migration 0015 adds none), so
    # that the pages read a window with its dossier in one statement.
    dossier = models.OneToOneField(
        "dossiers.Dossier",
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    agency_id = models.BigIntegerField(null=True, blank=True)  # the dossier's, set by the trigger
    entered_at = models.DateTimeField()
    last_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    # When the dossier's `ClosedStep` rows were written; the trigger empties it (and deletes
    # the rows) with every event entering or leaving a step, so a writer that does not time
    # steps (an import, a shell) leaves the dossier to be walked, never stale figures.
    timed_at = models.DateTimeField(null=True, blank=True)
    # The step still open when the window was timed (`left_at` None): its procedure (the
    # dossier's, so the officer lines find its budget without reading the dossier), its
    # position in the procedure (None: none the walk knows), its assignee, the working time
    # of the pauses already over inside it (microseconds) and, while the clock is stopped,
    # since when it has been stopped inside it. It starts at `last_at`. The trigger also
    # empties `timed_at` with every event that stops or restarts the clock, so these are
    # never stale.
    open_procedure_id = models.BigIntegerField(null=True, blank=True)
    open_position = models.IntegerField(null=True, blank=True)
    open_assignee_id = models.BigIntegerField(null=True, blank=True)
    open_paused = models.BigIntegerField(null=True, blank=True)
    open_pause_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("khoảng thời gian hồ sơ ở các bước xử lý")
        verbose_name_plural = _("khoảng thời gian hồ sơ ở các bước xử lý")
        indexes = [
            models.Index(fields=["left_at"], name="step_window_left_at"),
            # An agency's dossiers still inside their workflow: the pages walk their open step.
            models.Index(
                fields=["agency_id"],
                condition=models.Q(left_at__isnull=True),
                name="step_window_open",
            ),
            # Few once `index_rebuild` has run: the pages walk these.
            models.Index(
                fields=["entered_at"],
                condition=models.Q(timed_at__isnull=True),
                name="step_window_untimed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.entered_at} – {self.left_at or '…'}"


class StepDay(models.Model):
    """`ClosedStep` summed per agency, holder and local day (Asia/Ho_Chi_Minh), twice: the
    steps that ended that day and the steps that started that day. The steps meeting a
    period (started before its end, ended at or after its start) are those ended on or
    after its first day less those started after its last day (which all ended after it),
    so the officer lines read a few rows per day instead of every step of the period
    (`drilldown.officers.officer_lines_in_period`).

    Triggers on `index_closedstep` move it in the writing transaction (migration 0011), so
    every writer of the steps — a transition, `index_rebuild`, the event trigger that
    forgets a dossier's steps — keeps it. `holder_id` 0: steps held by no one. Times are
    microseconds of working time, as in `ClosedStep`.
    """

    agency_id = models.BigIntegerField()
    holder_id = models.BigIntegerField()  # 0: no holder
    day = models.DateField()
    ended_steps = models.IntegerField(default=0)
    ended_over_steps = models.IntegerField(default=0)
    ended_over = models.BigIntegerField(default=0)
    started_steps = models.IntegerField(default=0)
    started_over_steps = models.IntegerField(default=0)
    started_over = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("bước xử lý đã xong theo ngày")
        verbose_name_plural = _("bước xử lý đã xong theo ngày")
        constraints = [
            models.UniqueConstraint(fields=["agency_id", "day", "holder_id"], name="step_day_key")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day:%d/%m/%Y} {self.holder_id}: {self.ended_steps}"


class ClosedStep(models.Model):
    """A workflow step a dossier has left, timed once when it left (`index.steps`): the
    leaders' officer lines sum these instead of walking every event of the period, and walk
    only the steps still open and the dossiers whose `StepWindow` is not timed.

    Times are working time in microseconds (the agency's calendar when the step closed);
    `budget` is the step's share of the procedure's time limit then (None: no limit), and
    `over` the working time past it (0 when within). `agency_id` is the dossier's agency,
    which never changes (a merger is read through the agency scope).
    """

    dossier_id = models.BigIntegerField()
    agency_id = models.BigIntegerField()
    step_id = models.BigIntegerField()
    holder_id = models.BigIntegerField(null=True, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    worked = models.BigIntegerField()
    paused = models.BigIntegerField()
    budget = models.BigIntegerField(null=True, blank=True)
    over = models.BigIntegerField()
    # `dossier_is_late`, fixed once the dossier has left its workflow (finished or closed, in
    # the transition that timed this row); None while it is still inside, read live then.
    late = models.BooleanField(null=True, blank=True)

    class Meta:
        verbose_name = _("bước xử lý đã xong")
        verbose_name_plural = _("bước xử lý đã xong")
        indexes = [
            models.Index(fields=["agency_id", "ended_at"], name="closed_step_agency_ended"),
            # The steps over budget: the officer lines look up their dossiers' lateness. The
            # columns that lookup reads are in the index (PostgreSQL), so it reads no table
            # page: at a province ~150,000 steps over budget lie on ~16,000 pages. `late`
            # leads the period's range: the late ones are counted (a third of them), the
            # few still inside their workflow (`late` unset) read without the rest.
            models.Index(
                fields=["agency_id", "late", "ended_at"],
                condition=models.Q(over__gt=0),
                include=["started_at", "holder_id", "dossier_id"],
                name="closed_step_over",
            ),
            # The late dossiers behind each officer's steps over budget, counted once each
            # (`count_delayed`): read already in holder and dossier order, they are counted
            # without first sorting a province's ~57,000 (a sort that spilled to disk).
            models.Index(
                fields=["holder_id", "dossier_id"],
                condition=models.Q(over__gt=0, late=True),
                include=["agency_id", "started_at", "ended_at"],
                name="closed_step_late_holder",
            ),
            # One officer's steps of a period, summed per step and ordered for their page:
            # the columns those read are in the index (PostgreSQL), so they read no table
            # page — at a province one specialist's ~21,000 steps of a year lay on ~12,000.
            models.Index(
                fields=["holder_id", "ended_at"],
                include=["started_at", "agency_id", "step_id", "over", "dossier_id", "id"],
                name="closed_step_holder_ended",
            ),
            models.Index(fields=["dossier_id"], name="closed_step_dossier"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} bước {self.step_id}: {self.started_at} – {self.ended_at}"
