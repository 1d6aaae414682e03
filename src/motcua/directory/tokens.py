"""API tokens of other systems (role `system`, §1): made, revoked, and recognised.

A token reads the agencies it names and everything below them, as a leader does. The secret
is `mc_<prefix>_<random>`; the prefix is kept in clear to tell tokens apart in lists, the whole
secret only as a SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.errors import NotFound, ValidationFailed
from motcua.directory.models import Agency, ApiToken, User
from motcua.directory.selectors import agency_subtree_ids

SECRET_START = "mc_"
# A token used within this long is not written again: a busy system would otherwise write a
# row on every request.
LAST_USED_GRAIN = timedelta(minutes=1)
# The database the token is read from and written to: revocation must take effect at once,
# which a read replica a few seconds behind would not give.
PRIMARY = "default"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User | None, name: str, agency_codes: list[str]) -> IssuedToken:
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise ValidationFailed(
            _("Tên hệ thống sử dụng khóa không được trống và dài tối đa 200 ký tự."),
            fields={"name": "invalid"},
        )
    codes = list(dict.fromkeys(code.strip() for code in agency_codes if code.strip()))
    if not codes:
        raise ValidationFailed(
            _("Khóa phải được giao ít nhất một cơ quan (--agency MÃ)."),
            fields={"agency": "required"},
        )
    agencies = list(Agency.objects.filter(code__in=codes))
    unknown = sorted(set(codes) - {a.code for a in agencies})
    if unknown:
        raise ValidationFailed(
            _("Không có cơ quan mã %(codes)s.") % {"codes": ", ".join(unknown)},
            fields={"agency": "unknown"},
        )
    prefix = secrets.token_hex(4)
    secret = f"{SECRET_START}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        name=name, prefix=prefix, secret_hash=secret_hash(secret), created_by=actor
    )
    token.agencies.set(agencies)
    audit_record(
        actor=actor,
        action="api_token.create",
        object_type="api_token",
        object_id=token.pk,
        data={"name": name, "prefix": prefix, "agencies": sorted(codes)},
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, actor: User | None, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if token is None:
        raise NotFound(_("Không có khóa API số %(id)s.") % {"id": token_id})
    if token.revoked_at is not None:
        return token  # revoking twice changes nothing and says so by its date
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="api_token.revoke",
        object_type="api_token",
        object_id=token.pk,
        data={"name": token.name, "prefix": token.prefix},
    )
    return token


def api_token_find(secret: str) -> ApiToken | None:
    """The active token with this secret, its last use noted; None for anything else."""
    if not secret.startswith(SECRET_START) or len(secret) > 100:
        return None
    token = (
        ApiToken.objects.using(PRIMARY)
        .filter(secret_hash=secret_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRAIN:
        # An explicit alias: the write does not count as the request's own write, so the
        # index it asks for is still read from the replica.
        ApiToken.objects.using(PRIMARY).filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_agency_ids(token: ApiToken) -> set[int]:
    """The agencies the token reads: those it names and every agency below them."""
    named = set(
        ApiToken.agencies.through.objects.using(PRIMARY)
        .filter(apitoken_id=token.pk)
        .values_list("agency_id", flat=True)
    )
    return agency_subtree_ids(named) if named else set()
