"""The signature and the answer, without a dossier: a batch signed with the province's key
verifies with its public key (joserfc) and with no other; an answer that is not §12.1's is a
failure of the whole batch."""

from __future__ import annotations

import warnings

import pytest
from joserfc import jws
from joserfc.errors import BadSignatureError
from joserfc.jwk import OKPKey

from motcua.sync.transport import (
    Answer,
    SendFailed,
    answer_parse,
    batch_post,
    batch_sign,
    sync_url,
)


def test_a_signed_batch_verifies_with_the_public_key_only():
    key = OKPKey.generate_key("Ed25519")
    public = OKPKey.import_key(key.as_pem(private=False))
    body = batch_sign(b'{"province":"46","batch_id":"x","messages":[]}', key=key, province="46")

    assert body.count(b".") == 2  # compact serialization: header.payload.signature
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        token = jws.deserialize_compact(body, public, algorithms=["EdDSA"])
        assert token.protected == {"alg": "EdDSA", "kid": "46"}
        assert token.payload == b'{"province":"46","batch_id":"x","messages":[]}'
        stranger = OKPKey.import_key(OKPKey.generate_key("Ed25519").as_pem(private=False))
        with pytest.raises(BadSignatureError):
            jws.deserialize_compact(body, stranger, algorithms=["EdDSA"])


def test_the_answer_is_read_or_refused():
    assert answer_parse(
        b'{"accepted": 2, "duplicates": 1, "stale": 0, "rejected": '
        b'[{"id": "a", "code": "invalid_status", "message": "Sai"}]}'
    ) == Answer(2, 1, 0, [{"id": "a", "code": "invalid_status", "message": "Sai"}])
    for wrong in (b"<html>", b"[]", b'{"accepted": 1}', b'{"accepted": "x", "duplicates": 0}'):
        with pytest.raises(SendFailed):
            answer_parse(wrong)


def test_nobody_listening_is_a_failure_of_the_batch():
    with pytest.raises(SendFailed, match="URLError"):
        batch_post("http://127.0.0.1:9/api/v1/national/sync", b"x", timeout=2)


def test_the_sync_address():
    assert sync_url("https://dvc.gov.vn/") == "https://dvc.gov.vn/api/v1/national/sync"
    assert sync_url("http://127.0.0.1:8100") == "http://127.0.0.1:8100/api/v1/national/sync"
