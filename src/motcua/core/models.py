from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarOverride(models.Model):
    """A deployment's own day off or make-up working day, beating the `holidays` calendar."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Ngày nghỉ")
        WORKING_DAY = "working_day", _("Ngày làm việc bù")

    day = models.DateField(_("ngày"), unique=True)
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    reason = models.CharField(_("lý do"), max_length=200)

    class Meta:
        ordering = ["day"]
        verbose_name = _("ngày điều chỉnh lịch làm việc")
        verbose_name_plural = _("lịch làm việc: ngày điều chỉnh")

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} — {self.get_kind_display()}"


class AuditEvent(models.Model):
    """Who did what to which record outside the dossier lifecycle (imports, settings, reads).

    Dossier changes have their own event table; this one never holds personal data in `data`.
    """

    at = models.DateTimeField(_("thời điểm"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("người thực hiện"),
    )
    action = models.CharField(_("hành động"), max_length=64)
    object_type = models.CharField(_("loại đối tượng"), max_length=64)
    object_id = models.CharField(_("mã đối tượng"), max_length=64, blank=True)
    data = models.JSONField(_("chi tiết"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("nhật ký hệ thống")
        verbose_name_plural = _("nhật ký hệ thống")

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id}"


class OutboxMessage(models.Model):
    """Anything that leaves the system is written here in the same transaction as the change
    that caused it, then delivered after commit by an idempotent task (`core.outbox`)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Lỗi, sẽ thử lại")
        # Gave up after the attempt cap; `motcua outbox_resend` puts it back in the queue.
        DEAD = "dead", _("Đã ngừng thử")
        # The topic's receiving side is not configured in this deployment (for example no
        # national portal address yet): kept, not retried, not counted as delivery lag.
        HELD = "held", _("Tạm giữ")

    topic = models.CharField(_("chủ đề"), max_length=64)
    payload = models.JSONField(_("nội dung"), default=dict)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("số lần thử"), default=0)
    last_error = models.TextField(_("lỗi gần nhất"), blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    # When a failed message may be tried again (exponential backoff with jitter); null means
    # at once.
    next_attempt_at = models.DateTimeField(_("thử lại lúc"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["status", "id"], name="outbox_pending_idx"),
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
        ]
        verbose_name = _("hàng đợi gửi đi")
        verbose_name_plural = _("hàng đợi gửi đi")

    def __str__(self) -> str:
        return f"{self.topic} #{self.pk} ({self.status})"


class StoredUpload(models.Model):
    """What every kept upload records beside its file (each subclass declares `file` with its
    own folder): the name the person gave, the type sniffed from the bytes, the size, the
    SHA-256. Never the uploader's name on disk."""

    name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(_("kiểu tệp"), max_length=100)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(max_length=64)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name
