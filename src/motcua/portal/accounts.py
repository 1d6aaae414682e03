"""Citizens' accounts: sign-up verified against the population registry, sign-in with the
lockout, and where each kind of user lands afterwards.

Staff sign in with their username, citizens with their 12-digit personal ID (§12). Audit
events say what happened to which account id, never the typed name or ID number (§10).
"""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.errors import MotcuaError, ValidationFailed
from motcua.core.ids import personal_id_parse
from motcua.directory.models import Role, User
from motcua.directory.selectors import user_roles
from motcua.integration.registry import population_registry
from motcua.portal.lockout import (
    IP_LIMIT,
    USERNAME_LIMIT,
    attempt_key,
    attempt_record,
    lock_active,
)
from motcua.portal.models import CitizenProfile, LoginAttempt


class AccountLocked(MotcuaError):
    code = "locked"
    status = 429


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M ngày %d/%m/%Y")


def citizen_register(
    *,
    personal_id: str,
    birth_date: date,
    password: str,
    email: str = "",
    phone: str = "",
    at: datetime | None = None,
) -> User:
    """A citizen account whose name, birth date, sex and address are the registry's."""
    moment = at or timezone.now()
    number = personal_id_parse(personal_id, birth_date=birth_date).number
    person = population_registry().lookup(number)
    if person is None:
        raise ValidationFailed(
            _(
                "Số định danh cá nhân này không có trong Cơ sở dữ liệu quốc gia về dân cư. "
                "Hãy kiểm tra lại số trên thẻ căn cước."
            ),
            code="not_in_registry",
            fields={"personal_id": "unknown"},
        )
    if person.birth_date != birth_date:
        raise ValidationFailed(
            _(
                "Ngày sinh không khớp với Cơ sở dữ liệu quốc gia về dân cư. Hãy nhập đúng ngày "
                "sinh ghi trên thẻ căn cước."
            ),
            code="birth_date_mismatch",
            fields={"birth_date": "mismatch"},
        )
    already = _(
        "Số định danh cá nhân này đã có tài khoản. Hãy đăng nhập; nếu quên mật khẩu, hãy liên "
        "hệ bộ phận một cửa."
    )
    if (
        User.objects.filter(personal_id=number).exists()
        or User.objects.filter(username=number).exists()
    ):
        raise ValidationFailed(already, code="already_registered", fields={"personal_id": "taken"})
    candidate = User(username=number, personal_id=number, full_name=person.full_name, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise ValidationFailed(
            " ".join(_password_problem(e) for e in error.error_list),
            code="weak_password",
            fields={"password": "invalid"},
        ) from error
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=number,
                password=password,
                personal_id=number,
                full_name=person.full_name,
                email=email,
                phone=phone,
            )
            CitizenProfile.objects.create(
                user=user,
                birth_date=person.birth_date,
                sex=person.sex,
                permanent_address=person.permanent_address,
                verified_at=moment,
            )
            audit_record(
                actor=user,
                action="account.sign_up",
                object_type="user",
                object_id=user.pk,
                data={"registry_verified": True},
            )
    except IntegrityError as error:  # two sign-ups for one ID at once: one wins
        raise ValidationFailed(
            already, code="already_registered", fields={"personal_id": "taken"}
        ) from error
    return user


def _password_problem(error: ValidationError) -> str:
    """Django's password validators speak English in this locale; say it in Vietnamese."""
    params = error.params or {}
    known = {
        "password_too_short": _("Mật khẩu quá ngắn: cần ít nhất %(n)s ký tự.")
        % {"n": params.get("min_length", 8)},
        "password_too_common": _("Mật khẩu quá phổ biến, dễ bị đoán; hãy chọn mật khẩu khác."),
        "password_entirely_numeric": _("Mật khẩu không được chỉ gồm chữ số."),
        "password_too_similar": _("Mật khẩu quá giống thông tin cá nhân; hãy chọn mật khẩu khác."),
    }
    return known.get(error.code or "", " ".join(error.messages))


