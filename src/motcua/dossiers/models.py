from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Procedure, WorkflowStep
from motcua.directory.models import Agency, Office


class State(models.TextChoices):
    DRAFT = "draft", _("Bản nháp")
    SUBMITTED = "submitted", _("Đã nộp trực tuyến, chờ tiếp nhận")
    RECEIVED = "received", _("Đã tiếp nhận")
    IN_PROGRESS = "in_progress", _("Đang xử lý")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung")
    SUSPENDED = "suspended", _("Tạm dừng")
    TRANSFERRED = "transferred", _("Đang liên thông")
    RESULT_READY = "result_ready", _("Đã có kết quả")
    RETURNED = "returned", _("Đã trả kết quả")
    REFUSED = "refused", _("Từ chối giải quyết")
    WITHDRAWN = "withdrawn", _("Đã rút hồ sơ")
    CANCELLED = "cancelled", _("Đã hủy")


TERMINAL_STATES = frozenset({State.RETURNED, State.REFUSED, State.WITHDRAWN, State.CANCELLED})
OPEN_AFTER_RECEPTION = frozenset(
    {
        State.RECEIVED,
        State.IN_PROGRESS,
        State.SUPPLEMENT_REQUESTED,
        State.SUSPENDED,
        State.TRANSFERRED,
    }
)


class Channel(models.TextChoices):
    ONLINE = "online", _("Trực tuyến")
    DIRECT = "direct", _("Trực tiếp")
    POSTAL = "postal", _("Bưu chính công ích")


class ApplicantKind(models.IntegerChoices):
    CITIZEN = 1, _("Công dân")
    ENTERPRISE = 2, _("Doanh nghiệp")
    STATE_AGENCY = 3, _("Cơ quan nhà nước")
    OTHER = 4, _("Tổ chức khác")


