"""The sender against a fake national instance on loopback (tests/sync/conftest.py): signed
batches, one message per dossier at its latest version, per-dossier order, parked rejections,
the retry schedule, resending, and the §7 `synced` indicator moving once."""

from __future__ import annotations

import json
import random
import stat
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from motcua.core.models import AuditEvent, OutboxMessage
from motcua.core.outbox import outbox_write
from motcua.counters.models import DailyCounter
from motcua.counters.selectors import counters_drift
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, State
from motcua.sync import sender
from motcua.sync.message import message_id, national_message
from motcua.sync.models import NationalDelivery, SyncSender
from motcua.sync.sender import MAX_ATTEMPTS, sync_send_due
from tests.sync.conftest import PROVINCE

pytestmark = pytest.mark.django_db

Status = OutboxMessage.Status


def rows_of(dossier: Dossier) -> list[tuple[str, int]]:
    return list(
        OutboxMessage.objects.filter(topic="national.sync", payload__dossier_id=dossier.pk)
        .order_by("id")
        .values_list("status", "attempts")
    )


def synced_counter(agency) -> int:
    return sum(
        DailyCounter.objects.filter(agency=agency, metric="synced").values_list("value", flat=True)
    )


def test_a_batch_is_signed_with_the_province_key_and_posted_as_jose(walker, national):
    received = walker.dossier_in(State.RECEIVED)
    submitted = walker.dossier_in(State.SUBMITTED)

    assert sync_send_due() == {"sent": 3}

    assert national.headers == [{"alg": "EdDSA", "kid": PROVINCE}]
    assert national.content_types == ["/api/v1/national/sync application/jose"]
    (batch,) = national.batches
    assert batch["province"] == PROVINCE
    assert [m["dossier"]["code"] for m in batch["messages"]] == [
        received.code,
        submitted.reference,
    ]
    assert [m["id"] for m in batch["messages"]] == [
        str(message_id(PROVINCE, received.reference, received.version)),
        str(message_id(PROVINCE, submitted.reference, submitted.version)),
    ]
    assert rows_of(received) == [("sent", 1), ("sent", 1)]
    assert AuditEvent.objects.get(action="sync.batch").data == {
        "messages": 2,
        "accepted": 2,
        "duplicates": 0,
        "stale": 0,
        "rejected": 0,
        "synced": 2,
    }


def test_an_unconfigured_connection_holds_the_messages_with_the_reason(walker, tmp_path):
    dossier = walker.dossier_in(State.SUBMITTED)
    with override_settings(MOTCUA_NATIONAL_URL=""):
        assert sync_send_due() == {"held": 1}
    assert OutboxMessage.objects.get(payload__dossier_id=dossier.pk).last_error == (
        "Chưa cấu hình địa chỉ Cổng Dịch vụ công quốc gia (MOTCUA_NATIONAL_URL)."
    )
    OutboxMessage.objects.update(status=Status.PENDING)
    missing = tmp_path / "none.pem"
    with override_settings(
        MOTCUA_NATIONAL_URL="http://127.0.0.1:9",
        MOTCUA_PROVINCE_CODE=PROVINCE,
        MOTCUA_SYNC_KEY_FILE=str(missing),
    ):
        assert sync_send_due() == {"held": 1}
    message = OutboxMessage.objects.get(payload__dossier_id=dossier.pk)
    assert (message.status, message.attempts) == (Status.HELD, 0)
    assert message.last_error.startswith(f"Không đọc được khóa ký {missing}")


def test_one_message_per_dossier_at_its_latest_version(walker, national):
    dossier = walker.dossier_in(State.IN_PROGRESS)  # submit, receive, forward, forward

    assert sync_send_due() == {"sent": 4}

    (batch,) = national.batches
    (message,) = batch["messages"]
    assert message["dossier"]["version"] == dossier.version
    assert message["dossier"]["status"] == 4
    assert [p["status"] for p in message["progress"]] == [1, 2, 4, 4]
    assert national.applied == [(dossier.code, dossier.version)]


