"""The `national.sync` outbox topic, delivered as signed batches (domain.md §12.1).

Why a batch handler rather than one message at a time: a batch is one signature and one POST
for up to 500 dossiers, and the national instance answers per batch. The outbox calls
`national_sync_deliver` once per delivery run (after every commit that wrote a message, on
`motcua outbox_deliver`, and when a failed batch is due again); it picks the due messages,
sends them in batches until none is left or one fails, and records every message's outcome.

A batch is picked in one short transaction and sent outside any: the database is never held
open across the network (on SQLite that would stop every writer for the length of the
request). While in flight, its messages carry a lease (`next_attempt_at` a few minutes
ahead), so another run skips them; a sender that dies mid-flight leaves them to be picked
again when the lease ends, and the national instance answers "duplicate" for what it had.

Order per dossier: one message per dossier per batch, built from the dossier as it stands
(its `version`), standing for every due change of that dossier; a dossier with a change
still in flight or waiting for a retry is left out of new batches until that one is
acknowledged, parked or dead. So version n+1 never leaves before version n is settled.

Outcomes: accepted, duplicate, stale → sent (and the dossier counts as synchronised once the
national instance holds its latest version); rejected → parked (dead) with the national
instance's reason, not retried until `motcua sync-resend`; no §12.1 answer at all (down,
5xx, 401, 400, 413) → the whole batch is retried with exponential backoff and jitter, and
every sender pauses until then; after `MAX_ATTEMPTS` (over 24 hours, see `retry_delay`) a
message is dead-lettered.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from joserfc.jwk import OKPKey

from motcua.core.audit import audit_record
from motcua.core.models import OutboxMessage
from motcua.core.outbox import OutboxHold, outbox_batch_handler, outbox_wake
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.sync.keys import KeyMissing, signing_key
from motcua.sync.message import national_message, national_status
from motcua.sync.models import NationalDelivery, SyncSender
from motcua.sync.services import dossier_mark_synced
from motcua.sync.transport import Answer, SendFailed, batch_post, batch_sign, sync_url

log = logging.getLogger(__name__)

TOPIC = "national.sync"
PENDING = (OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED)
MAX_MESSAGES = 500
MAX_BODY_BYTES = 5 * 1024 * 1024
# How much JSON fits in the body: base64url makes 3 bytes 4, and the header and signature
# (86 characters for Ed25519) take a few hundred more.
MAX_PAYLOAD_BYTES = (MAX_BODY_BYTES - 1024) * 3 // 4
# Due messages read to form one batch: several changes of one dossier make one message.
SCAN_ROWS = 5000
# Longer than the transport's timeout: a batch in flight is not picked twice.
LEASE = timedelta(minutes=5)
MAX_BATCHES_PER_RUN = 50

# 30 s doubling to 6 h, ±50 % jitter, 20 tries: even when every draw is the lowest, the 19
# waits add up to more than 31 hours (the contract asks for at least 24) before a message
# is dead-lettered; on average about 62 hours.
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=6)
MAX_ATTEMPTS = 20


def retry_delay(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """The wait after a batch's `attempts`-th failed try."""
    exponential = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)
    return exponential * (rng or random).uniform(0.5, 1.5)


@dataclass
class Planned:
    message: dict[str, Any]
    dossier_id: int
    version: int
    row_ids: list[int]

    @property
    def id(self) -> str:
        return str(self.message["id"])


@dataclass
class Claim:
    batch_id: uuid.UUID
    province: str
    planned: list[Planned]
    payload: bytes
    parked: int = 0
    by_id: dict[str, Planned] = field(default_factory=dict)

    @property
    def row_ids(self) -> list[int]:
        return [pk for item in self.planned for pk in item.row_ids]


@dataclass(frozen=True)
class Connection:
    url: str
    province: str
    key: OKPKey


