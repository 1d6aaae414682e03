"""`POST /api/v1/national/sync` (domain.md §12.1): idempotent by id, stale by version,
rejection per message, and 400/401/413 storing nothing."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import datetime

import pytest
from django.test import override_settings

from motcua.core.worktime import TZ
from motcua.national.counters import national_counters_long
from motcua.national.models import ProvinceCounter, ReceivedMessage, Snapshot
from motcua.national.peers import peer_revoke
from tests.national.conftest import SYNC_URL, batch, key_pair, message, sign

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:EdDSA is deprecated"),
]


def _province_counters(province: str) -> Counter[str]:
    found: Counter[str] = Counter()
    for (p, _day, metric), value in national_counters_long()[1].items():
        if p == province:
            found[metric] += value
    return found


def _nothing_stored() -> None:
    assert Snapshot.objects.count() == 0
    assert ReceivedMessage.objects.count() == 0
    assert ProvinceCounter.objects.count() == 0


def test_a_batch_is_stored_as_snapshots_with_counters(hue_key, send_batch):
    answer = send_batch(
        hue_key, [message("H46.1", 3), message("H46.2", 1, channel=1, unknown_key={"a": [1]})]
    )

    assert answer == {"accepted": 2, "duplicates": 0, "stale": 0, "rejected": []}
    first = Snapshot.objects.get(code="H46.1")
    assert (first.province, first.version, first.status, first.channel) == ("46", 3, 2, 2)
    assert first.received_at == datetime(2025, 3, 3, 9, 0, tzinfo=TZ)
    assert first.applicant_id == "046190000123"
    assert first.progress[0]["handler"] == "Cán bộ A"
    assert Snapshot.objects.get(code="H46.2").extra == {"unknown_key": {"a": [1]}}
    counters = _province_counters("46")
    assert counters["received"] == 2
    assert counters["received_online"] == 1
    assert counters["synced"] == 2
    assert counters["digitized"] == 2


def test_a_batch_sent_twice_changes_nothing_the_second_time(hue_key, post):
    body = sign(hue_key, batch([message("H46.1"), message("H46.2")]))
    assert post(body).json() == {"accepted": 2, "duplicates": 0, "stale": 0, "rejected": []}

    assert post(body).json() == {"accepted": 0, "duplicates": 2, "stale": 0, "rejected": []}
    assert _province_counters("46")["received"] == 2


def test_an_older_version_is_stale_and_a_newer_one_moves_the_counters(hue_key, send_batch):
    send_batch(hue_key, [message("H46.1", 5)])

    older = send_batch(hue_key, [message("H46.1", 4, status=9, finished_at="20250304100000")])
    same = send_batch(hue_key, [message("H46.1", 5, status=9)])
    assert (older["stale"], same["stale"]) == (1, 1)
    assert Snapshot.objects.get(code="H46.1").status == 2

    newer = send_batch(hue_key, [message("H46.1", 6, status=9, finished_at="20250304100000")])
    assert newer["accepted"] == 1
    snap = Snapshot.objects.get(code="H46.1")
    assert (snap.version, snap.status) == (6, 9)
    counters = _province_counters("46")
    assert (counters["received"], counters["finished"], counters["finished_on_time"]) == (1, 1, 1)


def test_out_of_order_versions_in_one_batch_keep_the_highest(hue_key, send_batch):
    answer = send_batch(
        hue_key, [message("H46.1", 2, status=4), message("H46.1", 1), message("H46.1", 3, status=9)]
    )
    assert (answer["accepted"], answer["stale"]) == (2, 1)
    assert Snapshot.objects.get(code="H46.1").version == 3
    assert _province_counters("46")["received"] == 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"status": 11}, "invalid_status"),
        ({"status": 0}, "invalid_status"),
        ({"status": "2"}, "invalid_type"),
        ({"channel": 4}, "invalid_channel"),
        ({"version": "7"}, "invalid_type"),
        ({"version": 1.5}, "invalid_type"),
        ({"version": True}, "invalid_type"),
        ({"version": 2**64}, "invalid_value"),
        ({"received_at": "20250230090000"}, "invalid_date"),
        ({"received_at": "2025-03-03T09:00:00"}, "invalid_date"),
        ({"due_at": 20250303090000}, "invalid_date"),
        ({"finished_at": "20251303090000"}, "invalid_date"),
        ({"procedure_code": ""}, "invalid_type"),
        ({"agency_code": None}, "missing_field"),
        ({"digitized": "yes"}, "invalid_type"),
        ({"fee_amount": -1}, "invalid_value"),
        ({"rating": "great"}, "invalid_value"),
        ({"applicant": "046190000123"}, "invalid_type"),
        ({"applicant": {"kind": 9}}, "invalid_value"),
        ({"sector": "x" * 256}, "invalid_value"),
        ({"procedure_name": "nul\x00byte"}, "invalid_value"),
        ({"sector": "\ud800"}, "invalid_value"),
    ],
)
def test_a_message_breaking_the_contract_is_rejected_and_the_rest_applied(
    hue_key, send_batch, changes, code
):
    bad = message("H46.9", **changes)
    answer = send_batch(hue_key, [message("H46.1"), bad])

    assert answer["accepted"] == 1
    assert len(answer["rejected"]) == 1
    assert answer["rejected"][0]["id"] == bad["id"]
    assert answer["rejected"][0]["code"] == code
    assert answer["rejected"][0]["message"]
    assert list(Snapshot.objects.values_list("code", flat=True)) == ["H46.1"]
    assert not ReceivedMessage.objects.filter(message_id=bad["id"]).exists()


def test_messages_missing_required_keys_or_not_objects_are_rejected(hue_key, send_batch):
    no_status = message("H46.2")
    del no_status["dossier"]["status"]
    no_dossier = {"id": str(uuid.uuid4())}
    no_id = message("H46.3")
    del no_id["id"]
    answer = send_batch(hue_key, [no_status, no_dossier, no_id, "text", 7, None])

    assert answer["accepted"] == 0
    assert [r["code"] for r in answer["rejected"]] == [
        "missing_field",
        "missing_field",
        "invalid_id",
        "invalid_message",
        "invalid_message",
        "invalid_message",
    ]
    assert answer["rejected"][0]["message"] == "Hồ sơ thiếu trường bắt buộc 'status'."
    _nothing_stored()


def test_a_code_held_by_another_province_is_rejected(hue_key, hanoi_key, send_batch):
    send_batch(hanoi_key, [message("CODE.1")], province="01")

    answer = send_batch(hue_key, [message("CODE.1", 9), message("H46.1")])

    assert answer["accepted"] == 1
    assert answer["rejected"][0]["code"] == "code_taken"
    assert Snapshot.objects.get(code="CODE.1").province == "01"
    assert Snapshot.objects.get(code="CODE.1").version == 1


def test_a_wrong_content_type_or_length_is_refused(hue_key, post):
    body = sign(hue_key, batch([message("H46.1")]))
    assert post(body, content_type="application/json").status_code == 415
    _nothing_stored()


def test_an_oversized_body_answers_413(hue_key, post, client):
    huge = b"a" * (5 * 1024 * 1024 + 1)
    response = post(huge)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    declared = client.post(
        SYNC_URL, data=b"abc", content_type="application/jose", CONTENT_LENGTH="99999999"
    )
    assert declared.status_code == 413
    _nothing_stored()


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"garbage",
        b"a.b.c",
        b"a.b",
        b"....",
        b"\xff\xfe\x00",
        b"eyJhbGciOiJFZERTQSJ9",
        b"W10.e30.AAAA",  # header is a JSON list
        b"bnVsbA.e30.AAAA",  # header is null
    ],
)
def test_a_body_that_is_not_a_jws_answers_400(hue_key, post, body):
    response = post(body)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_batch"
    _nothing_stored()


def test_a_truncated_jws_is_refused(hue_key, post):
    body = sign(hue_key, batch([message("H46.1")]))
    for cut in (body[: len(body) // 2], body[:-10], body.rsplit(b".", 1)[0]):
        assert post(cut).status_code in (400, 401)
    _nothing_stored()


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1, 2]",
        b"null",
        b'"text"',
        b'{"province": "46", "batch_id": "x", "messages": []}',
        b'{"province": "46", "batch_id": "3b3c8b1e-4c9f-4a8c-9b0e-0d7f7f3f2a11"}',
        b'{"province": "46", "batch_id": "3b3c8b1e-4c9f-4a8c-9b0e-0d7f7f3f2a11", "messages": {}}',
        b'{"province": 46, "batch_id": "3b3c8b1e-4c9f-4a8c-9b0e-0d7f7f3f2a11", "messages": []}',
        b'{"a": NaN}',
        b'{"a": 1e400}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_a_payload_that_is_not_a_batch_answers_400(hue_key, post, payload):
    response = post(sign(hue_key, payload))
    assert response.status_code == 400
    assert response.json()["code"] == "bad_batch"
    _nothing_stored()


def test_more_than_500_messages_answers_400(hue_key, post):
    messages = [message(f"H46.{i}") for i in range(501)]
    assert post(sign(hue_key, batch(messages))).status_code == 400
    _nothing_stored()


def test_an_unknown_or_unregistered_kid_answers_401(hue_key, post):
    stranger = key_pair()
    for kid in ("99", "01", "", "46 "):
        response = post(sign(stranger, batch([message("H46.1")], province=kid), kid=kid))
        assert response.status_code == 401, kid
        assert response.json()["code"] == "unauthorized"
    _nothing_stored()


def test_a_bad_signature_answers_401(hue_key, post):
    impostor = key_pair()
    assert post(sign(impostor, batch([message("H46.1")]))).status_code == 401
    body = sign(hue_key, batch([message("H46.1")]))
    header, _payload, signature = body.split(b".")
    forged = sign(hue_key, batch([message("H46.2")])).split(b".")[1]
    assert post(b".".join([header, forged, signature])).status_code == 401
    _nothing_stored()


def test_a_payload_claiming_another_province_answers_401(hue_key, post):
    response = post(sign(hue_key, batch([message("H46.1")], province="01"), kid="46"))
    assert response.status_code == 401
    assert "01" in response.json()["message"]
    _nothing_stored()


def test_alg_none_and_hs256_with_the_public_key_are_refused(hue_key, post):
    import base64
    import hashlib
    import hmac
    import json

    from tests.national.conftest import public_pem

    def b64(raw: bytes) -> bytes:
        return base64.urlsafe_b64encode(raw).rstrip(b"=")

    payload = b64(json.dumps(batch([message("H46.1")])).encode())
    none = b64(b'{"alg":"none","kid":"46"}') + b"." + payload + b"."
    assert post(none).status_code in (400, 401)
    header = b64(b'{"alg":"HS256","kid":"46"}')
    signing_input = header + b"." + payload
    secret = public_pem(hue_key)
    mac = b64(hmac.new(secret, signing_input, hashlib.sha256).digest())
    assert post(signing_input + b"." + mac).status_code == 401
    _nothing_stored()


def test_a_revoked_key_is_refused_from_that_moment(hue_key, post):
    first = sign(hue_key, batch([message("H46.1")]))
    assert post(first).status_code == 200
    peer_revoke(actor=None, province="46")

    response = post(sign(hue_key, batch([message("H46.2")])))
    assert response.status_code == 401
    assert list(Snapshot.objects.values_list("code", flat=True)) == ["H46.1"]


def test_outside_national_mode_the_endpoints_answer_404(hue_key, post, client):
    with override_settings(MOTCUA_MODE="province"):
        response = post(sign(hue_key, batch([message("H46.1")])))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert client.get("/api/v1/national/ranking").status_code == 404
        assert client.get("/api/v1/national/dossiers/X/public").status_code == 404
    _nothing_stored()


def test_deeply_nested_unknown_keys_are_rejected_not_a_500(hue_key, send_batch):
    deep: object = 1
    for _ in range(50):
        deep = {"d": deep}
    answer = send_batch(hue_key, [message("H46.1", nested=deep), message("H46.2", n=[2**70])])
    assert [r["code"] for r in answer["rejected"]] == ["invalid_value", "invalid_value"]
    _nothing_stored()


def test_the_sync_endpoint_needs_no_session_or_csrf(hue_key):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        SYNC_URL, data=sign(hue_key, batch([message("H46.1")])), content_type="application/jose"
    )
    assert response.status_code == 200


def test_the_sync_endpoint_has_its_own_rate_limit(hue_key, post):
    from django.core.cache import cache

    cache.clear()
    with override_settings(MOTCUA_API_RATE_ANONYMOUS=2, MOTCUA_NATIONAL_SYNC_RATE=3):
        answers = [post(sign(hue_key, batch([message(f"H46.{i}")]))).status_code for i in range(4)]
    cache.clear()
    assert answers == [200, 200, 200, 429]
    assert Snapshot.objects.count() == 3


def test_a_surrogate_sent_as_raw_bytes_is_rejected_not_a_500(hue_key, post):
    # `json.loads` reads the UTF-8 bytes of a lone surrogate (and UTF-16 text) without an
    # escape: the message is refused as one with `\ud800` in it would be.
    first, second = message("H46.1"), message("H46.2")
    raw = json.dumps(batch([first, second]), ensure_ascii=False).encode()
    raw = raw.replace("Đăng ký khai sinh".encode(), b"X\xed\xa0\x80", 1)
    answer = post(sign(hue_key, raw))
    assert answer.status_code == 200
    assert answer.json()["accepted"] == 1
    assert [r["code"] for r in answer.json()["rejected"]] == ["invalid_value"]
    assert list(Snapshot.objects.values_list("code", flat=True)) == ["H46.2"]


def test_a_payload_in_utf16_is_read_as_json_and_checked(hue_key, post):
    payload = json.dumps(batch([message("H46.1", procedure_name="Thủ tục \ud800")]))
    answer = post(sign(hue_key, payload.encode("utf-16-le", "surrogatepass")))
    assert answer.status_code == 200
    assert [r["code"] for r in answer.json()["rejected"]] == ["invalid_value"]
    _nothing_stored()


def test_a_rating_of_the_wrong_type_is_rejected_not_a_500(hue_key, send_batch):
    answer = send_batch(
        hue_key, [message("H46.1", rating=["satisfied"]), message("H46.2", rating={"a": 1})]
    )
    assert [r["code"] for r in answer["rejected"]] == ["invalid_value", "invalid_value"]
    _nothing_stored()


def test_a_progress_step_with_a_number_past_64_bits_is_rejected(hue_key, send_batch):
    wide = message("H46.1")
    wide["progress"][0]["status"] = 2**63
    answer = send_batch(hue_key, [wide, message("H46.2")])
    assert [r["code"] for r in answer["rejected"]] == ["invalid_value"]
    assert answer["accepted"] == 1
