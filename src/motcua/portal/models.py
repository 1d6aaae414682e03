from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginAttempt(models.Model):
    """One sign-in or sign-up attempt, kept to lock out guessing (portal.lockout); the two
    never share a key, since the scope is part of the hash.

    The typed name and the client address are stored as keyed hashes: a citizen's username is
    their personal ID number, which must not sit in plain text outside their account (§10).
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Thành công")
        FAILURE = "failure", _("Sai tên đăng nhập hoặc mật khẩu")
        LOCKED = "locked", _("Bị từ chối do đang tạm khóa")

    at = models.DateTimeField(_("thời điểm"))
    username_key = models.CharField(_("khóa tên đăng nhập"), max_length=64)
    ip_key = models.CharField(_("khóa địa chỉ IP"), max_length=64)
    outcome = models.CharField(_("kết quả"), max_length=8, choices=Outcome.choices)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("lần đăng nhập")
        verbose_name_plural = _("lần đăng nhập")
        indexes = [
            models.Index(fields=["username_key", "at"], name="login_attempt_username"),
            models.Index(fields=["ip_key", "at"], name="login_attempt_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.outcome}"


class LockoutKey(models.Model):
    """One row per hashed lockout key, locked (select_for_update) while an attempt on that key
    is checked and recorded, so parallel attempts cannot all pass the check before any of them
    is counted."""

    key = models.CharField(_("khóa"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("khóa chống dò mật khẩu")
        verbose_name_plural = _("khóa chống dò mật khẩu")

    def __str__(self) -> str:
        return self.key[:12]


class StartToken(models.Model):
    """A one-time token of the "start a dossier" form: the first POST carrying it creates the
    dossier, a second one (a double click) is sent to that dossier instead of making another."""

    token = models.CharField(_("mã phiếu"), max_length=64, unique=True)
    user = models.ForeignKey(
        "directory.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("tài khoản")
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        verbose_name=_("hồ sơ"),
    )
    created_at = models.DateTimeField(_("tạo lúc"))

    class Meta:
        verbose_name = _("phiếu nộp hồ sơ một lần")
        verbose_name_plural = _("phiếu nộp hồ sơ một lần")

    def __str__(self) -> str:
        return self.token[:8]


class CitizenProfile(models.Model):
    """What the population registry verified when the citizen signed up (§12): the account's
    identity comes from the registry, never from what was typed."""

    class Sex(models.TextChoices):
        MALE = "nam", _("Nam")
        FEMALE = "nữ", _("Nữ")

    user = models.OneToOneField(
        "directory.User",
        on_delete=models.CASCADE,
        related_name="citizen_profile",
        verbose_name=_("tài khoản"),
    )
    birth_date = models.DateField(_("ngày sinh"))
    sex = models.CharField(_("giới tính"), max_length=3, choices=Sex.choices)
    permanent_address = models.CharField(_("nơi thường trú"), max_length=500)
    verified_at = models.DateTimeField(_("xác thực với CSDL dân cư lúc"))

    class Meta:
        verbose_name = _("hồ sơ công dân")
        verbose_name_plural = _("hồ sơ công dân")

    def __str__(self) -> str:
        return str(self.user)


class SecondFactor(models.Model):
    """A staff member's authenticator app (TOTP, RFC 6238: a 6-digit code every 30 seconds),
    asked after the password of approvers, leaders and administrators (portal.second_factor).

    `confirmed_at` is empty until the person typed a first code from the app: only then is
    the secret theirs. `last_step` is the 30-second step of the last code accepted, so a code
    seen over someone's shoulder cannot be used again. `failures` counts wrong codes since
    the last good one; past five they wait as sign-in guesses do."""

    user = models.OneToOneField(
        "directory.User",
        on_delete=models.CASCADE,
        related_name="second_factor",
        verbose_name=_("tài khoản"),
    )
    secret = models.CharField(_("khóa bí mật"), max_length=64)
    created_at = models.DateTimeField(_("tạo lúc"))
    confirmed_at = models.DateTimeField(_("xác nhận lúc"), null=True, blank=True)
    last_step = models.BigIntegerField(_("bước thời gian đã dùng"), default=0)
    failures = models.PositiveIntegerField(_("số lần nhập sai"), default=0)
    failed_at = models.DateTimeField(_("nhập sai lần cuối"), null=True, blank=True)

    class Meta:
        verbose_name = _("xác thực hai lớp")
        verbose_name_plural = _("xác thực hai lớp")

    def __str__(self) -> str:
        return f"TOTP #{self.user_id}"
