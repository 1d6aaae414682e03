"""Payments of a dossier's fees (phí, lệ phí): online through a gateway, or cash and bank
transfer recorded at the counter; the notifications a gateway sent us, kept so that each is
acted on once and a repeated one gets the same answer; and the sandbox gateway's own ledger
(what a real gateway keeps on its side)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.directory.models import Agency
from motcua.dossiers.models import Dossier


class Method(models.TextChoices):
    ONLINE = "online", _("Thanh toán trực tuyến")
    CASH = "cash", _("Tiền mặt tại quầy")
    TRANSFER = "transfer", _("Chuyển khoản")


class Status(models.TextChoices):
    PENDING = "pending", _("Đang xử lý")
    PAID = "paid", _("Đã thanh toán")
    FAILED = "failed", _("Thanh toán không thành công")
    ABANDONED = "abandoned", _("Người nộp đã hủy giao dịch")
    EXPIRED = "expired", _("Hết thời gian thanh toán")
    # Money the gateway took for a dossier already paid: never a second `paid` row (the
    # `payment_one_paid_per_dossier` index), a `Refund` staff must settle instead.
    OVERPAID = "overpaid", _("Thu trùng, chờ hoàn tiền")
    REFUNDED = "refunded", _("Đã hoàn tiền")


class GroupOrder(models.Model):
    """One gateway order paying several dossiers' fees at once (a bundle's children, paid
    once for the total). The gateway sees this order and its total; we keep one `Payment`
    per dossier under it (`Payment.group`), so receipts, counters and refunds stay per
    dossier. Its signed notification moves it and all its payments in one transaction."""

    order_ref = models.CharField(_("mã giao dịch (merchant)"), max_length=40, unique=True)
    # What it pays for, as the gateway's order info shows it (a bundle's code): no name.
    label = models.CharField(_("thanh toán cho"), max_length=40)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người nộp"),
    )
    amount = models.BigIntegerField(_("tổng số tiền (đồng)"))
    gateway = models.CharField(_("cổng thanh toán"), max_length=32)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    gateway_txn = models.CharField(_("mã giao dịch của cổng"), max_length=64, blank=True)
    gateway_code = models.CharField(_("mã kết quả của cổng"), max_length=16, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"))
    paid_at = models.DateTimeField(_("thanh toán lúc"), null=True, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("giao dịch thanh toán gộp")
        verbose_name_plural = _("giao dịch thanh toán gộp")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="group_amount_gt_0"),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["pending", "paid", "failed", "abandoned", "expired"]
                ),
                name="group_status_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_ref} ({self.status})"


class Payment(models.Model):
    """One attempt to pay a dossier's fees. An online attempt starts `pending` and only the
    gateway's signed notification (or a reconciliation query) moves it; a counter payment is
    `paid` from the start."""

    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="payments", verbose_name=_("hồ sơ")
    )
    amount = models.BigIntegerField(_("số tiền (đồng)"))
    # The fee lines as they were when the attempt started: the receipt must not change when
    # the catalog does.
    lines = models.JSONField(_("các khoản phí, lệ phí"), default=list)
    # Who collected what from whom, as it was when the attempt started: the receipt names
    # them, and a later change of the agency's or the procedure's name, or a corrected
    # applicant name, must not rewrite a receipt already issued.
    agency_code = models.CharField(_("mã cơ quan thu"), max_length=64)
    agency_name = models.CharField(_("cơ quan thu"), max_length=255)
    procedure_code = models.CharField(_("mã thủ tục"), max_length=32)
    procedure_name = models.CharField(_("tên thủ tục"), max_length=500)
    payer_name = models.CharField(_("người nộp"), max_length=255)
    method = models.CharField(_("hình thức"), max_length=12, choices=Method.choices)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    gateway = models.CharField(_("cổng thanh toán"), max_length=32, blank=True)
    order_ref = models.CharField(_("mã giao dịch (merchant)"), max_length=40, unique=True)
    gateway_txn = models.CharField(_("mã giao dịch của cổng"), max_length=64, blank=True)
    gateway_code = models.CharField(_("mã kết quả của cổng"), max_length=16, blank=True)
    receipt_no = models.CharField(
        _("số biên lai"), max_length=32, unique=True, null=True, blank=True
    )
    note = models.CharField(_("ghi chú"), max_length=200, blank=True)
    # The gateway order it is part of, when several dossiers were paid at once.
    group = models.ForeignKey(
        GroupOrder,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("giao dịch thanh toán gộp"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cán bộ thu"),
    )
    created_at = models.DateTimeField(_("tạo lúc"))
    paid_at = models.DateTimeField(_("thanh toán lúc"), null=True, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("khoản thanh toán")
        verbose_name_plural = _("thanh toán phí, lệ phí")
        indexes = [
            models.Index(fields=["status", "method", "created_at"], name="payment_pending_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_gt_0"),
            models.CheckConstraint(
                condition=~models.Q(method="online") | ~models.Q(gateway=""),
                name="payment_online_has_gateway",
            ),
            models.CheckConstraint(
                condition=models.Q(status="paid", paid_at__isnull=False, receipt_no__isnull=False)
                | (~models.Q(status="paid") & models.Q(receipt_no__isnull=True)),
                name="payment_paid_has_receipt",
            ),
            # One payment per obligation: a dossier's fees are paid once, whichever way.
            models.UniqueConstraint(
                fields=["dossier"],
                condition=models.Q(status="paid"),
                name="payment_one_paid_per_dossier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_ref} ({self.status})"


class Refund(models.Model):
    """Money taken twice for one dossier: the payment that arrived after the dossier was
    already paid (an online payment the gateway confirmed after the counter took cash, or a
    second gateway window), to be paid back by the collecting agency's one-stop staff. Open
    until an officer records how it was paid back."""

    class State(models.TextChoices):
        OPEN = "open", _("Chờ hoàn tiền")
        SETTLED = "settled", _("Đã hoàn tiền")

    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="refund", verbose_name=_("khoản thu trùng")
    )
    kept = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("khoản thanh toán được giữ"),
    )
    dossier = models.ForeignKey(
        Dossier, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("hồ sơ")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("cơ quan hoàn tiền")
    )
    amount = models.BigIntegerField(_("số tiền hoàn (đồng)"))
    state = models.CharField(
        _("trạng thái"), max_length=8, choices=State.choices, default=State.OPEN
    )
    created_at = models.DateTimeField(_("phát sinh lúc"))
    settled_at = models.DateTimeField(_("hoàn tiền lúc"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cán bộ hoàn tiền"),
    )
    settled_note = models.CharField(_("cách hoàn tiền"), max_length=200, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("khoản hoàn tiền")
        verbose_name_plural = _("khoản hoàn tiền")
        indexes = [models.Index(fields=["agency", "state", "created_at"], name="refund_queue")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_gt_0"),
            models.CheckConstraint(
                condition=models.Q(
                    state="settled", settled_at__isnull=False, settled_by__isnull=False
                )
                & ~models.Q(settled_note="")
                | models.Q(state="open", settled_at__isnull=True, settled_by__isnull=True),
                name="refund_settled_has_who_when_how",
            ),
        ]

    def __str__(self) -> str:
        return f"hoàn {self.payment.order_ref} ({self.state})"


class Notification(models.Model):
    """A gateway notification we processed (IPN). `(gateway, notification_id)` is unique, so a
    notification is acted on once however often it arrives (a repeat is answered "already
    processed"): this row, not the notification's age, is the protection against replays. The
    row keeps the outcome; no personal data, references and reasons only."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("Đã ghi nhận")
        ALREADY = "already", _("Đã xử lý trước đó")
        NOT_FOUND = "not_found", _("Không có giao dịch")
        BAD_AMOUNT = "bad_amount", _("Sai số tiền")
        BAD_SIGNATURE = "bad_signature", _("Sai chữ ký")
        INVALID = "invalid", _("Thông báo không hợp lệ")

    gateway = models.CharField(_("cổng thanh toán"), max_length=32)
    notification_id = models.CharField(_("mã thông báo"), max_length=128)
    signature_hash = models.CharField(_("SHA-256 của chữ ký"), max_length=64)
    order_ref = models.CharField(_("mã giao dịch"), max_length=40, blank=True)
    received_at = models.DateTimeField(_("nhận lúc"))
    outcome = models.CharField(_("kết quả"), max_length=16, choices=Outcome.choices)
    reported_status = models.CharField(_("trạng thái cổng báo"), max_length=12, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("thông báo từ cổng thanh toán")
        verbose_name_plural = _("thông báo từ cổng thanh toán")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "notification_id"], name="payment_notification_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.notification_id}: {self.outcome}"


class SandboxTransaction(models.Model):
    """The sandbox gateway's side of a transaction: what the tester chose on the hosted page.
    A real gateway keeps this on its own servers; `SandboxGateway.query` reads it."""

    order_ref = models.CharField(max_length=40, unique=True)
    amount = models.BigIntegerField()
    return_url = models.CharField(max_length=500)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    transaction_no = models.CharField(max_length=32, blank=True)
    response_code = models.CharField(max_length=4, blank=True)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("giao dịch cổng thử nghiệm")
        verbose_name_plural = _("giao dịch cổng thử nghiệm")

    def __str__(self) -> str:
        return f"sandbox {self.order_ref} ({self.status})"
