"""What the province keeps of its conversation with the national instance: the last answer
each outbox message got (`NationalDelivery`), and the one row senders take turns on
(`SyncSender`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.core.models import OutboxMessage
from motcua.dossiers.models import Dossier


class NationalDelivery(models.Model):
    """The last time a `national.sync` outbox message went to the national instance: in
    which batch, as which message (id and dossier version), and what came back. The outbox
    row keeps the status (sent, failed, dead); this keeps why."""

    class Outcome(models.TextChoices):
        ACKNOWLEDGED = "acknowledged", _("Đã nhận (mới, trùng hoặc cũ hơn bản đã có)")
        REJECTED = "rejected", _("Bị từ chối")
        FAILED = "failed", _("Gửi không thành công")

    outbox = models.OneToOneField(
        OutboxMessage,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="national_delivery",
        verbose_name=_("thông điệp"),
    )
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="+", verbose_name=_("hồ sơ")
    )
    message_id = models.UUIDField(_("mã thông điệp"), db_index=True)
    version = models.PositiveIntegerField(_("phiên bản hồ sơ"))
    batch_id = models.UUIDField(_("mã gói tin"))
    outcome = models.CharField(_("kết quả"), max_length=16, choices=Outcome.choices)
    reason_code = models.CharField(_("mã lý do"), max_length=64, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    at = models.DateTimeField(_("thời điểm"))

    class Meta:
        verbose_name = _("lần gửi Cổng DVC quốc gia")
        verbose_name_plural = _("lần gửi Cổng DVC quốc gia")
        indexes = [models.Index(fields=["outcome", "at"], name="sync_delivery_outcome_at")]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.outcome})"


class SyncSender(models.Model):
    """One row (pk 1). A sender locks it while it picks a batch, so two workers never send
    two versions of one dossier at once; `paused_until` holds every sender back after a
    failed batch, until the batch's own retry."""

    paused_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bộ gửi đồng bộ")
        verbose_name_plural = _("bộ gửi đồng bộ")

    def __str__(self) -> str:
        return f"sync sender (paused until {self.paused_until})"
