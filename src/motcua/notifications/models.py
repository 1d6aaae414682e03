from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """What the applicant is told when their dossier moves (§6): one row per dossier event, so
    an outbox message delivered twice tells them once. `user` is empty when the applicant has
    no portal account and was reached by email only; the row then records that the email
    went.

    Other capabilities notify too (petitions: `feedback.notify`): their rows carry no dossier
    or event but a `link` to open and a `source` key that is unique, for the same once-only
    delivery."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("người nhận"),
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("hồ sơ"),
    )
    event = models.ForeignKey(
        "dossiers.DossierEvent",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("sự kiện hồ sơ"),
    )
    link = models.CharField(_("đường dẫn"), max_length=200, blank=True)
    source = models.CharField(_("nguồn"), max_length=64, null=True, blank=True, unique=True)
    action = models.CharField(_("hành động"), max_length=32)
    title = models.CharField(_("tiêu đề"), max_length=200)
    body = models.TextField(_("nội dung"))
    created_at = models.DateTimeField(_("tạo lúc"))
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)
    emailed_to = models.BooleanField(_("đã gửi thư điện tử"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(fields=["user", "-created_at"], name="notification_user_recent"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event"], name="notification_once_per_event"),
        ]

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """One notification sent on one channel (email, the messaging app): the idempotency record
    of the sending.

    The claim (`sending`) is committed before the mail leaves and `sent` after, so a worker
    that dies between the two leaves `sending` behind and the next try does not send again
    (notifications.delivery). `message_id` is the mail's Message-ID header, fixed when the row
    is made: a resend an operator asks for carries the same one, so the receiving side can
    drop the copy."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Thư điện tử")
        MESSAGING = "messaging", _("Kênh nhắn tin")

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENDING = "sending", _("Đang gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Lỗi, sẽ thử lại")
        # The worker stopped after claiming and before recording: the mail may or may not
        # have left. Not resent automatically (docs/howto/operations.md).
        UNKNOWN = "unknown", _("Không rõ đã gửi hay chưa")

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("thông báo"),
    )
    channel = models.CharField(_("kênh"), max_length=16, choices=Channel.choices)
    recipient = models.CharField(_("người nhận"), max_length=254)
    message_id = models.CharField(_("Message-ID"), max_length=200, unique=True)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("số lần gửi"), default=0)
    created_at = models.DateTimeField(_("tạo lúc"))
    claimed_at = models.DateTimeField(_("bắt đầu gửi lúc"), null=True, blank=True)
    sent_at = models.DateTimeField(_("đã gửi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lần gửi thông báo")
        verbose_name_plural = _("lần gửi thông báo")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_once_per_channel"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} #{self.notification_id} ({self.status})"
