"""Official documents exchanged with the document-management systems (hệ thống quản lý văn
bản): the organs we exchange with and their keys (`Peer`), every letter both ways
(`OfficialDocument`, the signed envelope kept as it was sent or received) and the outgoing
register's numbers (`DocumentSequence`, gap-free per agency and year)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Peer(models.Model):
    """An organ whose document-management system exchanges letters with ours: its organ code
    (mã định danh) and the Ed25519 public key its envelopes are signed with."""

    code = models.CharField(_("mã định danh cơ quan"), max_length=40, unique=True)
    name = models.CharField(_("tên cơ quan"), max_length=255)
    public_key = models.TextField(_("khóa công khai (PEM, Ed25519)"))
    active = models.BooleanField(_("đang trao đổi"), default=True)
    added_at = models.DateTimeField(_("đăng ký lúc"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("cơ quan trao đổi văn bản")
        verbose_name_plural = _("cơ quan trao đổi văn bản")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class DocumentSequence(models.Model):
    """The last number of an agency's outgoing register in a year (sổ văn bản đi)."""

    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "year"], name="docexchange_sequence_once")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.year}: {self.last}"


class OfficialDocument(models.Model):
    class Direction(models.TextChoices):
        OUT = "out", _("Văn bản đi")
        IN = "in", _("Văn bản đến")

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", _("Công văn xin ý kiến")
        RESULT = "result", _("Kết quả giải quyết")
        APOLOGY = "apology", _("Phiếu xin lỗi và hẹn lại ngày trả")
        REFUSAL = "refusal", _("Phiếu từ chối giải quyết")
        INCOMING = "incoming", _("Văn bản đến")

    class Status(models.TextChoices):
        # outgoing
        QUEUED = "queued", _("Đang gửi")
        SENT = "sent", _("Đã gửi")
        # incoming
        MATCHED = "matched", _("Đã gắn với hồ sơ (tự động)")
        UNMATCHED = "unmatched", _("Chờ phân loại")
        ATTACHED = "attached", _("Đã gắn với hồ sơ")
        DISMISSED = "dismissed", _("Đã loại")

    direction = models.CharField(_("chiều"), max_length=3, choices=Direction.choices)
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices)
    # Ours: the sender of a letter that goes out, the recipient of one that comes in.
    agency = models.ForeignKey(
        "directory.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("cơ quan")
    )
    envelope_id = models.CharField(_("mã phong bì"), max_length=100)
    sender_code = models.CharField(_("cơ quan gửi"), max_length=40)
    sender_name = models.CharField(_("tên cơ quan gửi"), max_length=255, blank=True)
    recipients = models.JSONField(_("nơi nhận"), default=list)
    number = models.PositiveIntegerField(_("số"))
    notation = models.CharField(_("ký hiệu"), max_length=60)
    issued_on = models.DateField(_("ngày ban hành"))
    doc_type = models.CharField(_("loại văn bản"), max_length=100)
    subject = models.CharField(_("trích yếu"), max_length=1000)
    signer_name = models.CharField(_("người ký"), max_length=200)
    signer_position = models.CharField(_("chức vụ người ký"), max_length=200, blank=True)
    response_code = models.CharField(_("trả lời văn bản số"), max_length=100, blank=True)
    attachments = models.JSONField(_("tệp đính kèm"), default=list)  # name, type, sha256, size
    envelope = models.BinaryField(_("phong bì đã ký"))
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="official_documents",
        verbose_name=_("hồ sơ"),
    )
    step = models.ForeignKey(
        "catalog.WorkflowStep",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("bước xử lý"),
    )
    # An outgoing consultation that paused the dossier's clock until its answer comes.
    awaits_answer = models.BooleanField(default=False)
    answers = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="answered_by",
        verbose_name=_("trả lời văn bản"),
    )
    # What happened to the clock on receipt, or why it did not resume (shown to the officer).
    outcome = models.CharField(_("kết quả xử lý"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("tạo lúc"))
    sent_at = models.DateTimeField(_("gửi xong lúc"), null=True, blank=True)
    receipt = models.CharField(_("mã biên nhận của nơi nhận"), max_length=100, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = models.CharField(_("lý do loại"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("văn bản liên thông")
        verbose_name_plural = _("văn bản liên thông")
        constraints = [
            models.UniqueConstraint(
                fields=["sender_code", "envelope_id"], name="docexchange_envelope_once"
            ),
            models.CheckConstraint(
                condition=models.Q(direction="out", status__in=["queued", "sent"])
                | models.Q(
                    direction="in", status__in=["matched", "unmatched", "attached", "dismissed"]
                ),
                name="docexchange_status_of_direction",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["matched", "attached"])
                | models.Q(dossier__isnull=False),
                name="docexchange_matched_has_dossier",
            ),
        ]
        indexes = [
            models.Index(fields=["direction", "status"], name="docexchange_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.number}/{self.notation}"

    @property
    def code(self) -> str:
        return f"{self.number}/{self.notation}"