def test_a_newer_version_waits_until_the_older_is_settled(walker, national):
    dossier = walker.dossier_in(State.RECEIVED)
    national.fail_with = 503
    start = timezone.now()
    assert sync_send_due(now=start) == {"failed": 2}
    retry_at = OutboxMessage.objects.filter(payload__dossier_id=dossier.pk).first().next_attempt_at
    assert SyncSender.objects.get().paused_until == retry_at

    national.fail_with = None
    dossier = walker.act(dossier, Action.FORWARD)
    # Paused: nothing leaves before the failed batch's own retry ...
    assert sync_send_due(now=start + timedelta(seconds=1)) == {}
    # ... and even unpaused, the new change of that dossier waits behind the failed one.
    SyncSender.objects.update(paused_until=None)
    assert sync_send_due(now=start + timedelta(seconds=2)) == {}
    assert len(national.batches) == 0
    assert rows_of(dossier)[-1] == ("pending", 0)

    assert sync_send_due(now=retry_at) == {"sent": 3}
    assert national.applied == [(dossier.code, dossier.version)]
    assert rows_of(dossier) == [("sent", 2), ("sent", 2), ("sent", 1)]


def test_a_rejected_message_is_parked_with_its_reason_until_resent(walker, national, agency):
    kept = walker.dossier_in(State.RECEIVED)
    refused = walker.dossier_in(State.SUBMITTED)
    national.reject_codes[refused.reference] = "Mã thủ tục không có trong danh mục quốc gia."

    assert sync_send_due() == {"sent": 2, "rejected": 1}

    row = OutboxMessage.objects.get(payload__dossier_id=refused.pk)
    assert (row.status, row.attempts, row.next_attempt_at) == (Status.DEAD, 1, None)
    assert row.last_error == "invalid_value: Mã thủ tục không có trong danh mục quốc gia."
    delivery = NationalDelivery.objects.get(outbox=row)
    assert (delivery.outcome, delivery.reason_code, delivery.reason, delivery.version) == (
        "rejected",
        "invalid_value",
        "Mã thủ tục không có trong danh mục quốc gia.",
        refused.version,
    )
    assert Dossier.objects.get(pk=refused.pk).synced is False
    assert Dossier.objects.get(pk=kept.pk).synced is True
    # Not retried by itself.
    assert sync_send_due(now=timezone.now() + timedelta(days=3)) == {}

    del national.reject_codes[refused.reference]
    call_command("sync_resend", "--message", str(delivery.message_id))
    assert rows_of(refused) == [("pending", 0)]
    assert AuditEvent.objects.get(action="sync.resend").data == {"count": 1, "by": "message"}
    assert sync_send_due() == {"sent": 1}
    assert Dossier.objects.get(pk=refused.pk).synced is True


def test_failures_are_retried_with_backoff_for_more_than_a_day_then_dead(
    walker, national, monkeypatch
):
    dossier = walker.dossier_in(State.SUBMITTED)
    national.fail_with = 503
    # The shortest waits the jitter can draw.
    monkeypatch.setattr(sender.random, "uniform", lambda low, high: low)
    start = now = timezone.now()
    tries = 0
    while True:
        outcome = sync_send_due(now=now)
        tries += 1
        row = OutboxMessage.objects.get(payload__dossier_id=dossier.pk)
        if row.status == Status.DEAD:
            break
        assert outcome == {"failed": 1}
        assert row.last_error == "HTTP 503: down: Tạm ngừng"
        now = row.next_attempt_at

    assert outcome == {"dead": 1}
    assert tries == MAX_ATTEMPTS == 20
    assert len(national.bodies) == 20
    assert now - start >= timedelta(hours=24)
    assert (now - start).total_seconds() == pytest.approx(
        0.5 * (sum(30 * 2**k for k in range(10)) + 9 * 6 * 3600)
    )
    assert NationalDelivery.objects.get(outbox=row).outcome == "failed"

    national.fail_with = None
    call_command("sync_resend", "--dead")
    assert sync_send_due(now=now) == {"sent": 1}
    assert Dossier.objects.get(pk=dossier.pk).synced is True


def test_the_jittered_waits_always_add_up_to_more_than_a_day():
    for seed in range(50):
        rng = random.Random(seed)
        total = sum((sender.retry_delay(n, rng=rng) for n in range(1, MAX_ATTEMPTS)), timedelta())
        assert total >= timedelta(hours=24)


