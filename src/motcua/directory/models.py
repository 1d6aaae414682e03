from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import ValidationFailed
from motcua.core.worktime import DEFAULT_HOURS, OfficeHours


class Division(models.Model):
    """An administrative division in force since 1 July 2025 (province or commune level)."""

    class Kind(models.TextChoices):
        CENTRAL_CITY = "thanh_pho_trung_uong", _("Thành phố trực thuộc trung ương")
        PROVINCE = "tinh", _("Tỉnh")
        WARD = "phuong", _("Phường")
        COMMUNE = "xa", _("Xã")
        SPECIAL_ZONE = "dac_khu", _("Đặc khu")

    code = models.CharField(_("mã"), max_length=8, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    kind = models.CharField(_("loại"), max_length=32, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("trực thuộc"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")

    def __str__(self) -> str:
        return self.name


def validate_office_hours(value: str) -> None:
    try:
        OfficeHours.parse(value)
    except ValidationFailed as error:
        raise ValidationError(error.message) from error


class Agency(models.Model):
    class Level(models.TextChoices):
        MINISTRY = "ministry", _("Bộ, ngành")
        PROVINCE = "province", _("Cấp tỉnh")
        DEPARTMENT = "department", _("Sở, ban, ngành")
        COMMUNE = "commune", _("Cấp xã")

    code = models.CharField(
        _("mã định danh"),
        max_length=64,
        unique=True,
        help_text=_("Mã định danh điện tử của cơ quan, ví dụ H15.50.05.13 hoặc 000.00.12.H12."),
    )
    name = models.CharField(_("tên cơ quan"), max_length=255)
    level = models.CharField(_("cấp"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("cơ quan cấp trên"),
    )
    division = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("địa bàn")
    )
    office_hours = models.CharField(
        _("giờ làm việc"),
        max_length=100,
        default=str(DEFAULT_HOURS),
        validators=[validate_office_hours],
        help_text=_("Các buổi làm việc trong ngày, ví dụ 07:30-11:30,13:00-17:00."),
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        verbose_name=_("đã sáp nhập vào"),
        editable=False,
    )
    # From this day the agency's figures count under `merged_into` (the 2025 reorganisation):
    # recorded only through `directory.services.agency_merge`; read through
    # `directory.selectors.agency_scope`.
    merged_on = models.DateField(_("sáp nhập từ ngày"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("cơ quan, đơn vị")
        verbose_name_plural = _("cơ quan, đơn vị")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="agency_not_own_parent"
            ),
            models.CheckConstraint(
                condition=models.Q(merged_into__isnull=True, merged_on__isnull=True)
                | models.Q(merged_into__isnull=False, merged_on__isnull=False),
                name="agency_merged_into_with_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("pk")), name="agency_not_merged_into_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Office(models.Model):
    """A one-stop office (bộ phận một cửa) receiving for one or more agencies."""

    code = models.CharField(_("mã"), max_length=64, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    agencies = models.ManyToManyField(
        Agency, related_name="offices", verbose_name=_("tiếp nhận cho cơ quan")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("bộ phận một cửa")
        verbose_name_plural = _("bộ phận một cửa")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """Staff sign in with a username; citizens with their 12-digit personal ID (§12)."""

    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    personal_id = models.CharField(
        _("số định danh cá nhân"), max_length=12, null=True, blank=True, unique=True
    )
    phone = models.CharField(_("số điện thoại"), max_length=20, blank=True)
    # When the person last signed in through VNeID (§12): the account is then the one the
    # national identity account vouches for, and their dossiers say so in the national sync.
    vneid_verified_at = models.DateTimeField(
        _("xác thực VNeID lúc"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    def __str__(self) -> str:
        return self.full_name or self.username


class Role(models.TextChoices):
    RECEPTION = "reception", _("Cán bộ một cửa")
    SPECIALIST = "specialist", _("Chuyên viên xử lý")
    APPROVER = "approver", _("Lãnh đạo phê duyệt")
    LEADER = "leader", _("Lãnh đạo theo dõi")
    ADMIN = "admin", _("Quản trị")


class StaffRole(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="staff_roles", verbose_name=_("cán bộ")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="staff_roles", verbose_name=_("cơ quan")
    )
    role = models.CharField(_("vai trò"), max_length=16, choices=Role.choices)

    class Meta:
        ordering = ["agency__code", "role"]
        verbose_name = _("vai trò cán bộ")
        verbose_name_plural = _("vai trò cán bộ")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="staff_role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.agency.code}"


class ApiToken(models.Model):
    """A system's key to the API (role `system`, §1): another system — the national portal, a
    document-management system, a provincial instance — reads the figures of the agencies in
    `agencies` and of every agency below them.

    Only a SHA-256 of the secret is kept: the secret is shown once, when the token is made, and
    a copy of the database gives nobody a usable key. The secret is 256 random bits, so a fast
    hash is enough (nothing to guess by brute force), and it is looked up by that hash."""

    name = models.CharField(_("hệ thống sử dụng"), max_length=200)
    prefix = models.CharField(
        _("tiền tố"),
        max_length=16,
        help_text=_("Phần đầu của khóa, để nhận ra khóa mà không lưu khóa."),
    )
    secret_hash = models.CharField(_("mã băm của khóa"), max_length=64, unique=True, editable=False)
    agencies = models.ManyToManyField(
        Agency, related_name="api_tokens", verbose_name=_("được đọc số liệu của cơ quan")
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    created_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("người tạo"),
    )
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("dùng lần cuối"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("khóa API của hệ thống")
        verbose_name_plural = _("khóa API của hệ thống")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
