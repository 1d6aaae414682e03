"""Bundles of procedures applied for together (liên thông, Nghị định 63/2024/NĐ-CP): the
bundle is catalog data (its members, their order, which waits for which and what happens
when the one waited for ends without a result); an application is one code over one child
dossier per member. Its status is derived from the children (`status.py`), never stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Procedure
from motcua.dossiers.models import Dossier, WaitOnFailure


class Bundle(models.Model):
    code = models.SlugField(_("mã nhóm thủ tục"), max_length=40, unique=True)
    name = models.CharField(_("tên nhóm thủ tục liên thông"), max_length=255)
    description = models.TextField(_("mô tả"), blank=True)
    is_active = models.BooleanField(_("đang áp dụng"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("nhóm thủ tục liên thông")
        verbose_name_plural = _("nhóm thủ tục liên thông")

    def __str__(self) -> str:
        return self.name


class BundleMember(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="members")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(_("thứ tự"))
    # The member whose result this one needs before it is received (its clock then starts).
    waits_for = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("chờ kết quả của"),
    )
    # When the member waited for ends without a result: withdraw this one, or let it go on.
    on_failure = models.CharField(
        _("khi thủ tục được chờ không có kết quả"),
        max_length=10,
        choices=WaitOnFailure.choices,
        blank=True,
    )

    class Meta:
        ordering = ["bundle", "position"]
        verbose_name = _("thủ tục thành phần")
        verbose_name_plural = _("thủ tục thành phần")
        constraints = [
            models.UniqueConstraint(fields=["bundle", "procedure"], name="bundle_member_once"),
            models.UniqueConstraint(fields=["bundle", "position"], name="bundle_member_position"),
            models.CheckConstraint(
                condition=models.Q(waits_for__isnull=True, on_failure="")
                | models.Q(waits_for__isnull=False, on_failure__in=WaitOnFailure.values),
                name="bundle_member_wait_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bundle_id}/{self.position}"


class BundleApplication(models.Model):
    """One citizen's application for a bundle: one code to follow it, one fee total."""

    code = models.CharField(_("mã hồ sơ liên thông"), max_length=16, unique=True)
    bundle = models.ForeignKey(Bundle, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("nộp lúc"))
    # The children's fees announced at submission, summed (VND): what the citizen owes.
    fee_total = models.BigIntegerField(_("tổng phí, lệ phí (đồng)"), default=0)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("hồ sơ liên thông")
        verbose_name_plural = _("hồ sơ liên thông")
        indexes = [models.Index(fields=["applicant", "-submitted_at"], name="bundle_app_applicant")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fee_total__gte=0), name="bundle_app_fee_gte_0"
            )
        ]

    def __str__(self) -> str:
        return self.code


class BundlePart(models.Model):
    application = models.ForeignKey(
        BundleApplication, on_delete=models.CASCADE, related_name="parts"
    )
    member = models.ForeignKey(BundleMember, on_delete=models.PROTECT, related_name="+")
    dossier = models.OneToOneField(Dossier, on_delete=models.PROTECT, related_name="bundle_part")

    class Meta:
        ordering = ["application", "member__position"]
        constraints = [
            models.UniqueConstraint(fields=["application", "member"], name="bundle_part_once")
        ]

    def __str__(self) -> str:
        return f"{self.application_id}/{self.member_id}"