class Rating(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("Rất hài lòng")
    SATISFIED = "satisfied", _("Hài lòng")
    UNSATISFIED = "unsatisfied", _("Không hài lòng")


def _set_index(field: str, name: str) -> models.Index:
    """An index of an optional reference over the rows where it is set: no page looks a
    dossier up by a missing office, applicant, step or assignee (each asks for a value, which
    implies the condition), and a dossier without one — every imported dossier — is inserted
    without touching the index."""
    return models.Index(
        fields=[field], condition=models.Q(**{f"{field}__isnull": False}), name=name
    )


class WaitOnFailure(models.TextChoices):
    """What a dossier waiting for another's result (`Dossier.waits_for`) does when that one
    ends without a result (refused, withdrawn, cancelled): the bundle's rule, copied onto the
    waiting dossier when the bundle is submitted."""

    WITHDRAW = "withdraw", _("rút theo hồ sơ được chờ")
    RELEASE = "release", _("vẫn tiếp tục giải quyết")


class Dossier(models.Model):
    """A dossier (hồ sơ). `state` and the derived clock fields are written only by
    `dossiers.lifecycle.dossier_transition`."""

    class RefusedStage(models.TextChoices):
        NONE = "", _("—")
        RECEPTION = "reception", _("Khi tiếp nhận")
        PROCESSING = "processing", _("Sau khi xử lý")

    class SuspendKind(models.TextChoices):
        NONE = "", _("—")
        FINANCIAL = "financial", _("Chờ thực hiện nghĩa vụ tài chính")
        OTHER = "other", _("Lý do khác")

    # Unique by the constraints below, not `unique=True`: on PostgreSQL that would add a second
    # (`varchar_pattern_ops`) index for `LIKE 'x%'`, which no query of a dossier's code makes.
    reference = models.CharField(_("mã tham chiếu"), max_length=32)
    code = models.CharField(_("mã hồ sơ"), max_length=96, null=True, blank=True)
    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("thủ tục")
    )
    # Its index is the first column of the agency's three below.
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("cơ quan giải quyết"),
        db_index=False,
    )
    # The optional references are indexed only where set (`_set_index`), and have no database
    # constraint (`db_constraint=False`): an import leaves them empty, and PostgreSQL would
    # still run a deferred check for each of them on every inserted row. They are written
    # only from rows the writer holds, and `on_delete` is Django's own either way
    # (docs/decisions/0007-optional-references-without-constraints.md).
    office = models.ForeignKey(
        Office,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("nơi tiếp nhận"),
        db_index=False,
        db_constraint=False,
    )
    channel = models.CharField(_("kênh nộp"), max_length=8, choices=Channel.choices)
    state = models.CharField(
        _("trạng thái"), max_length=24, choices=State.choices, default=State.DRAFT, editable=False
    )
    # The state to go back to after a supplement, a suspension or a transfer.
    state_before_pause = models.CharField(max_length=24, blank=True, editable=False)

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("tài khoản người nộp"),
        db_index=False,
        db_constraint=False,
    )
    applicant_kind = models.PositiveSmallIntegerField(
        _("loại người nộp"), choices=ApplicantKind.choices, default=ApplicantKind.CITIZEN
    )
    applicant_name = models.CharField(_("họ tên / tên tổ chức"), max_length=255)
    applicant_id_number = models.CharField(
        _("số định danh / mã số doanh nghiệp"), max_length=13, blank=True
    )
    applicant_address = models.CharField(_("địa chỉ"), max_length=500, blank=True)
    applicant_email = models.EmailField(_("thư điện tử"), blank=True)
    applicant_phone = models.CharField(_("điện thoại"), max_length=20, blank=True)
    # The applicant's account was verified with VNeID (§12, §12.1's `vneid_verified`): set when
    # a VNeID-verified account applies online, and when its first VNeID sign-in links the
    # dossiers already carrying its personal ID.
    vneid_verified = models.BooleanField(
        _("xác thực VNeID"), default=False, db_default=False, editable=False
    )
    summary = models.CharField(_("trích yếu"), max_length=500, blank=True)
    form_data = models.JSONField(_("dữ liệu tờ khai"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người tạo"),
        db_index=False,
        db_constraint=False,
    )

    created_at = models.DateTimeField(_("tạo lúc"))
    submitted_at = models.DateTimeField(_("nộp lúc"), null=True, blank=True, editable=False)
    received_at = models.DateTimeField(_("tiếp nhận lúc"), null=True, blank=True, editable=False)
    due_at = models.DateTimeField(_("hạn trả kết quả"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("có kết quả lúc"), null=True, blank=True, editable=False)
    returned_at = models.DateTimeField(_("trả kết quả lúc"), null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(_("kết thúc lúc"), null=True, blank=True, editable=False)
    refused_stage = models.CharField(
        max_length=12, choices=RefusedStage.choices, blank=True, editable=False
    )
    suspend_kind = models.CharField(
        max_length=12, choices=SuspendKind.choices, blank=True, editable=False
    )
    paused_at = models.DateTimeField(null=True, blank=True, editable=False)
    supplement_count = models.PositiveSmallIntegerField(
        _("số lần yêu cầu bổ sung sau tiếp nhận"), default=0, editable=False
    )
    supplement_due_at = models.DateTimeField(
        _("hạn nộp bổ sung"), null=True, blank=True, editable=False
    )
    current_step = models.ForeignKey(
        WorkflowStep,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("bước hiện tại"),
        db_index=False,
        db_constraint=False,
    )
    step_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    step_due_at = models.DateTimeField(_("hạn của bước"), null=True, blank=True, editable=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_dossiers",
        editable=False,
        verbose_name=_("người đang xử lý"),
        db_index=False,
        db_constraint=False,
    )
    transfer_agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        verbose_name=_("cơ quan liên thông"),
        db_index=False,
        db_constraint=False,
    )

    # A dossier of a bundle (liên thông, `bundles`) that needs another dossier's result: it is
    # not received — its clock does not start — until that result is returned and the wait
    # released (`wait_released_at`, `lifecycle.waits`); `wait_on_failure` says what it does
    # if the other ends without a result. Set once, when the bundle is submitted.
    waits_for = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="waiters",
        editable=False,
        verbose_name=_("chờ kết quả của hồ sơ"),
        db_index=False,
        db_constraint=False,
    )
    wait_released_at = models.DateTimeField(_("hết chờ lúc"), null=True, blank=True, editable=False)
    wait_on_failure = models.CharField(
        max_length=10,
        choices=WaitOnFailure.choices,
        blank=True,
        default="",
        db_default="",
        editable=False,
    )

    fee_amount = models.BigIntegerField(_("phí, lệ phí (đồng)"), default=0)
    # The fee category picked among the procedure's alternative rates (group → condition,
    # `catalog.fees`): the counter, the payment and the receipt read the same choice.
    fee_choice = models.JSONField(_("đối tượng nộp phí, lệ phí"), default=dict, blank=True)
    paid_online = models.BooleanField(_("đã thanh toán trực tuyến"), default=False)
    # The moment the online payment was confirmed (§8 counts payments by it); set with
    # `paid_online` and never moved by a later payment.
    paid_online_at = models.DateTimeField(
        _("thanh toán trực tuyến lúc"), null=True, blank=True, editable=False
    )
    digitized = models.BooleanField(_("đã số hóa"), default=False)
    e_result = models.BooleanField(_("có kết quả điện tử"), default=False)
    result_to_store = models.BooleanField(_("kết quả đưa vào kho dữ liệu"), default=False)
    reused_data = models.BooleanField(_("tái sử dụng dữ liệu"), default=False)
    registry_used = models.BooleanField(_("khai thác CSDL dân cư"), default=False)
    synced = models.BooleanField(_("đã đồng bộ Cổng DVC quốc gia"), default=False)
    rating = models.CharField(
        _("đánh giá mức độ hài lòng"), max_length=16, choices=Rating.choices, blank=True
    )
    rated_at = models.DateTimeField(_("đánh giá lúc"), null=True, blank=True)

    apology_appointment_at = models.DateTimeField(
        _("hẹn lại ngày trả (văn bản xin lỗi)"), null=True, blank=True, editable=False
    )

    version = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        indexes = [
            models.Index(fields=["agency", "state", "due_at"], name="dossier_agency_state_due"),
            models.Index(fields=["agency", "received_at"], name="dossier_agency_received"),
            models.Index(fields=["agency", "finished_at"], name="dossier_agency_finished"),
            # The dossiers open now (received, neither finished nor closed): the KPIs' open
            # overdue count at a province reads these entries alone, never the rows (on
            # PostgreSQL an index-only scan; `received_at` is a key, not an INCLUDE, so
            # that SQLite keeps the same index).
            models.Index(
                fields=["agency", "due_at", "received_at"],
                condition=models.Q(
                    received_at__isnull=False, finished_at__isnull=True, closed_at__isnull=True
                ),
                name="dossier_open_due",
            ),
            # Closed without a result (refused at reception, withdrawn, cancelled): with the
            # finished index, what was still open at a past moment and has ended since.
            models.Index(
                fields=["agency", "closed_at"],
                condition=models.Q(finished_at__isnull=True, closed_at__isnull=False),
                name="dossier_closed_no_result",
            ),
            models.Index(
                fields=["applicant", "-created_at"],
                condition=models.Q(applicant__isnull=False),
                name="dossier_applicant",
            ),
            # The dossiers a first VNeID sign-in links to the new account (walk-ins, imports).
            models.Index(
                fields=["applicant_id_number"],
                condition=models.Q(applicant__isnull=True) & ~models.Q(applicant_id_number=""),
                name="dossier_unlinked_id",
            ),
            _set_index("office", "dossier_office_set"),
            _set_index("created_by", "dossier_created_by_set"),
            _set_index("current_step", "dossier_current_step_set"),
            _set_index("assignee", "dossier_assignee_set"),
            _set_index("transfer_agency", "dossier_transfer_agency_set"),
            _set_index("waits_for", "dossier_waits_for_set"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="dossier_reference_unique"),
            models.UniqueConstraint(fields=["code"], name="dossier_code_unique"),
            models.CheckConstraint(condition=models.Q(fee_amount__gte=0), name="dossier_fee_gte_0"),
            models.CheckConstraint(
                condition=models.Q(code__isnull=True) | models.Q(received_at__isnull=False),
                name="dossier_code_only_when_received",
            ),
        ]

    def __str__(self) -> str:
        return self.code or self.reference

    @property
    def public_code(self) -> str:
        return self.code or self.reference

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

    @property
    def appointment_at(self):
        """The appointment the applicant holds: an apology's new date, else the due moment.
        The index always judges by `due_at` (§6)."""
        return self.apology_appointment_at or self.due_at


class DossierEvent(models.Model):
    """The immutable audit trail of a dossier: one row per transition."""

    # Looked up through the first column of `dossier_event_seq_unique` and of
    # `dossier_event_actor_at` (only where an actor is set): no index of their own.
    dossier = models.ForeignKey(
        Dossier,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("hồ sơ"),
        db_index=False,
    )
    seq = models.PositiveIntegerField(_("thứ tự"))
    at = models.DateTimeField(_("thời điểm"))
    # No database constraint, like the dossier's optional references (decision 0007).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("người thực hiện"),
        db_index=False,
        db_constraint=False,
    )
    action = models.CharField(_("hành động"), max_length=32)
    from_state = models.CharField(_("từ trạng thái"), max_length=24, blank=True)
    to_state = models.CharField(_("sang trạng thái"), max_length=24)
    note = models.TextField(_("ghi chú"), blank=True)
    payload = models.JSONField(_("chi tiết"), default=dict, blank=True)
    # SHA-256 over this event and the hash of the one before (`dossiers.audit.chain`): the
    # dossier's history is a hash chain `motcua audit-verify` recomputes.
    hash = models.CharField(_("mã băm"), max_length=64, blank=True, default="", editable=False)

    class Meta:
        ordering = ["dossier", "seq"]
        verbose_name = _("nhật ký hồ sơ")
        verbose_name_plural = _("nhật ký hồ sơ")
        constraints = [
            models.UniqueConstraint(fields=["dossier", "seq"], name="dossier_event_seq_unique"),
        ]
        indexes = [
            # Today's page: what one officer received today. By the actor alone the read
            # walks every event of a busy counter officer's years.
            # The events no one did (imports, the system's) are never looked up by actor.
            models.Index(
                fields=["actor", "at"],
                condition=models.Q(actor__isnull=False),
                name="dossier_event_actor_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Dossier events are immutable.")
        super().save(*args, **kwargs)


class AuditRoot(models.Model):
    """A signed root over the heads of the dossiers' event chains (`dossiers.audit.roots`).

    Each root covers the events written since the root before it (ids up to
    `last_event_id`): its heads are the last such event of every dossier touched, and it
    commits to the previous root, so the roots together commit to every chain. It lives
    beside the events because it is about them; `core` sits below the dossiers and must not
    know them."""

    day = models.DateField(_("ngày"))
    made_at = models.DateTimeField(_("lập lúc"))
    last_event_id = models.BigIntegerField(_("thao tác cuối"))
    prev = models.CharField(_("gốc trước"), max_length=64)
    heads_count = models.PositiveIntegerField(_("số hồ sơ"))
    heads_digest = models.CharField(_("mã băm các đầu chuỗi"), max_length=64)
    root = models.CharField(_("gốc"), max_length=64, unique=True)
    signature = models.CharField(_("chữ ký"), max_length=128)
    public_key = models.CharField(_("khoá công khai"), max_length=64)

    class Meta:
        ordering = ["id"]
        verbose_name = _("gốc nhật ký hồ sơ")
        verbose_name_plural = _("gốc nhật ký hồ sơ")

    def __str__(self) -> str:
        return f"{self.day} {self.root[:16]}"


class AuditRootHead(models.Model):
    """The last event of one dossier when a root was made. The dossier is kept by id and
    reference, not by a foreign key: a dossier deleted with its events must still be named."""

    audit_root = models.ForeignKey(AuditRoot, on_delete=models.CASCADE, related_name="heads")
    dossier_id = models.BigIntegerField()
    reference = models.CharField(max_length=32)
    code = models.CharField(max_length=96, blank=True)
    seq = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["audit_root", "dossier_id"], name="audit_root_head_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference}#{self.seq}"


class DailySequence(models.Model):
    """The last dossier number issued by an agency on a day (codes are gap-free, §6)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="daily_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.last}"


def _document_path(document: DossierDocument, filename: str) -> str:
    # Never the applicant's file name on disk: it may hold personal data.
    return f"dossiers/{document.dossier_id}/{document.sha256[:16]}-{document.kind}"


class DossierDocument(models.Model):
    """A file of a dossier: what the applicant submitted, the counter's scans, the result.
    Files are served only through permission-checked views, never as public media."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("Người nộp gửi")
        SCAN = "scan", _("Bản quét (số hóa)")
        RESULT = "result", _("Kết quả giải quyết")

    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="documents", verbose_name=_("hồ sơ")
    )
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices)
    required_document = models.ForeignKey(
        "catalog.RequiredDocument",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("thành phần hồ sơ"),
    )
    file = models.FileField(_("tệp"), upload_to=_document_path)
    name = models.CharField(_("tên tệp"), max_length=255)
    content_type = models.CharField(_("kiểu tệp"), max_length=100)
    size = models.PositiveIntegerField(_("dung lượng (byte)"))
    sha256 = models.CharField(max_length=64)
    reused_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reuses",
        verbose_name=_("tái sử dụng từ"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("người tải lên"),
    )
    created_at = models.DateTimeField(_("tải lên lúc"))

    class Meta:
        ordering = ["dossier", "id"]
        verbose_name = _("tài liệu hồ sơ")
        verbose_name_plural = _("tài liệu hồ sơ")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.name}"