def connection() -> Connection:
    """Where and as whom to send, or `OutboxHold` with what is missing."""
    url = getattr(settings, "MOTCUA_NATIONAL_URL", "").strip()
    province = getattr(settings, "MOTCUA_PROVINCE_CODE", "").strip()
    if not url:
        raise OutboxHold(
            _("Chưa cấu hình địa chỉ Cổng Dịch vụ công quốc gia (MOTCUA_NATIONAL_URL).")
        )
    if not province:
        raise OutboxHold(_("Chưa cấu hình mã tỉnh (MOTCUA_PROVINCE_CODE)."))
    try:
        key = signing_key()
    except KeyMissing as missing:
        raise OutboxHold(str(missing)) from missing
    return Connection(url=sync_url(url), province=province, key=key)


def _due(now: datetime) -> Q:
    return Q(topic=TOPIC, status__in=PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


@outbox_batch_handler(TOPIC)
def national_sync_deliver() -> dict[str, int]:
    return sync_send_due()


def sync_send_due(*, now: datetime | None = None) -> dict[str, int]:
    """Send every due `national.sync` message, batch after batch, until none is due or a
    batch fails. `now` is for tests that play the clock; it defaults to the real one."""
    counts: Counter[str] = Counter()
    try:
        conn = connection()
    except OutboxHold as hold:
        count = OutboxMessage.objects.filter(_due(now or timezone.now())).update(
            status=OutboxMessage.Status.HELD, last_error=str(hold)[:2000]
        )
        if count:
            log.info(
                "outbox.held %s %s", TOPIC, count, extra={"code": "outbox.held", "count": count}
            )
            counts["held"] += count
        return dict(counts)
    # Held while the connection was not configured; now it is, they go in order with the rest.
    held = OutboxMessage.objects.filter(topic=TOPIC, status=OutboxMessage.Status.HELD)
    if held.exists():
        held.update(status=OutboxMessage.Status.PENDING, next_attempt_at=None)
    for _batch in range(MAX_BATCHES_PER_RUN):
        claim = _claim(conn, now or timezone.now())
        if claim is None:
            break
        counts["parked"] += claim.parked
        if not claim.planned:
            continue
        body = batch_sign(claim.payload, key=conn.key, province=conn.province)
        try:
            answer = batch_post(conn.url, body)
        except SendFailed as failure:
            counts.update(_record_failure(claim, str(failure), now=now or timezone.now()))
            break
        counts.update(_record_answer(claim, answer, now=now or timezone.now()))
    else:
        # A long backlog (after an outage): leave the worker to other topics' messages for a
        # moment, and come back for the rest.
        outbox_wake(timezone.now())
    return {key: value for key, value in counts.items() if value}


def _claim(conn: Connection, now: datetime) -> Claim | None:
    """Pick the next batch and lease its messages, in one short transaction. None when
    nothing is due or the senders are paused after a failure."""
    if not OutboxMessage.objects.filter(_due(now)).exists():
        return None  # the common case after a commit: no write lock taken for nothing
    SyncSender.objects.get_or_create(pk=1)
    with transaction.atomic():
        sender = SyncSender.objects.select_for_update().get(pk=1)
        if _paused(sender, now):
            return None
        rows = list(
            OutboxMessage.objects.filter(_due(now))
            .order_by("id")
            .values_list("id", "payload")[:SCAN_ROWS]
        )
        if not rows:
            return None
        by_dossier: dict[int, list[int]] = defaultdict(list)
        orphans: list[int] = []
        for pk, payload in rows:
            dossier_id = (payload or {}).get("dossier_id")
            if isinstance(dossier_id, int):
                by_dossier[dossier_id].append(pk)
            else:
                orphans.append(pk)
        waiting = set(
            OutboxMessage.objects.filter(
                topic=TOPIC,
                status__in=PENDING,
                next_attempt_at__gt=now,
                payload__dossier_id__in=list(by_dossier),
            ).values_list("payload__dossier_id", flat=True)
        )
        candidates = [d for d in by_dossier if d not in waiting][:MAX_MESSAGES]
        claim, unsendable = _plan(conn.province, candidates, by_dossier)
        claim.parked = _park_unsendable(orphans + [pk for d in unsendable for pk in by_dossier[d]])
        if claim.planned:
            OutboxMessage.objects.filter(pk__in=claim.row_ids).update(next_attempt_at=now + LEASE)
        elif not claim.parked:
            return None
        return claim


def _paused(sender: SyncSender, now: datetime) -> bool:
    """Paused until the failed batch's retry, unless nothing waits for a retry any more (an
    operator put the messages back with `outbox_resend` or `sync-resend`)."""
    if sender.paused_until is None or sender.paused_until <= now:
        return False
    return OutboxMessage.objects.filter(
        topic=TOPIC, status=OutboxMessage.Status.FAILED, next_attempt_at__gt=now
    ).exists()


def _plan(
    province: str, dossier_ids: list[int], by_dossier: dict[int, list[int]]
) -> tuple[Claim, list[int]]:
    """The batch for these dossiers, in order, as many as fit; and the dossiers no batch can
    carry."""
    dossiers = Dossier.objects.select_related("procedure__sector", "agency").in_bulk(dossier_ids)
    events: dict[int, list[DossierEvent]] = defaultdict(list)
    for event in (
        DossierEvent.objects.filter(dossier_id__in=list(dossiers))
        .select_related("actor")
        .order_by("dossier_id", "seq")
    ):
        events[event.dossier_id].append(event)
    batch_id = uuid.uuid4()
    planned: list[Planned] = []
    unsendable: list[int] = []
    encoded: list[bytes] = []
    size = len(_json({"province": province, "batch_id": str(batch_id), "messages": []}))
    for dossier_id in dossier_ids:
        dossier = dossiers.get(dossier_id)
        if dossier is None or national_status(dossier) is None:
            unsendable.append(dossier_id)
            continue
        try:
            message = national_message(dossier, events[dossier_id], province=province)
            raw = _json(message)
        except Exception:  # one odd dossier must not stop every batch behind it
            log.exception("sync: dossier %s cannot be built into a message", dossier_id)
            unsendable.append(dossier_id)
            continue
        if size + len(raw) + 1 > MAX_PAYLOAD_BYTES:
            if not planned:
                unsendable.append(dossier_id)  # too large for any batch on its own
                continue
            break  # full: the rest waits for the next batch
        size += len(raw) + 1
        encoded.append(raw)
        planned.append(
            Planned(
                message=message,
                dossier_id=dossier_id,
                version=dossier.version,
                row_ids=by_dossier[dossier_id],
            )
        )
    payload = b'{"province":%s,"batch_id":%s,"messages":[%s]}' % (
        _json(province),
        _json(str(batch_id)),
        b",".join(encoded),
    )
    claim = Claim(batch_id=batch_id, province=province, planned=planned, payload=payload)
    claim.by_id = {item.id: item for item in planned}
    return claim, unsendable


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _park_unsendable(row_ids: list[int]) -> int:
    """Messages no batch can carry (the dossier is gone, or is a draft, or is larger than a
    batch on its own): dead-lettered at once with the reason, for the administrator."""
    if not row_ids:
        return 0
    OutboxMessage.objects.filter(pk__in=row_ids).update(
        status=OutboxMessage.Status.DEAD,
        next_attempt_at=None,
        last_error=_(
            "Không thể đóng gói thông điệp này (hồ sơ không còn, là bản nháp, hoặc lớn hơn "
            "giới hạn 5 MiB của một gói tin)."
        ),
    )
    log.warning("outbox.dead %s %s", TOPIC, row_ids, extra={"code": "outbox.dead", "topic": TOPIC})
    return len(row_ids)


def _deliveries(
    claim: Claim, outcome: str, now: datetime, reasons: dict[str, dict[str, str]] | None = None
) -> list[NationalDelivery]:
    reasons = reasons or {}
    rows: list[NationalDelivery] = []
    for item in claim.planned:
        reason = reasons.get(item.id, {})
        this = NationalDelivery.Outcome.REJECTED if reason else outcome
        rows.extend(
            NationalDelivery(
                outbox_id=pk,
                dossier_id=item.dossier_id,
                message_id=uuid.UUID(item.id),
                version=item.version,
                batch_id=claim.batch_id,
                outcome=this,
                reason_code=reason.get("code", "")[:64],
                reason=reason.get("message", ""),
                at=now,
            )
            for pk in item.row_ids
        )
    return rows


def _save_deliveries(rows: list[NationalDelivery]) -> None:
    NationalDelivery.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["outbox"],
        update_fields=[
            "message_id",
            "version",
            "batch_id",
            "outcome",
            "reason_code",
            "reason",
            "at",
        ],
    )