def test_a_batch_sent_twice_is_answered_duplicate_and_counted_once(walker, national, agency):
    dossier = walker.dossier_in(State.RECEIVED)
    # The national instance applies the batch, but its answer is lost on the way back.
    answer = national.answer

    def apply_then_lose(body):
        answer(body)
        return 502, {"code": "bad_gateway"}

    national.answer = apply_then_lose  # type: ignore[method-assign]
    assert sync_send_due() == {"failed": 2}
    assert Dossier.objects.get(pk=dossier.pk).synced is False
    assert synced_counter(agency) == 0

    national.answer = answer  # type: ignore[method-assign]
    SyncSender.objects.update(paused_until=None)
    retry_at = OutboxMessage.objects.filter(payload__dossier_id=dossier.pk).first().next_attempt_at
    assert sync_send_due(now=retry_at) == {"sent": 2}

    assert [m["id"] for m in national.batches[0]["messages"]] == [
        m["id"] for m in national.batches[1]["messages"]
    ]
    assert AuditEvent.objects.filter(action="sync.batch").get().data["duplicates"] == 1
    assert national.applied == [(dossier.code, dossier.version)]
    assert Dossier.objects.get(pk=dossier.pk).synced is True
    assert synced_counter(agency) == 1

    # Sent again on purpose: still one dossier synchronised.
    OutboxMessage.objects.update(status=Status.FAILED, next_attempt_at=None)
    assert sync_send_due() == {"sent": 2}
    assert synced_counter(agency) == 1
    assert counters_drift()["drift_rows"] == 0


def test_synced_waits_for_the_latest_version(walker, national, agency):
    dossier = walker.dossier_in(State.RECEIVED)
    national.fail_with = 503
    assert sync_send_due() == {"failed": 2}
    # Acknowledged an older version while a newer change still waits: not yet synchronised.
    from motcua.sync.services import dossier_mark_synced

    walker.act(dossier, Action.FORWARD)
    assert dossier_mark_synced(dossier_id=dossier.pk, version=dossier.version) == 0
    assert synced_counter(agency) == 0


def test_keygen_writes_a_private_key_readable_by_its_owner_only(tmp_path, capsys):
    path = tmp_path / "keys" / "sync.pem"
    call_command("sync_keygen", "--out", str(path))
    public = capsys.readouterr().out
    assert public.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert public.endswith("-----END PUBLIC KEY-----\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    from joserfc.jwk import OKPKey

    assert OKPKey.import_key(path.read_bytes()).as_pem(private=False).decode() == public

    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="dùng --force"):
        call_command("sync_keygen", "--out", str(path))
    assert OKPKey.import_key(path.read_bytes()).as_pem(private=False).decode() == public
    call_command("sync_keygen", "--out", str(path), "--force")
    assert capsys.readouterr().out != public
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_batches_carry_at_most_500_messages_in_at_most_5_mib(walker, national):
    first = walker.dossier_in(State.SUBMITTED)
    copies = [
        Dossier(
            **{
                f.attname: getattr(first, f.attname)
                for f in Dossier._meta.concrete_fields
                if f.attname not in ("id", "reference")
            },
            reference=f"TN-COPY-{n:04d}",
        )
        for n in range(1, 701)
    ]
    Dossier.objects.bulk_create(copies)
    for copy in Dossier.objects.filter(reference__startswith="TN-COPY-").order_by("id"):
        outbox_write(topic="national.sync", payload={"dossier_id": copy.pk, "state": "submitted"})

    assert sync_send_due() == {"sent": 701}

    assert [len(batch["messages"]) for batch in national.batches] == [500, 201]
    assert all(len(body) <= 5 * 1024 * 1024 for body in national.bodies)
    codes = [m["dossier"]["code"] for batch in national.batches for m in batch["messages"]]
    assert codes[0] == first.reference
    assert codes[1:] == [f"TN-COPY-{n:04d}" for n in range(1, 701)]
    assert len({batch["batch_id"] for batch in national.batches}) == 2


