"""Whose keys sign and verify envelopes. Ours is the province's Ed25519 key of the national
sync (`sync.keys.signing_key`, made by `motcua sync-keygen`): one key, one place to rotate and
back up. Theirs are the registered `Peer`s' public keys."""

from __future__ import annotations

from django.utils.translation import gettext as _
from joserfc.jwk import OKPKey

from motcua.core.errors import Unavailable
from motcua.docexchange.envelope import public_key_load
from motcua.docexchange.models import Peer
from motcua.sync.keys import KeyMissing, signing_key


def our_key() -> OKPKey:
    try:
        return signing_key()
    except KeyMissing as missing:
        raise Unavailable(
            _("Chưa có khóa ký văn bản điện tử: %(reason)s") % {"reason": missing},
            code="signing_key_missing",
        ) from missing


def peer_key(code: str) -> OKPKey | None:
    peer = Peer.objects.filter(code=code, active=True).first()
    if peer is None:
        return None
    try:
        return public_key_load(peer.public_key)
    except ValueError:
        return None