def _record_answer(claim: Claim, answer: Answer, *, now: datetime) -> dict[str, int]:
    rejected = {item["id"]: item for item in answer.rejected if item["id"] in claim.by_id}
    acknowledged = [item for item in claim.planned if item.id not in rejected]
    with transaction.atomic():
        OutboxMessage.objects.filter(
            pk__in=[pk for item in acknowledged for pk in item.row_ids]
        ).update(
            status=OutboxMessage.Status.SENT,
            sent_at=now,
            last_error="",
            next_attempt_at=None,
            attempts=F("attempts") + 1,
        )
        for message_id, reason in rejected.items():
            OutboxMessage.objects.filter(pk__in=claim.by_id[message_id].row_ids).update(
                status=OutboxMessage.Status.DEAD,
                next_attempt_at=None,
                attempts=F("attempts") + 1,
                last_error=f"{reason['code']}: {reason['message']}"[:2000],
            )
        _save_deliveries(_deliveries(claim, NationalDelivery.Outcome.ACKNOWLEDGED, now, rejected))
        unsynced = set(
            Dossier.objects.filter(
                pk__in=[item.dossier_id for item in acknowledged], synced=False
            ).values_list("pk", flat=True)
        )
        synced = 0
        for item in sorted(acknowledged, key=lambda planned: planned.dossier_id):
            if item.dossier_id in unsynced:
                synced += dossier_mark_synced(dossier_id=item.dossier_id, version=item.version)
        audit_record(
            actor=None,
            action="sync.batch",
            object_type="national_batch",
            object_id=str(claim.batch_id),
            data={
                "messages": len(claim.planned),
                "accepted": answer.accepted,
                "duplicates": answer.duplicates,
                "stale": answer.stale,
                "rejected": len(rejected),
                "synced": synced,
            },
        )
    log.info(
        "sync.batch %s: %s messages, %s rejected",
        claim.batch_id,
        len(claim.planned),
        len(rejected),
        extra={"code": "sync.batch", "batch_id": str(claim.batch_id)},
    )
    # Counted by outbox message, as the outbox counts: several may ride in one message.
    return {
        "sent": sum(len(item.row_ids) for item in acknowledged),
        "rejected": sum(len(claim.by_id[i].row_ids) for i in rejected),
    }


