"""National mode (domain.md §12.1): the provinces' keys, the messages already applied, the
latest snapshot of every dossier, and the daily counters the ranking sums.

Every key starts with the province's 2-digit code so that each table can be partitioned (or
sharded) by province without a query ever joining across partitions (docs/scaling.md).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Peer(models.Model):
    """A province instance allowed to send signed batches: its code and Ed25519 public key.

    At most one active key per province; rotating a key revokes the old row and adds a new
    one, so the history of keys stays readable."""

    province = models.CharField(_("mã tỉnh"), max_length=2)
    name = models.CharField(_("tên"), max_length=200)
    public_key = models.TextField(_("khóa công khai (PEM)"))
    added_at = models.DateTimeField(_("thêm lúc"))
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        ordering = ["province", "-added_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["province"],
                condition=Q(revoked_at__isnull=True),
                name="national_peer_one_active_key",
            ),
        ]
        verbose_name = _("tỉnh kết nối")
        verbose_name_plural = _("tỉnh kết nối")

    def __str__(self) -> str:
        return f"{self.province} {self.name}"


class ReceivedMessage(models.Model):
    """A message id already applied (or found stale): a second copy is a duplicate."""

    # The key is the only index: each batch inserts 500 of these.
    pk = models.CompositePrimaryKey("province", "message_id")
    province = models.CharField(max_length=2)
    message_id = models.UUIDField()
    code = models.CharField(max_length=64)
    batch_id = models.UUIDField()
    received_at = models.DateTimeField()

    class Meta:
        verbose_name = _("thông điệp đã nhận")
        verbose_name_plural = _("thông điệp đã nhận")

    def __str__(self) -> str:
        return f"{self.province} {self.message_id}"


class Snapshot(models.Model):
    """The latest version of one dossier of one province, as its last accepted message said.

    `supplement_count` keeps the dossiers' field name so that §7's on-time rule
    (`dossiers.metrics.is_on_time`, `ON_TIME`) reads a snapshot as it reads a dossier."""

    province = models.CharField(_("mã tỉnh"), max_length=2)
    code = models.CharField(_("mã hồ sơ"), max_length=64)
    version = models.BigIntegerField(_("phiên bản"))
    status = models.PositiveSmallIntegerField(_("trạng thái"))
    channel = models.PositiveSmallIntegerField(_("kênh nộp"))
    procedure_code = models.CharField(max_length=64)
    procedure_name = models.CharField(max_length=500, blank=True)
    sector = models.CharField(max_length=255, blank=True)
    agency_code = models.CharField(max_length=64)
    agency_name = models.CharField(max_length=255, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    refused_at = models.DateTimeField(null=True, blank=True)
    supplement_count = models.IntegerField(default=0)
    digitized = models.BooleanField(default=False)
    e_result = models.BooleanField(default=False)
    result_to_store = models.BooleanField(default=False)
    fee_amount = models.BigIntegerField(default=0)
    paid_online = models.BooleanField(default=False)
    # When the online payment was confirmed: the message's `paid_online_at` when it carries
    # one, else its reception (the contract names no payment moment).
    paid_online_at = models.DateTimeField(null=True, blank=True)
    rating = models.CharField(max_length=16, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    reused_data = models.BooleanField(default=False)
    registry_used = models.BooleanField(default=False)
    vneid_verified = models.BooleanField(default=False)
    # Whether the national catalog offers the procedure online (full or partial) when the
    # version arrived: the denominator of `online_dossiers`, as the province reads it.
    offers_online = models.BooleanField(default=False)
    applicant_kind = models.PositiveSmallIntegerField(null=True, blank=True)
    applicant_id_kind = models.CharField(max_length=32, blank=True)
    applicant_id = models.CharField(max_length=64, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    progress = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["province", "code"]
        constraints = [
            models.UniqueConstraint(fields=["province", "code"], name="national_snapshot_unique"),
            models.CheckConstraint(
                condition=Q(status__gte=1, status__lte=10), name="national_snapshot_status"
            ),
            models.CheckConstraint(
                condition=Q(channel__gte=1, channel__lte=3), name="national_snapshot_channel"
            ),
        ]
        indexes = [
            # A code claimed by another province is refused: found by code alone.
            models.Index(fields=["code"], name="national_snapshot_code"),
            models.Index(
                fields=["province", "agency_code", "received_at"], name="national_snap_received"
            ),
            models.Index(
                fields=["province", "agency_code", "finished_at"], name="national_snap_finished"
            ),
        ]
        verbose_name = _("hồ sơ đồng bộ")
        verbose_name_plural = _("hồ sơ đồng bộ")

    def __str__(self) -> str:
        return f"{self.province} {self.code} v{self.version}"


# The metrics a snapshot feeds (`national.metrics.contributions_add`), one column each:
# a batch moves one row per (agency, day) it touches instead of one per metric as well.
METRICS = (
    "received",
    "received_online",
    "received_online_offer",
    "received_online_offer_online",
    "synced",
    "digitized",
    "reused",
    "registry_used",
    "with_fee",
    "with_fee_paid_online",
    "finished",
    "finished_on_time",
    "e_result",
    "e_result_to_store",
    "rated",
    "rated_satisfied",
    "payments_online",
    "payments_online_amount",
)


class Metrics(models.Model):
    received = models.BigIntegerField(default=0)
    received_online = models.BigIntegerField(default=0)
    received_online_offer = models.BigIntegerField(default=0)
    received_online_offer_online = models.BigIntegerField(default=0)
    synced = models.BigIntegerField(default=0)
    digitized = models.BigIntegerField(default=0)
    reused = models.BigIntegerField(default=0)
    registry_used = models.BigIntegerField(default=0)
    with_fee = models.BigIntegerField(default=0)
    with_fee_paid_online = models.BigIntegerField(default=0)
    finished = models.BigIntegerField(default=0)
    finished_on_time = models.BigIntegerField(default=0)
    e_result = models.BigIntegerField(default=0)
    e_result_to_store = models.BigIntegerField(default=0)
    rated = models.BigIntegerField(default=0)
    rated_satisfied = models.BigIntegerField(default=0)
    payments_online = models.BigIntegerField(default=0)
    payments_online_amount = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class ProvinceCounter(Metrics):
    """How many snapshots of a province count towards each metric on a day
    (Asia/Ho_Chi_Minh): what the ranking of the 34 provinces sums."""

    pk = models.CompositePrimaryKey("province", "day")
    province = models.CharField(max_length=2)
    day = models.DateField()

    class Meta:
        verbose_name = _("bộ đếm cấp tỉnh")
        verbose_name_plural = _("bộ đếm cấp tỉnh")

    def __str__(self) -> str:
        return f"{self.province} {self.day}"


class AgencyCounter(Metrics):
    """The same counts by the agency that handled the dossier: the drill-down's numbers."""

    pk = models.CompositePrimaryKey("province", "agency_code", "day")
    province = models.CharField(max_length=2)
    agency_code = models.CharField(max_length=64)
    day = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["province", "day"], name="national_agency_counter_day"),
        ]
        verbose_name = _("bộ đếm cấp cơ quan")
        verbose_name_plural = _("bộ đếm cấp cơ quan")

    def __str__(self) -> str:
        return f"{self.province} {self.agency_code} {self.day}"
