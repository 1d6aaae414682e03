"""The second factor of approvers, leaders and administrators: a TOTP code (RFC 6238, pyotp)
asked after the password, before the session is signed in (docs/howto/second-factor.md).

Those who sign results, follow every agency's figures or change the system are asked; other
staff and citizens are not. A person without a confirmed authenticator enrols at their first
sign-in (the page shows a QR code and the secret) and is signed in by their first good code.
A code is accepted for its 30-second step and the steps either side (clocks drift), once: a
step at or before the last accepted one is a replay. Five wrong codes in a row make the next
try wait, growing as sign-in guesses do (portal.lockout); nobody without the password can
reach this step, so a stranger cannot make anyone wait.
"""

from __future__ import annotations

import io
import math
from datetime import datetime, timedelta

import pyotp
import segno
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.errors import MotcuaError, ValidationFailed
from motcua.directory.models import Role, User
from motcua.directory.selectors import user_roles
from motcua.portal.lockout import delay_after
from motcua.portal.models import SecondFactor

ISSUER = "motcua"
STEP_SECONDS = 30
FREE_FAILURES = 5
ROLES_ASKED = {Role.APPROVER, Role.LEADER, Role.ADMIN}


class SecondFactorWait(MotcuaError):
    code = "second_factor_wait"
    status = 429


def second_factor_required(user: User) -> bool:
    """Approvers, leaders, administrators and anyone who may open the admin site."""
    if user.is_superuser or user.is_staff:
        return True
    return bool({role for _agency, role in user_roles(user)} & ROLES_ASKED)


def second_factor_confirmed(user: User) -> bool:
    return SecondFactor.objects.filter(user=user, confirmed_at__isnull=False).exists()


def second_factor_enrolment(*, user: User, at: datetime | None = None) -> SecondFactor:
    """The secret being enrolled: made on the first visit and kept, so that reloading the
    page does not change the QR code the person has already scanned."""
    factor, _created = SecondFactor.objects.get_or_create(
        user=user,
        defaults={"secret": pyotp.random_base32(), "created_at": at or timezone.now()},
    )
    return factor


def provisioning_uri(factor: SecondFactor) -> str:
    return pyotp.TOTP(factor.secret).provisioning_uri(
        name=factor.user.get_username(), issuer_name=ISSUER
    )


def provisioning_qr_svg(factor: SecondFactor) -> str:
    """The QR code of the provisioning URI as an inline SVG (no script, no external image)."""
    out = io.BytesIO()
    segno.make(provisioning_uri(factor), error="m").save(
        out, kind="svg", scale=5, border=2, xmldecl=False, svgns=True, title=_("Mã QR")
    )
    return out.getvalue().decode()


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if pyotp.utils.strings_equal(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def second_factor_check(*, user: User, code: str, at: datetime | None = None) -> SecondFactor:
    """Accept `code` for `user` or raise (wrong, replayed, or waiting after wrong ones). The
    first good code confirms an enrolment. One transaction, the row locked: two tries with one
    code at once cannot both pass."""
    moment = at or timezone.now()
    code = "".join(code.split())
    refusal: MotcuaError | None = None
    with transaction.atomic():
        factor = SecondFactor.objects.select_for_update().filter(user=user).first()
        if factor is None:
            raise ValidationFailed(_("Tài khoản chưa đăng ký ứng dụng xác thực."))
        if factor.failures >= FREE_FAILURES and factor.failed_at is not None:
            until = factor.failed_at + delay_after(factor.failures, FREE_FAILURES)
            if until > moment:
                seconds = max(1, math.ceil((until - moment).total_seconds()))
                raise SecondFactorWait(
                    _("Đã nhập sai mã xác thực nhiều lần. Vui lòng thử lại sau %(seconds)d giây.")
                    % {"seconds": seconds},
                    fields={"retry_after": str(seconds)},
                )
        step = _matching_step(factor.secret, code, moment) if len(code) == 6 else None
        if step is not None and step <= factor.last_step:
            refusal = ValidationFailed(
                _("Mã này đã được dùng. Vui lòng chờ mã mới trên ứng dụng xác thực."),
                code="second_factor_replayed",
                fields={"code": "replayed"},
            )
        elif step is None:
            refusal = ValidationFailed(
                _("Mã xác thực không đúng. Hãy nhập 6 chữ số đang hiện trên ứng dụng xác thực."),
                code="second_factor_wrong",
                fields={"code": "invalid"},
            )
        if refusal is not None:
            factor.failures += 1
            factor.failed_at = moment
            factor.save(update_fields=["failures", "failed_at"])
            audit_record(
                actor=None,
                action="account.second_factor_failed",
                object_type="user",
                object_id=user.pk,
                data={"reason": refusal.code},
            )
        else:
            assert step is not None
            enrolling = factor.confirmed_at is None
            factor.last_step = step
            factor.failures = 0
            factor.failed_at = None
            factor.confirmed_at = factor.confirmed_at or moment
            factor.save(update_fields=["last_step", "failures", "failed_at", "confirmed_at"])
            audit_record(
                actor=user,
                action="account.second_factor_enrolled" if enrolling else "account.second_factor",
                object_type="user",
                object_id=user.pk,
                data={},
            )
    if refusal is not None:
        raise refusal
    return factor


PENDING_KEY = "motcua_second_factor"
PENDING_FOR = timedelta(minutes=5)
