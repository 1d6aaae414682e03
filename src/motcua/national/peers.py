"""The province instances the national instance trusts: one active Ed25519 key per province.

`peer_add` for a province that already has an active key rotates it: the old key is revoked
at that moment and the new one takes over (a province that lost its key file is re-keyed the
same way it was first added). `peer_revoke` refuses the province's batches from that moment.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from joserfc.jwk import OKPKey
from vietnam_provinces import Province

from motcua.core.audit import audit_record
from motcua.core.errors import NotFound, ValidationFailed
from motcua.national.models import Peer


@cache
def province_names() -> dict[str, str]:
    """The 34 provinces in force since 1 July 2025, by 2-digit code."""
    return {f"{p.code.value:02d}": p.name for p in Province.iter_all()}


def province_code_check(code: str) -> str:
    code = (code or "").strip()
    if code not in province_names():
        raise ValidationFailed(
            _("Mã tỉnh '%(code)s' không phải mã 2 chữ số của một trong 34 tỉnh, thành phố.")
            % {"code": code[:16]},
            fields={"province": "unknown"},
        )
    return code


def public_key_check(pem: bytes) -> str:
    """The PEM text of an Ed25519 public key, or a refusal saying what it is instead."""
    try:
        key = load_pem_public_key(pem)
    except (ValueError, TypeError) as error:
        raise ValidationFailed(
            _("Tệp không phải khóa công khai dạng PEM (cần khóa Ed25519 do sync-keygen in ra)."),
            fields={"public_key": "invalid"},
        ) from error
    if not isinstance(key, Ed25519PublicKey):
        raise ValidationFailed(
            _("Khóa công khai không phải Ed25519 (nhận được %(kind)s).")
            % {"kind": type(key).__name__.lstrip("_")},
            fields={"public_key": "not_ed25519"},
        )
    return pem.decode("ascii").strip() + "\n"


def peer_add(*, actor: Any, province: str, name: str, public_key_pem: bytes) -> Peer:
    code = province_code_check(province)
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed(
            _("Tên tỉnh không được để trống và tối đa 200 ký tự."), fields={"name": "invalid"}
        )
    pem = public_key_check(public_key_pem)
    now = timezone.now()
    with transaction.atomic():
        current = Peer.objects.select_for_update().filter(province=code, revoked_at=None).first()
        if current is not None:
            current.revoked_at = now
            current.save(update_fields=["revoked_at"])
        peer = Peer.objects.create(province=code, name=name, public_key=pem, added_at=now)
        audit_record(
            actor=actor,
            action="national.peer_rotated" if current else "national.peer_added",
            object_type="national.peer",
            object_id=peer.pk,
            data={"province": code, "replaced": current.pk if current else None},
        )
    return peer


def peer_revoke(*, actor: Any, province: str) -> Peer:
    code = province_code_check(province)
    with transaction.atomic():
        peer = Peer.objects.select_for_update().filter(province=code, revoked_at=None).first()
        if peer is None:
            raise NotFound(
                _("Tỉnh %(code)s không có khóa đang hiệu lực.") % {"code": code},
                fields={"province": "no_active_key"},
            )
        peer.revoked_at = timezone.now()
        peer.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="national.peer_revoked",
            object_type="national.peer",
            object_id=peer.pk,
            data={"province": code},
        )
    return peer


def peer_public_key(province: str) -> str | None:
    """The PEM of the province's active key, or None."""
    return (
        Peer.objects.filter(province=province, revoked_at=None)
        .values_list("public_key", flat=True)
        .first()
    )


def peer_key(province: str) -> OKPKey | None:
    """The province's active key, read now."""
    pem = peer_public_key(province)
    return None if pem is None else key_of(pem)


@cache
def key_of(pem: str) -> OKPKey:
    return OKPKey.import_key(pem)
