"""Citizens' accounts: sign-up verified against the population registry, sign-in with the
lockout, and where each kind of user lands afterwards.

Staff sign in with their username, citizens with their 12-digit personal ID (§12). Audit
events say what happened to which account id, never the typed name or ID number (§10).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.audit import audit_record
from motcua.core.errors import MotcuaError, Unavailable, ValidationFailed
from motcua.core.ids import personal_id_parse
from motcua.directory.models import Role, User
from motcua.directory.selectors import user_roles
from motcua.integration.registry import RegistryPerson, RegistryUnavailable, population_registry
from motcua.portal.lockout import (
    SIGN_IN,
    SIGN_UP,
    attempt_key,
    attempt_record,
    attempt_succeeded,
    keys_lock,
    lock_active,
    sign_in_wait,
)
from motcua.portal.models import CitizenProfile, LoginAttempt


class AccountLocked(MotcuaError):
    code = "locked"
    status = 429


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M ngày %d/%m/%Y")


NOT_VERIFIED = gettext_lazy(
    "Không xác minh được thông tin. Vui lòng kiểm tra số định danh cá nhân và ngày sinh ghi "
    "trên thẻ căn cước; nếu đã có tài khoản, hãy đăng nhập hoặc liên hệ bộ phận một cửa."
)


def citizen_register(
    *,
    personal_id: str,
    birth_date: date,
    password: str,
    ip: str = "",
    email: str = "",
    phone: str = "",
    at: datetime | None = None,
) -> User:
    """A citizen account whose name, birth date, sex and address are the registry's.

    An ID missing from the registry, a birth date that does not match and an ID that already
    has an account all get the same answer (`not_verified`), and failures count towards the
    sign-up lockout per ID and per address, so nobody can probe whose ID exists, guess a
    birth date or learn who holds an account (§10). Structural errors of the ID
    (personal_id_parse) reveal nothing about anyone and stay specific."""
    moment = at or timezone.now()
    number = personal_id_parse(personal_id, birth_date=birth_date).number
    # Checked before the registry: an answer about the password would otherwise say the ID
    # and birth date were right. The name is not known yet, so not compared.
    candidate = User(username=number, personal_id=number, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise ValidationFailed(
            " ".join(_password_problem(e) for e in error.error_list),
            code="weak_password",
            fields={"password": "invalid"},
        ) from error
    id_key = attempt_key(number, scope=SIGN_UP.subject_scope)
    ip_key = attempt_key(ip or "unknown", scope=SIGN_UP.ip_scope)
    user: User | None = None
    with transaction.atomic():
        keys_lock(id_key, ip_key)
        lock = lock_active(username_key=id_key, ip_key=ip_key, now=moment, policy=SIGN_UP)
        if lock is not None:
            attempt_record(
                username_key=id_key, ip_key=ip_key, outcome=LoginAttempt.Outcome.LOCKED, now=moment
            )
            audit_record(
                actor=None,
                action="account.sign_up_locked",
                object_type="signup",
                data={"scope": lock.scope, "until": lock.until.isoformat()},
            )
        else:
            attempt = attempt_record(
                username_key=id_key, ip_key=ip_key, outcome=LoginAttempt.Outcome.FAILURE, now=moment
            )
            try:
                person = population_registry().lookup(number, purpose="sign_up")
            except RegistryUnavailable as failure:
                # Not the person's fault and not an attempt against them: the transaction
                # (and the attempt it recorded) is undone, the citizen is asked to come back.
                raise Unavailable(
                    _(
                        "Hiện không kết nối được CSDL quốc gia về dân cư để xác minh thông tin. "
                        "Vui lòng thử lại sau ít phút, hoặc đăng nhập bằng VNeID."
                    ),
                    code="registry_unavailable",
                ) from failure
            taken = (
                User.objects.filter(personal_id=number).exists()
                or User.objects.filter(username=number).exists()
            )
            if person is None or person.birth_date != birth_date or taken:
                # Staff helping at the counter may need the reason; the citizen never sees it.
                reason = (
                    "not_in_registry"
                    if person is None
                    else "birth_date_mismatch"
                    if person.birth_date != birth_date
                    else "already_registered"
                )
                audit_record(
                    actor=None,
                    action="account.sign_up_refused",
                    object_type="signup",
                    data={"reason": reason},
                )
            else:
                try:
                    with transaction.atomic():
                        user = _citizen_create(
                            number=number,
                            person=person,
                            password=password,
                            email=email,
                            phone=phone,
                            at=moment,
                        )
                except IntegrityError:  # two sign-ups for one ID at once: one wins
                    user = None
                if user is not None:
                    attempt_succeeded(attempt)
    if lock is not None:
        raise AccountLocked(
            _(
                "Có quá nhiều lần đăng ký không xác minh được (%(count)d lần trong một giờ). "
                "Vui lòng thử lại sau %(when)s."
            )
            % {
                "count": SIGN_UP.subject_limit if lock.scope == "username" else SIGN_UP.ip_limit,
                "when": _when(lock.until),
            },
            fields={"retry_at": lock.until.isoformat()},
        )
    if user is None:
        raise ValidationFailed(
            str(NOT_VERIFIED), code="not_verified", fields={"personal_id": "not_verified"}
        )
    return user


def _citizen_create(
    *, number: str, person: RegistryPerson, password: str, email: str, phone: str, at: datetime
) -> User:
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
        verified_at=at,
    )
    audit_record(
        actor=user,
        action="account.sign_up",
        object_type="user",
        object_id=user.pk,
        data={"registry_verified": True},
    )
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
    """The user, or AccountLocked ("try again after N seconds") / ValidationFailed with the
    Vietnamese reason.

    One transaction: the account's and the address's lockout rows are locked, the wait
    (portal.lockout: per account and address, and per address for accounts not known there)
    is checked, the attempt is recorded as a failure before the password is checked and turned
    into a success after a good one. Parallel guesses on one account or from one address
    therefore queue, and each sees the ones before it: guessing cannot outrun the count."""
    moment = now or timezone.now()
    identifier = identifier.strip()[:150]
    # Keyed on the account, not on what was typed: a personal ID and the username it maps
    # to share one count.
    username = _username_for(identifier)
    username_key = attempt_key(username, scope=SIGN_IN.subject_scope)
    ip_key = attempt_key(ip or "unknown", scope=SIGN_IN.ip_scope)
    user: User | None = None
    with transaction.atomic():
        keys_lock(username_key, ip_key)
        wait = sign_in_wait(username_key=username_key, ip_key=ip_key, now=moment)
        if wait is not None:
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
                data={"scope": wait.scope, "until": wait.until.isoformat()},
            )
        else:
            attempt = attempt_record(
                username_key=username_key,
                ip_key=ip_key,
                outcome=LoginAttempt.Outcome.FAILURE,
                now=moment,
            )
            user = authenticate(None, username=username, password=password)  # type: ignore[assignment]
            if user is not None:
                attempt_succeeded(attempt)
            audit_record(
                actor=user,
                action="account.sign_in" if user is not None else "account.sign_in_failed",
                object_type="user" if user is not None else "login",
                object_id=user.pk if user is not None else "",
                data={"kind": _kind(user)} if user is not None else {},
            )
            if user is None:
                newly = sign_in_wait(username_key=username_key, ip_key=ip_key, now=moment)
                if newly is not None:
                    audit_record(
                        actor=None,
                        action="account.slowed_down",
                        object_type="login",
                        data={"scope": newly.scope, "until": newly.until.isoformat()},
                    )
    if wait is not None:
        seconds = retry_after_seconds(wait.until, moment)
        if wait.scope == "pair":
            message = _(
                "Đã nhập sai mật khẩu của tài khoản này nhiều lần từ địa chỉ mạng này. "
                "Vui lòng thử lại sau %(seconds)d giây."
            ) % {"seconds": seconds}
        else:
            message = _(
                "Có quá nhiều lần đăng nhập sai từ địa chỉ mạng này. "
                "Vui lòng thử lại sau %(seconds)d giây."
            ) % {"seconds": seconds}
        raise AccountLocked(
            message,
            fields={"retry_at": wait.until.isoformat(), "retry_after": str(seconds)},
        )
    if user is None:
        raise ValidationFailed(
            _("Tên đăng nhập (hoặc số định danh cá nhân) hoặc mật khẩu không đúng."),
            code="bad_credentials",
        )
    return user


def retry_after_seconds(until: datetime, now: datetime) -> int:
    """Whole seconds until `until`, rounded up: "after 0 seconds" would invite a refusal."""
    return max(1, math.ceil((until - now).total_seconds()))


# Staff sessions end within a working day; a citizen's lasts Django's default two weeks.
STAFF_SESSION = timedelta(hours=8)
CITIZEN_SESSION = timedelta(days=14)


def session_lifetime(user: User) -> int:
    """Seconds the session of `user` lasts from sign-in (request.session.set_expiry): staff
    open dossiers and personal data of others, and a forgotten session at a shared counter
    must not outlive the day."""
    staff_like = user.is_staff or user.is_superuser or bool(user_roles(user))
    return int((STAFF_SESSION if staff_like else CITIZEN_SESSION).total_seconds())


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
