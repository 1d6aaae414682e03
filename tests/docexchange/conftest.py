"""The document exchange's fixtures: the province's signing key (the sync's, made by
`sync_keygen`), one registered organ with its own key, a clock, and envelopes signed by it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime

import pytest
from django.utils import timezone
from joserfc.jwk import OKPKey

from motcua.docexchange.envelope import Letter, envelope_build
from motcua.docexchange.models import Peer
from motcua.sync.keys import sync_keygen

PEER_CODE = "000.00.12.H46"
PEER_NAME = "Sở Tư pháp tỉnh bạn"


@pytest.fixture
def province_key(settings, tmp_path) -> str:
    """Our signing key; its public half (PEM)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "sync-key.pem"
    settings.MOTCUA_SYNC_KEY_FILE = str(path)
    return sync_keygen(path=path)


@pytest.fixture
def peer_key(db) -> OKPKey:
    key = OKPKey.generate_key("Ed25519")
    Peer.objects.create(
        code=PEER_CODE, name=PEER_NAME, public_key=key.as_pem(private=False).decode()
    )
    return key


@pytest.fixture
def clock(monkeypatch) -> Callable[[datetime], None]:
    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


def a_letter(**changes) -> Letter:
    values = {
        "envelope_id": str(uuid.uuid4()),
        "sender_code": PEER_CODE,
        "sender_name": PEER_NAME,
        "recipients": ("000.00.11.H99",),  # the `agency` fixture
        "number": 45,
        "notation": "STP-VP",
        "issued_on": date(2026, 3, 4),
        "doc_type": "Công văn",
        "subject": "Trả lời xin ý kiến",
        "signer_name": "Trần Thị Giám Đốc",
        "signer_position": "Giám đốc",
    }
    values.update(changes)
    return Letter(**values)


@pytest.fixture
def signed(peer_key) -> Callable[..., bytes]:
    def build(**changes) -> bytes:
        return envelope_build(a_letter(**changes), key=peer_key)

    return build
