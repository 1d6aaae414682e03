"""Electronic opinion ballots (phiếu lấy ý kiến thành viên UBND): a draft decision with its
attachments sent to the committee's members with a deadline; each member answers once; the
ballot is closed with its tally and then decided — issued or returned.

State: draft → open (sent) → closed (tallied) → decided. The rules the database can hold are
constraints: one answer per member of a ballot, the tally and the result set together."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.core.models import StoredUpload


class Ballot(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        OPEN = "open", _("Đang lấy ý kiến")
        CLOSED = "closed", _("Đã kết thúc, chờ quyết định")
        DECIDED = "decided", _("Đã quyết định")

    class Result(models.TextChoices):
        ADOPTED = "adopted", _("Được thông qua")
        RETURNED = "returned", _("Không được thông qua")

    class Decision(models.TextChoices):
        ISSUED = "issued", _("Ban hành quyết định")
        RETURNED = "returned", _("Trả lại cơ quan soạn thảo")

    number = models.CharField(_("số phiếu"), max_length=64, unique=True)
    title = models.CharField(_("trích yếu"), max_length=500)
    summary = models.TextField(_("tóm tắt dự thảo quyết định"))
    agency = models.ForeignKey(
        "directory.Agency",
        on_delete=models.PROTECT,
        related_name="ballots",
        verbose_name=_("cơ quan soạn thảo"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    created_at = models.DateTimeField(_("tạo lúc"))
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)
    deadline = models.DateTimeField(_("hạn trả lời"))
    state = models.CharField(
        _("trạng thái"), max_length=16, choices=State.choices, default=State.DRAFT
    )
    # The tally, written when the ballot is closed.
    closed_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True)
    agree = models.PositiveIntegerField(_("đồng ý"), null=True, blank=True)
    disagree = models.PositiveIntegerField(_("không đồng ý"), null=True, blank=True)
    comment_only = models.PositiveIntegerField(_("chỉ góp ý"), null=True, blank=True)
    no_answer = models.PositiveIntegerField(_("không trả lời"), null=True, blank=True)
    result = models.CharField(_("kết quả"), max_length=16, choices=Result.choices, blank=True)
    decision = models.CharField(
        _("quyết định"), max_length=16, choices=Decision.choices, blank=True
    )
    decided_at = models.DateTimeField(_("quyết định lúc"), null=True, blank=True)
    decision_note = models.TextField(_("ghi chú quyết định"), blank=True)
    # `core.text.search_fold` of the number and the title: the archive's search key.
    search_key = models.CharField(max_length=700, editable=False, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("phiếu lấy ý kiến")
        verbose_name_plural = _("phiếu lấy ý kiến")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="draft", sent_at__isnull=True)
                | models.Q(state__in=["open", "closed", "decided"], sent_at__isnull=False),
                name="ballot_sent_when_not_draft",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=["draft", "open"], closed_at__isnull=True, result="")
                | models.Q(
                    state__in=["closed", "decided"],
                    closed_at__isnull=False,
                    agree__isnull=False,
                    disagree__isnull=False,
                    comment_only__isnull=False,
                    no_answer__isnull=False,
                    result__in=["adopted", "returned"],
                ),
                name="ballot_tally_when_closed",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(state="decided", decided_at__isnull=False) & ~models.Q(decision="")
                )
                | models.Q(
                    state__in=["draft", "open", "closed"], decided_at__isnull=True, decision=""
                ),
                name="ballot_decision_when_decided",
            ),
        ]
        indexes = [models.Index(fields=["state", "deadline"], name="ballot_state_deadline")]

    def __str__(self) -> str:
        return f"{self.number} — {self.title}"


def _attachment_path(attachment: BallotAttachment, filename: str) -> str:
    # Never the uploader's file name on disk.
    return f"ballots/{attachment.ballot_id}/{attachment.sha256[:16]}"


class BallotAttachment(StoredUpload):
    """The draft decision and its annexes; served only through the permission-checked view,
    as an attachment (`core.downloads.upload_response`)."""

    ballot = models.ForeignKey(
        Ballot, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("phiếu")
    )
    file = models.FileField(_("tệp"), upload_to=_attachment_path)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("tài liệu kèm phiếu")
        verbose_name_plural = _("tài liệu kèm phiếu")


class BallotMember(models.Model):
    ballot = models.ForeignKey(
        Ballot, on_delete=models.CASCADE, related_name="members", verbose_name=_("phiếu")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="ballot_seats",
        verbose_name=_("thành viên"),
    )
    invited_at = models.DateTimeField(_("mời lúc"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("nhắc lúc"), null=True, blank=True)

    class Meta:
        ordering = ["ballot_id", "pk"]
        verbose_name = _("thành viên được lấy ý kiến")
        verbose_name_plural = _("thành viên được lấy ý kiến")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "user"], name="ballot_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id}: {self.user}"


class BallotAnswer(models.Model):
    class Choice(models.TextChoices):
        AGREE = "agree", _("Đồng ý")
        DISAGREE = "disagree", _("Không đồng ý")
        COMMENT = "comment", _("Ý kiến khác (chỉ góp ý)")

    ballot = models.ForeignKey(
        Ballot, on_delete=models.CASCADE, related_name="answers", verbose_name=_("phiếu")
    )
    member = models.ForeignKey(
        BallotMember, on_delete=models.PROTECT, related_name="answers", verbose_name=_("thành viên")
    )
    choice = models.CharField(_("ý kiến"), max_length=16, choices=Choice.choices)
    comment = models.TextField(_("góp ý"), blank=True)
    answered_at = models.DateTimeField(_("trả lời lúc"))

    class Meta:
        ordering = ["answered_at", "pk"]
        verbose_name = _("ý kiến thành viên")
        verbose_name_plural = _("ý kiến thành viên")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "member"], name="ballot_answer_once"),
            models.CheckConstraint(
                condition=~models.Q(choice="comment") | ~models.Q(comment=""),
                name="ballot_answer_comment_has_text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id}/{self.member_id}: {self.choice}"
