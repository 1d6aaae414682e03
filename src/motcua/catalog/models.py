from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.catalog.eforms import eform_problems
from motcua.core.errors import ValidationFailed
from motcua.core.text import search_fold
from motcua.core.worktime import WorkDuration, parse_duration
from motcua.directory.models import Agency, Role


def validate_time_limit(value: str) -> None:
    try:
        parse_duration(value)
    except ValidationFailed as error:
        raise ValidationError(error.message) from error


def validate_eform(value) -> None:
    """The admin's edits are checked like an imported e-form (JSON Schema 2020-12 + hints)."""
    if value is None:
        return
    problems = eform_problems(value)
    if problems:
        raise ValidationError([f"{where}: {why}" if where else why for where, why in problems])


class Sector(models.Model):
    name = models.CharField(_("tên lĩnh vực"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")

    def __str__(self) -> str:
        return self.name


# Catalog search's full-text index over the key's words and the code (migration 0006, kept in
# step by the database itself: SQLite triggers, a PostgreSQL generated column). In SQLite the
# FTS5 table's triggers live on `catalog_procedure`; a migration that makes SQLite rebuild the
# table (most AlterFields) drops them, so it must run 0006's SQL again
# (tests/catalog/test_search_index.py fails until it does). The same holds for the indexes of
# the best tiers (migration 0009, tests/catalog/test_search_tiers.py).
SQLITE_SEARCH_TABLE = "catalog_procedure_fts"
# In PostgreSQL the words are a stored generated column the GIN index is built on (migration
# 0008), unknown to the model: the database computes it from the key and the code. Lexemes are
# the key's words as written (split on its single spaces, no parser or dictionary), so they
# are the same words in both databases.
PG_SEARCH_VECTOR = '"catalog_procedure"."search_words"'


class Procedure(models.Model):
    class Level(models.TextChoices):
        MINISTRY = "ministry", _("Cấp bộ")
        PROVINCE = "province", _("Cấp tỉnh")
        COMMUNE = "commune", _("Cấp xã")

    class Online(models.TextChoices):
        FULL = "full", _("Trực tuyến toàn trình")
        PARTIAL = "partial", _("Trực tuyến một phần")
        NONE = "none", _("Không trực tuyến")

    code = models.CharField(_("mã thủ tục"), max_length=32, unique=True)
    name = models.CharField(_("tên thủ tục"), max_length=500)
    # Kept in step with `name` by the catalog services, so search needs no function index.
    name_folded = models.CharField(max_length=500, editable=False, db_index=True)
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("lĩnh vực")
    )
    level = models.CharField(_("cấp thực hiện"), max_length=16, choices=Level.choices)
    time_limit = models.CharField(
        _("thời hạn giải quyết"),
        max_length=16,
        null=True,
        blank=True,
        validators=[validate_time_limit],
        help_text=_("'N d' ngày làm việc hoặc 'N h' giờ làm việc; để trống nếu chưa công bố."),
    )
    online = models.CharField(
        _("mức độ trực tuyến"), max_length=8, choices=Online.choices, default=Online.NONE
    )
    accepts_online_payment = models.BooleanField(_("thanh toán trực tuyến"), default=False)
    registry_connected = models.BooleanField(_("kết nối CSDL dân cư"), default=False)
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    agencies = models.ManyToManyField(
        Agency, related_name="procedures", verbose_name=_("cơ quan thực hiện")
    )
    eform = models.JSONField(
        _("biểu mẫu điện tử"),
        null=True,
        blank=True,
        validators=[validate_eform],
        help_text=_("JSON Schema (draft 2020-12) và gợi ý hiển thị; xem docs/howto/catalog.md."),
    )
    # Set by the catalog's administrators, not by the §9 import (whose format has no such
    # column): how long the result stays valid, for the citizen's data store.
    result_valid_months = models.PositiveSmallIntegerField(
        _("thời hạn hiệu lực của kết quả (tháng)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1200)],
        help_text=_("Để trống nếu kết quả không có thời hạn (giấy khai sinh, trích lục…)."),
    )
    is_active = models.BooleanField(_("đang áp dụng"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def save(self, *args, **kwargs):
        # Derived, not business logic: the search key must never drift from the name.
        self.name_folded = search_fold(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_folded"}
        super().save(*args, **kwargs)

    @property
    def duration(self) -> WorkDuration | None:
        return parse_duration(self.time_limit) if self.time_limit else None

    @property
    def offers_online(self) -> bool:
        return self.online in (self.Online.FULL, self.Online.PARTIAL)


class RequiredDocument(models.Model):
    class Form(models.TextChoices):
        ORIGINAL = "original", _("Bản chính")
        COPY = "copy", _("Bản sao")
        ANY = "any", _("Bản chính hoặc bản sao")

    procedure = models.ForeignKey(
        Procedure,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name=_("thủ tục"),
    )
    position = models.PositiveSmallIntegerField(_("thứ tự"), default=0)
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    form = models.CharField(_("hình thức"), max_length=8, choices=Form.choices, default=Form.ANY)
    optional = models.BooleanField(_("không bắt buộc"), default=False)
    template = models.FileField(_("mẫu đơn, tờ khai"), upload_to="templates/", blank=True)
    # The kind of an issued result is the procedure that issued it: a birth registration issues
    # the birth extract, a marriage registration the marriage certificate. Only results of
    # these procedures may stand in for this document; none named, none offered.
    accepts_results_of = models.JSONField(
        _("dùng được kết quả của thủ tục"),
        default=list,
        blank=True,
        help_text=_(
            "Mã các thủ tục mà kết quả đã cấp dùng thay được giấy tờ này (kho dữ liệu của công "
            'dân), ví dụ ["1.001193"]. Để trống: không dùng lại kết quả nào.'
        ),
    )

    class Meta:
        ordering = ["procedure", "position", "id"]
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")

    def __str__(self) -> str:
        return self.name


class FeeLine(models.Model):
    """One published fee amount. A line without a `group` is always added; lines sharing a
    `group` are alternatives — the general rate, a reduced rate, an exemption — of which
    exactly one applies, the one whose `condition` fits the applicant (`catalog.fees`).
    `channel` limits a line to online or to direct/postal submissions (the residence fees
    are lower online; the enterprise registration fee is waived online)."""

    class Channel(models.TextChoices):
        ANY = "", _("Mọi hình thức nộp")
        ONLINE = "online", _("Nộp trực tuyến")
        DIRECT = "direct", _("Nộp trực tiếp hoặc qua bưu chính")

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="fees", verbose_name=_("thủ tục")
    )
    name = models.CharField(_("tên phí, lệ phí"), max_length=300)
    amount = models.BigIntegerField(_("số tiền (đồng)"), validators=[MinValueValidator(0)])
    group = models.CharField(
        _("nhóm mức thu"),
        max_length=64,
        blank=True,
        help_text=_(
            "Các dòng cùng nhóm là các mức thay thế nhau (chỉ một mức được áp dụng, theo đối "
            "tượng). Để trống: khoản thu luôn được cộng."
        ),
    )
    condition = models.CharField(
        _("đối tượng, điều kiện áp dụng"),
        max_length=300,
        blank=True,
        help_text=_("Bắt buộc với dòng thuộc một nhóm; không trùng trong nhóm."),
    )
    channel = models.CharField(
        _("áp dụng khi"), max_length=8, choices=Channel.choices, blank=True, default=""
    )

    class Meta:
        ordering = ["procedure", "id"]
        verbose_name = _("phí, lệ phí")
        verbose_name_plural = _("phí, lệ phí")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="fee_not_negative"),
            # The applicant picks an alternative by its condition: it must be there and unique.
            models.CheckConstraint(
                condition=models.Q(group="") | ~models.Q(condition=""),
                name="fee_alternative_has_condition",
            ),
            models.UniqueConstraint(
                fields=["procedure", "group", "condition"],
                condition=~models.Q(group=""),
                name="fee_alternative_condition_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.amount:,} đồng".replace(",", ".")


class Publication(models.Model):
    """A decision that published (new) or amended a procedure, and when it was made public."""

    class Kind(models.TextChoices):
        NEW = "new", _("Công bố mới")
        AMENDED = "amended", _("Sửa đổi, bổ sung")

    procedure = models.ForeignKey(
        Procedure,
        on_delete=models.CASCADE,
        related_name="publications",
        verbose_name=_("thủ tục"),
    )
    kind = models.CharField(_("loại"), max_length=8, choices=Kind.choices)
    decision = models.CharField(_("quyết định"), max_length=200)
    decided_on = models.DateField(_("ngày quyết định"))
    public_on = models.DateField(_("ngày công khai"), null=True, blank=True)

    class Meta:
        ordering = ["procedure", "decided_on", "id"]
        verbose_name = _("quyết định công bố")
        verbose_name_plural = _("quyết định công bố")

    def __str__(self) -> str:
        return f"{self.decision} ({self.decided_on:%d/%m/%Y})"


class WorkflowStep(models.Model):
    """One step of a procedure's internal workflow, with its share of the time limit."""

    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="steps", verbose_name=_("thủ tục")
    )
    position = models.PositiveSmallIntegerField(_("bước"))
    name = models.CharField(_("tên bước"), max_length=200)
    role = models.CharField(
        _("vai trò thực hiện"),
        max_length=16,
        choices=[
            (Role.SPECIALIST.value, Role.SPECIALIST.label),
            (Role.APPROVER.value, Role.APPROVER.label),
            (Role.RECEPTION.value, Role.RECEPTION.label),
        ],
    )
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("cơ quan thực hiện"),
        help_text=_("Để trống: cơ quan tiếp nhận hồ sơ."),
    )
    share_percent = models.PositiveSmallIntegerField(
        _("tỷ lệ thời hạn (%)"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    class Meta:
        ordering = ["procedure", "position"]
        verbose_name = _("bước quy trình nội bộ")
        verbose_name_plural = _("quy trình nội bộ")
        constraints = [
            models.UniqueConstraint(fields=["procedure", "position"], name="step_position_unique"),
            models.CheckConstraint(
                condition=models.Q(share_percent__gte=1, share_percent__lte=100),
                name="step_share_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"