class StoredDocument(models.Model):
    """An entry of a citizen's personal data store (kho dữ liệu điện tử của công dân): a file
    they submitted, a result issued to them, a certified copy. The bytes stay in the dossier
    (`source`); the entry says whose it is, what kind, who issued it and until when it is
    valid. Removing it (`removed_at`) hides it from the store; the dossier's file stays, it is
    part of the dossier's record (`dossiers.store`)."""

    class Origin(models.TextChoices):
        SUBMITTED = "submitted", _("Công dân đã nộp")
        RESULT = "result", _("Kết quả giải quyết")
        CERTIFIED_COPY = "certified_copy", _("Bản sao chứng thực")

    owner_id_number = models.CharField(_("số định danh cá nhân"), max_length=12, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("tài khoản"),
    )
    source = models.ForeignKey(
        DossierDocument,
        on_delete=models.CASCADE,
        related_name="stored_entries",
        verbose_name=_("tài liệu hồ sơ"),
    )
    origin = models.CharField(_("nguồn"), max_length=16, choices=Origin.choices)
    kind = models.CharField(_("loại giấy tờ"), max_length=255)
    title = models.CharField(_("tên giấy tờ"), max_length=255)
    issuer = models.CharField(_("nơi cấp"), max_length=255)
    valid_until = models.DateField(_("có giá trị đến"), null=True, blank=True)
    created_at = models.DateTimeField(_("đưa vào kho lúc"))
    removed_at = models.DateTimeField(_("xóa khỏi kho lúc"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("giấy tờ trong kho dữ liệu")
        verbose_name_plural = _("giấy tờ trong kho dữ liệu")
        constraints = [
            # One entry per file of a dossier: adding again (a replayed hook, the backfill)
            # changes nothing, and an entry the owner removed stays removed.
            models.UniqueConstraint(fields=["source"], name="stored_document_source_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id_number}: {self.title}"

    @property
    def expired(self) -> bool:
        # The last valid day counts (Asia/Ho_Chi_Minh); `store.usable_on` is the same rule.
        return self.valid_until is not None and self.valid_until < timezone.localdate()