def _record_failure(claim: Claim, reason: str, *, now: datetime) -> dict[str, int]:
    """The whole batch waits for its retry, and so does every sender: the national instance
    is not hammered with new batches while it cannot take the one before."""
    with transaction.atomic():
        rows = list(OutboxMessage.objects.select_for_update().filter(pk__in=claim.row_ids))
        tries = max((row.attempts for row in rows), default=0) + 1
        retry_at = now + retry_delay(tries)
        outcomes: Counter[str] = Counter()
        for row in rows:
            row.attempts += 1
            row.last_error = reason[:2000]
            if row.attempts >= MAX_ATTEMPTS:
                row.status, row.next_attempt_at = OutboxMessage.Status.DEAD, None
                outcomes["dead"] += 1
            else:
                row.status, row.next_attempt_at = OutboxMessage.Status.FAILED, retry_at
                outcomes["failed"] += 1
        OutboxMessage.objects.bulk_update(
            rows, ["attempts", "last_error", "status", "next_attempt_at"]
        )
        failures = _deliveries(claim, NationalDelivery.Outcome.FAILED, now)
        for delivery in failures:
            delivery.reason = reason[:2000]
        _save_deliveries(failures)
        SyncSender.objects.filter(pk=1).update(paused_until=retry_at)
        transaction.on_commit(lambda: outbox_wake(retry_at))
    log.warning(
        "outbox.failed %s batch %s (%s messages), next try %s",
        TOPIC,
        claim.batch_id,
        len(rows),
        retry_at.isoformat(),
        extra={"code": "outbox.failed", "topic": TOPIC, "batch_id": str(claim.batch_id)},
    )
    return dict(outcomes)