def _username_for(identifier: str) -> str:
    """Citizens type their personal ID; their account's username may differ from it."""
    if len(identifier) == 12 and identifier.isdigit():
        found = User.objects.filter(personal_id=identifier).values_list("username", flat=True)
        return found.first() or identifier
    return identifier


def account_sign_in(
    *, identifier: str, password: str, ip: str, now: datetime | None = None
) -> User:
    """The user, or AccountLocked / ValidationFailed with the Vietnamese reason. Every
    attempt is recorded (hashed) before the answer, so guessing cannot outrun the count."""
    moment = now or timezone.now()
    identifier = identifier.strip()[:150]
    username_key = attempt_key(identifier, scope="username")
    ip_key = attempt_key(ip or "unknown", scope="ip")
    with transaction.atomic():
        lock = lock_active(username_key=username_key, ip_key=ip_key, now=moment)
        if lock is not None:
            attempt_record(
                username_key=username_key,
                ip_key=ip_key,
                outcome=LoginAttempt.Outcome.LOCKED,
                now=moment,
            )
            audit_record(
                actor=None,
                action="account.sign_in_locked",
                object_type="login",
                data={"scope": lock.scope, "until": lock.until.isoformat()},
            )
    if lock is not None:
        if lock.scope == "username":
            message = _(
                "Tài khoản này tạm khóa vì nhập sai mật khẩu %(count)d lần trong 15 phút. "
                "Vui lòng thử lại sau %(when)s."
            ) % {"count": USERNAME_LIMIT, "when": _when(lock.until)}
        else:
            message = _(
                "Có quá nhiều lần đăng nhập sai (%(count)d lần) từ địa chỉ mạng này. "
                "Vui lòng thử lại sau %(when)s."
            ) % {"count": IP_LIMIT, "when": _when(lock.until)}
        raise AccountLocked(message, fields={"retry_at": lock.until.isoformat()})

    user = authenticate(None, username=_username_for(identifier), password=password)
    outcome = LoginAttempt.Outcome.SUCCESS if user is not None else LoginAttempt.Outcome.FAILURE
    with transaction.atomic():
        attempt_record(username_key=username_key, ip_key=ip_key, outcome=outcome, now=moment)
        audit_record(
            actor=user,
            action="account.sign_in" if user is not None else "account.sign_in_failed",
            object_type="user" if user is not None else "login",
            object_id=user.pk if user is not None else "",
            data={"kind": _kind(user)} if user is not None else {},
        )
        if user is None:
            newly = lock_active(username_key=username_key, ip_key=ip_key, now=moment)
            if newly is not None:
                audit_record(
                    actor=None,
                    action="account.locked_out",
                    object_type="login",
                    data={"scope": newly.scope, "until": newly.until.isoformat()},
                )
    if user is None:
        raise ValidationFailed(
            _("Tên đăng nhập (hoặc số định danh cá nhân) hoặc mật khẩu không đúng."),
            code="bad_credentials",
        )
    return user  # type: ignore[return-value]


def _kind(user: User | None) -> str:
    if user is None:
        return ""
    if user_roles(user) or user.is_superuser:
        return "staff"
    return "citizen" if user.personal_id else "other"


def landing_url(user: User) -> str:
    """Where a user goes after signing in: leaders to the index, reception to the counter,
    processing officers to their queue, citizens to their dossiers."""
    roles = {role for _agency, role in user_roles(user)}
    if Role.LEADER in roles:
        return reverse("index:dashboard")
    if Role.RECEPTION in roles:
        return reverse("office:counter_home")
    if roles & {Role.SPECIALIST, Role.APPROVER}:
        return reverse("office:processing_queue")
    if user.is_superuser or Role.ADMIN in roles:
        return reverse("admin:index")
    if user.personal_id:
        return reverse("portal:mine")
    return reverse("portal:home")
