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
