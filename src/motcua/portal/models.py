from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginAttempt(models.Model):
    """One sign-in attempt, kept to lock out password guessing (portal.lockout).

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
