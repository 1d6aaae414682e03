"""Builders for the national side: province keys, §12.1 messages, signed batches."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import override_settings
from joserfc import jws
from joserfc.jwk import OKPKey

from motcua.national.peers import peer_add

SYNC_URL = "/api/v1/national/sync"


@pytest.fixture(autouse=True)
def _national_mode():
    with override_settings(MOTCUA_MODE="national"):
        yield


def key_pair() -> OKPKey:
    return OKPKey.generate_key("Ed25519")


def public_pem(key: OKPKey) -> bytes:
    return key.as_pem(private=False)


def dossier(code: str, version: int = 1, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "code": code,
        "version": version,
        "procedure_code": "1.001",
        "procedure_name": "Đăng ký khai sinh",
        "sector": "Hộ tịch",
        "agency_code": "000.00.11.H46",
        "agency_name": "Sở Tư pháp",
        "channel": 2,
        "status": 2,
        "applicant": {"kind": 1, "id_kind": "CCCD", "id": "046190000123"},
        "submitted_at": "20250303080000",
        "received_at": "20250303090000",
        "due_at": "20250310170000",
        "finished_at": None,
        "returned_at": None,
        "refused_at": None,
        "supplements": 0,
        "digitized": True,
        "e_result": False,
        "result_to_store": False,
        "fee_amount": 0,
        "paid_online": False,
        "rating": None,
        "rated_at": None,
        "reused_data": False,
        "registry_used": True,
        "vneid_verified": True,
    }
    base.update(changes)
    return base


def message(code: str, version: int = 1, **changes: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "dossier": dossier(code, version, **changes),
        "progress": [
            {"handler": "Cán bộ A", "at": "20250303090000", "status": 2, "step_due_at": None}
        ],
    }


def sign(key: OKPKey, payload: Any, *, kid: str = "46", alg: str = "EdDSA") -> bytes:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    from motcua.national.ingest import REGISTRY

    return jws.serialize_compact(
        {"alg": alg, "kid": kid}, raw, key, algorithms=[alg], registry=REGISTRY
    ).encode()


def batch(messages: list[Any], *, province: str = "46", batch_id: str | None = None) -> dict:
    return {"province": province, "batch_id": batch_id or str(uuid.uuid4()), "messages": messages}


@pytest.fixture
def hue_key(db) -> OKPKey:
    key = key_pair()
    peer_add(actor=None, province="46", name="Thành phố Huế", public_key_pem=public_pem(key))
    return key


@pytest.fixture
def hanoi_key(db) -> OKPKey:
    key = key_pair()
    peer_add(actor=None, province="01", name="Thành phố Hà Nội", public_key_pem=public_pem(key))
    return key


@pytest.fixture
def post(client) -> Callable[..., Any]:
    def send(body: bytes, content_type: str = "application/jose", **extra: Any):
        return client.post(SYNC_URL, data=body, content_type=content_type, **extra)

    return send


@pytest.fixture
def send_batch(post) -> Callable[..., Any]:
    def send(key: OKPKey, messages: list[Any], *, province: str = "46", **kw: Any):
        response = post(sign(key, batch(messages, province=province), kid=province))
        assert response.status_code == 200, response.content
        return response.json()

    return send


@pytest.fixture
def catalog_online_procedure(db):
    """The national catalog offers P.ONLINE online and P.OFFLINE only at the counter."""
    from tests.factories import ProcedureFactory

    ProcedureFactory(code="P.ONLINE", online="full")
    return ProcedureFactory(code="P.OFFLINE", online="none")