def test_a_batch_stops_short_of_5_mib(walker, national, monkeypatch):
    dossiers = [walker.dossier_in(State.SUBMITTED) for _ in range(3)]
    fresh = Dossier.objects.get(pk=dossiers[0].pk)
    one = len(
        json.dumps(
            national_message(fresh, list(fresh.events.all()), province=PROVINCE),
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
    )
    # Room for two messages, not three.
    monkeypatch.setattr(sender, "MAX_PAYLOAD_BYTES", 2 * one + 200)

    assert sync_send_due() == {"sent": 3}

    assert [len(batch["messages"]) for batch in national.batches] == [2, 1]


def test_the_outbox_resend_command_lifts_the_pause_too(walker, national):
    dossier = walker.dossier_in(State.SUBMITTED)
    national.fail_with = 503
    assert sync_send_due() == {"failed": 1}
    national.fail_with = None
    assert sync_send_due() == {}  # paused until the retry
    call_command("outbox_resend", "--topic", "national.sync")
    assert sync_send_due() == {"sent": 1}
    assert rows_of(dossier) == [("sent", 1)]


def test_sync_resend_by_dossier_puts_back_only_its_unsent_messages(walker, national):
    sent = walker.dossier_in(State.SUBMITTED)
    assert sync_send_due() == {"sent": 1}
    national.fail_with = 503
    failing = walker.dossier_in(State.RECEIVED)
    other = walker.dossier_in(State.SUBMITTED)
    SyncSender.objects.update(paused_until=None)
    sync_send_due()
    assert [s for s, _ in rows_of(failing)] == ["failed", "failed"]
    OutboxMessage.objects.filter(payload__dossier_id__in=[failing.pk, other.pk]).update(
        status=Status.DEAD, next_attempt_at=None
    )

    call_command("sync_resend", "--dossier", failing.code)

    assert rows_of(failing) == [("pending", 0), ("pending", 0)]
    assert [s for s, _ in rows_of(other)] == ["dead"]
    assert rows_of(sent) == [("sent", 1)]
    audit = AuditEvent.objects.get(action="sync.resend")
    assert (audit.actor, audit.object_id, audit.data) == (
        None,
        failing.code,
        {"count": 2, "by": "dossier"},
    )
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Không tìm thấy hồ sơ KHONG-CO"):
        call_command("sync_resend", "--dossier", "KHONG-CO")


def test_held_messages_leave_once_the_connection_is_configured(walker, national):
    dossier = walker.dossier_in(State.RECEIVED)
    with override_settings(MOTCUA_NATIONAL_URL=""):
        assert sync_send_due() == {"held": 2}
    assert sync_send_due() == {"sent": 2}
    assert national.applied == [(dossier.code, dossier.version)]


def test_a_change_in_flight_holds_back_the_next_version_of_its_dossier(walker, national):
    dossier = walker.dossier_in(State.SUBMITTED)
    now = timezone.now()
    # Another worker has this change in flight: its lease runs a few minutes.
    OutboxMessage.objects.filter(payload__dossier_id=dossier.pk).update(
        next_attempt_at=now + sender.LEASE
    )
    other = walker.dossier_in(State.SUBMITTED)
    dossier = walker.act(dossier, Action.RECEIVE)

    assert sync_send_due(now=now) == {"sent": 1}
    assert national.applied == [(other.reference, other.version)]
    assert rows_of(dossier) == [("pending", 0), ("pending", 0)]

    # The lease ends (the other worker died): both changes leave as one message.
    assert sync_send_due(now=now + sender.LEASE) == {"sent": 2}
    assert national.applied[-1] == (dossier.code, dossier.version)


def test_a_message_no_batch_can_carry_is_parked_with_the_reason(walker, national):
    dossier = walker.dossier_in(State.SUBMITTED)
    outbox_write(topic="national.sync", payload={"dossier_id": 987654, "state": "received"})
    outbox_write(topic="national.sync", payload={"note": "no dossier id"})

    assert sync_send_due() == {"parked": 2, "sent": 1}

    parked = OutboxMessage.objects.filter(status=Status.DEAD)
    assert parked.count() == 2
    assert {m.last_error for m in parked} == {
        "Không thể đóng gói thông điệp này (hồ sơ không còn, là bản nháp, hoặc lớn hơn "
        "giới hạn 5 MiB của một gói tin)."
    }
    assert rows_of(dossier) == [("sent", 1)]
