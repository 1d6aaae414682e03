"""Petitions (phản ánh, kiến nghị — PAKN): what a citizen tells an agency, and its answer.

`state`, the reply fields and the rating are written only by `feedback.services`, each change
with an immutable `PetitionEvent` and the index counters moved in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.core.models import StoredUpload
from motcua.directory.models import Agency


class Kind(models.TextChoices):
    REFLECTION = "reflection", _("Phản ánh")
    RECOMMENDATION = "recommendation", _("Kiến nghị")


class PetitionState(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận, đang xử lý")
    ANSWERED = "answered", _("Đã trả lời")
    REJECTED = "rejected", _("Không thuộc phạm vi xử lý")


class PetitionRating(models.TextChoices):
    SATISFIED = "satisfied", _("Hài lòng")
    UNSATISFIED = "unsatisfied", _("Không hài lòng")


class Petition(models.Model):
    """A petition addressed to one agency, optionally about the citizen's own dossier.

    `answered_at` / `answered_by` record the agency's reply, whether an answer or a rejection
    (the state tells which): both close the petition and both count for the answer deadline.
    """

    reference = models.CharField(_("mã phản ánh"), max_length=32, unique=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="petitions", verbose_name=_("gửi tới")
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="petitions",
        verbose_name=_("về hồ sơ"),
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="petitions",
        verbose_name=_("người gửi"),
    )
    kind = models.CharField(_("loại"), max_length=16, choices=Kind.choices)
    subject = models.CharField(_("tiêu đề"), max_length=200)
    content = models.TextField(_("nội dung"))
    publish_consent = models.BooleanField(_("đồng ý công khai"), default=False)
    # The sender's consent is not enough: an answer may name people, so it is listed publicly
    # only when the answering officer says so.
    answer_published = models.BooleanField(
        _("công khai câu trả lời"), default=False, editable=False
    )
    created_at = models.DateTimeField(_("ngày tiếp nhận"), editable=False)
    due_at = models.DateTimeField(_("hạn trả lời"), editable=False)
    state = models.CharField(
        _("trạng thái"),
        max_length=16,
        choices=PetitionState.choices,
        default=PetitionState.RECEIVED,
        editable=False,
    )
    answer = models.TextField(_("nội dung trả lời"), blank=True, editable=False)
    reject_reason = models.TextField(_("lý do không xử lý"), blank=True, editable=False)
    answered_at = models.DateTimeField(_("trả lời lúc"), null=True, blank=True, editable=False)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người trả lời"),
        editable=False,
    )
    rating = models.CharField(
        _("đánh giá"), max_length=16, choices=PetitionRating.choices, blank=True, editable=False
    )
    rated_at = models.DateTimeField(_("đánh giá lúc"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        indexes = [
            models.Index(fields=["agency", "state", "due_at"], name="petition_queue"),
            models.Index(fields=["citizen", "-created_at"], name="petition_citizen_recent"),
            models.Index(fields=["answer_published", "-answered_at"], name="petition_public"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(state="received", answered_at__isnull=True)
                    | models.Q(state__in=["answered", "rejected"], answered_at__isnull=False)
                ),
                name="petition_reply_matches_state",
            ),
            models.CheckConstraint(
                condition=models.Q(rating="", rated_at__isnull=True)
                | models.Q(
                    state="answered",
                    rating__in=["satisfied", "unsatisfied"],
                    rated_at__isnull=False,
                ),
                name="petition_rating_after_answer",
            ),
            models.CheckConstraint(
                condition=models.Q(answer_published=False)
                | models.Q(answer_published=True, publish_consent=True, state="answered"),
                name="petition_published_answer_consented",
            ),
            models.CheckConstraint(
                condition=models.Q(due_at__gt=models.F("created_at")),
                name="petition_due_after_receipt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.subject}"


class PetitionEvent(models.Model):
    """One step of a petition's history; rows are only ever added."""

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="events", verbose_name=_("phản ánh")
    )
    seq = models.PositiveIntegerField(_("thứ tự"))
    at = models.DateTimeField(_("thời điểm"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người thực hiện"),
    )
    action = models.CharField(_("hành động"), max_length=16)
    from_state = models.CharField(_("từ trạng thái"), max_length=16, blank=True)
    to_state = models.CharField(_("sang trạng thái"), max_length=16)
    payload = models.JSONField(_("chi tiết"), default=dict, blank=True)

    class Meta:
        ordering = ["petition", "seq"]
        verbose_name = _("diễn biến phản ánh")
        verbose_name_plural = _("diễn biến phản ánh")
        constraints = [
            models.UniqueConstraint(fields=["petition", "seq"], name="petition_event_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} #{self.seq} {self.action}"


def _photo_path(photo: PetitionPhoto, filename: str) -> str:
    # Never the sender's file name on disk.
    return f"petitions/{photo.petition_id}/{photo.sha256[:16]}"


class PetitionPhoto(StoredUpload):
    """A photo sent with a petition (from the messaging channel): JPEG or PNG, checked by
    `core.uploads.upload_check`, written with the petition in `petition_submit`."""

    petition = models.ForeignKey(
        Petition, on_delete=models.CASCADE, related_name="photos", verbose_name=_("phản ánh")
    )
    file = models.FileField(_("tệp"), upload_to=_photo_path)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("ảnh kèm phản ánh")
        verbose_name_plural = _("ảnh kèm phản ánh")
