"""The consultation portal (cổng lấy ý kiến): draft regulations with their sections, the
comments people leave on a section, the drafting agency's moderation and answers; the
compliance cost of a procedure by the standard cost model (`cost.py`), and the simplification
plans that claim a saving per year.

A draft's life: prepared (`draft`) → published with a comment deadline (`open`) → closed with
its summary (`closed`). Whether it still takes comments is derived from the deadline and the
day it is read on, never stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Draft(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Đang soạn")
        OPEN = "open", _("Đang lấy ý kiến")
        CLOSED = "closed", _("Đã đóng, có báo cáo tổng hợp")

    agency = models.ForeignKey(
        "directory.Agency",
        on_delete=models.PROTECT,
        related_name="consultation_drafts",
        verbose_name=_("cơ quan chủ trì soạn thảo"),
    )
    title = models.CharField(_("tên dự thảo"), max_length=500)
    summary = models.TextField(_("tóm tắt"), blank=True)
    # Signed-in comments wait for moderation too (anonymous ones always do).
    moderation_first = models.BooleanField(_("kiểm duyệt mọi góp ý trước khi công khai"))
    status = models.CharField(
        _("trạng thái"), max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    deadline = models.DateField(_("hạn góp ý (hết ngày)"), null=True, blank=True)
    published_at = models.DateTimeField(_("thời điểm công bố"), null=True, blank=True)
    closed_at = models.DateTimeField(_("thời điểm đóng"), null=True, blank=True)
    # `core.text.search_fold` of the title and every section, behind a space, so that
    # " word" finds a word's start (`selectors.draft_hits`).
    search_key = models.TextField(editable=False, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("thời điểm tạo"), auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("dự thảo văn bản")
        verbose_name_plural = _("dự thảo văn bản")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(deadline__isnull=False, published_at__isnull=False),
                name="consultation_published_has_deadline",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="closed") | models.Q(closed_at__isnull=False),
                name="consultation_closed_has_moment",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="consultation_draft_open")]

    def __str__(self) -> str:
        return self.title


class Section(models.Model):
    draft = models.ForeignKey(
        Draft, on_delete=models.CASCADE, related_name="sections", verbose_name=_("dự thảo")
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    title = models.CharField(_("tiêu đề"), max_length=300)
    body = models.TextField(_("nội dung"))

    class Meta:
        ordering = ["draft_id", "position"]
        verbose_name = _("phần của dự thảo")
        verbose_name_plural = _("phần của dự thảo")
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "position"], name="consultation_section_position"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Comment(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Chờ kiểm duyệt")
        PUBLISHED = "published", _("Đã công khai")
        REJECTED = "rejected", _("Không công khai")

    class Disposition(models.TextChoices):
        ACCEPTED = "accepted", _("Tiếp thu")
        PARTLY = "partly", _("Tiếp thu một phần")
        NOT_ACCEPTED = "not_accepted", _("Không tiếp thu")

    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="comments", verbose_name=_("phần")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("tài khoản"),
    )
    name = models.CharField(_("họ và tên / tổ chức"), max_length=200)
    # Email or phone of an anonymous commenter; never shown publicly.
    contact = models.CharField(_("liên hệ"), max_length=254, blank=True)
    text = models.TextField(_("nội dung"))
    state = models.CharField(_("kiểm duyệt"), max_length=10, choices=State.choices)
    reject_reason = models.CharField(_("lý do không công khai"), max_length=500, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    disposition = models.CharField(
        _("tiếp thu"), max_length=12, choices=Disposition.choices, blank=True
    )
    answer = models.TextField(_("giải trình của cơ quan soạn thảo"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("thời điểm gửi"))

    class Meta:
        ordering = ["section_id", "created_at", "pk"]
        verbose_name = _("ý kiến góp ý")
        verbose_name_plural = _("ý kiến góp ý")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(author__isnull=False) | ~models.Q(contact=""),
                name="consultation_comment_reachable",
            ),
            models.CheckConstraint(
                condition=models.Q(disposition="") | models.Q(state="published"),
                name="consultation_answer_published_only",
            ),
        ]
        indexes = [models.Index(fields=["section", "state"], name="consultation_comment_state")]

    def __str__(self) -> str:
        return f"{self.name}: {self.text[:40]}"


class CostParameters(models.Model):
    """The standard cost model's parameters of one procedure, entered by its agency's staff;
    the fees come from the catalog's fee lines (`cost.catalog_fees`)."""

    procedure = models.OneToOneField(
        "catalog.Procedure",
        on_delete=models.CASCADE,
        related_name="cost_parameters",
        verbose_name=_("thủ tục"),
    )
    hours = models.DecimalField(_("số giờ cho mỗi lần thực hiện"), max_digits=7, decimal_places=2)
    hourly_cost = models.BigIntegerField(_("chi phí một giờ (đồng)"))
    other_costs = models.BigIntegerField(_("chi phí khác mỗi lần (đồng)"))
    frequency = models.DecimalField(_("số lần mỗi năm"), max_digits=6, decimal_places=2)
    subjects = models.BigIntegerField(_("số đối tượng mỗi năm"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("tham số chi phí tuân thủ")
        verbose_name_plural = _("tham số chi phí tuân thủ")

    def __str__(self) -> str:
        return str(self.procedure_id)


class SimplificationPlan(models.Model):
    agency = models.ForeignKey(
        "directory.Agency",
        on_delete=models.PROTECT,
        related_name="simplification_plans",
        verbose_name=_("cơ quan"),
    )
    title = models.CharField(_("tên phương án"), max_length=500)
    year = models.PositiveSmallIntegerField(_("năm"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-pk"]
        verbose_name = _("phương án đơn giản hóa")
        verbose_name_plural = _("phương án đơn giản hóa")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=2000, year__lte=2100),
                name="consultation_plan_year_range",
            )
        ]

    def __str__(self) -> str:
        return self.title


class PlanItem(models.Model):
    """One procedure of a plan: its parameters before and after the simplification (fees
    included: a plan may cut a fee). The saving is computed, never stored."""

    plan = models.ForeignKey(SimplificationPlan, on_delete=models.CASCADE, related_name="items")
    procedure = models.ForeignKey("catalog.Procedure", on_delete=models.PROTECT, related_name="+")
    measure = models.CharField(_("nội dung đơn giản hóa"), max_length=1000)
    before = models.JSONField(_("tham số trước"))
    after = models.JSONField(_("tham số sau"))

    class Meta:
        ordering = ["plan_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "procedure"], name="consultation_plan_item_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}: {self.procedure_id}"
