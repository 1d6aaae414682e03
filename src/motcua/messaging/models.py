"""The messaging channel (a Zalo-Official-Account-like platform): who is linked to which
follower, the one-time codes that link them, the platform's events already handled, and the
per-follower counters of inbound commands.

Nothing here holds a message's text: the events are kept by id and outcome only (§10)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelLink(models.Model):
    """A citizen's account linked to one follower of the official account (one each way)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="messaging_link",
        verbose_name=_("tài khoản"),
    )
    follower_id = models.CharField(_("mã người quan tâm"), max_length=64, unique=True)
    linked_at = models.DateTimeField(_("liên kết lúc"))

    class Meta:
        verbose_name = _("liên kết kênh nhắn tin")
        verbose_name_plural = _("liên kết kênh nhắn tin")

    def __str__(self) -> str:
        return f"{self.user_id} ↔ {self.follower_id}"


class LinkCode(models.Model):
    """A one-time code shown on the portal: only its SHA-256 is kept; used once, short-lived.
    Asking for a new code removes the person's earlier unused ones."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="messaging_codes",
        verbose_name=_("tài khoản"),
    )
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("tạo lúc"))
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    used_at = models.DateTimeField(_("đã dùng lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("mã liên kết")
        verbose_name_plural = _("mã liên kết")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="link_code_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ({'used' if self.used_at else 'unused'})"


class InboundEvent(models.Model):
    """A platform event handled once: the platform's id is unique, written in the transaction
    that acts on the event, so a retried delivery is answered as a duplicate."""

    event_id = models.CharField(_("mã sự kiện"), max_length=64, unique=True)
    event_name = models.CharField(_("loại sự kiện"), max_length=40)
    follower_id = models.CharField(_("mã người quan tâm"), max_length=64)
    received_at = models.DateTimeField(_("nhận lúc"))
    outcome = models.CharField(_("kết quả"), max_length=32)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("sự kiện kênh nhắn tin")
        verbose_name_plural = _("sự kiện kênh nhắn tin")

    def __str__(self) -> str:
        return f"{self.event_name} {self.event_id} ({self.outcome})"


class CommandCounter(models.Model):
    """How many commands (or wrong link codes, or petitions) a follower sent in one window:
    `scope` names the limit, `window` its start."""

    follower_id = models.CharField(max_length=64)
    scope = models.CharField(max_length=16)
    window = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["follower_id", "scope", "window"], name="command_counter_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} {self.scope} {self.count}"
