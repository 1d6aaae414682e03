"""The receiver of §12.1: verify a province's signed batch, then apply it in one transaction.

The order of the checks is the contract's: size (413), a compact JWS (400), the signer's key,
algorithm and signature (401), the payload as a batch (400), the payload's province against
the key's (401) — all before anything is written to the tables (the key is the province's
active one, confirmed in the batch's transaction or before any refusal). Then, per message:
duplicate id, contract check, a code another province holds, stale version.

The batch costs a fixed number of statements, whatever its size, in two round trips: the
province's active key, the ids already seen, the stored snapshots of its codes and the
catalog's online procedures read together, then one upsert of the snapshots, one insert of
the ids and two upserts of the counters (moved by the summed `contributions(new) -
contributions(old)`, in the same transaction) written together.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import operator
import threading
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import JSONField
from django.db.models.fields import DateTimeField
from django.utils import timezone
from django.utils.translation import gettext as _
from joserfc import jws
from joserfc.errors import JoseError, SecurityWarning
from joserfc.jwk import OKPKey
from joserfc.jws import CompactSignature, JWSRegistry

from motcua.catalog.models import Procedure
from motcua.core.errors import MotcuaError, ValidationFailed
from motcua.national.bulk import Column, arrays_upsert, pipelined, rows_fetch
from motcua.national.contract import (
    BadBatch,
    Batch,
    Checked,
    Rejection,
    batch_parse,
    message_check,
    payload_load,
    payload_risky,
)
from motcua.national.counters import national_counters_apply
from motcua.national.metrics import FACTS, Wide, contributions_add
from motcua.national.models import Peer, ReceivedMessage, Snapshot
from motcua.national.peers import key_of, peer_public_key, province_names

MAX_BODY = 5 * 1024 * 1024
ALGORITHM = "EdDSA"
ONLINE_LEVELS = ("full", "partial")
# §12.1 names the JOSE algorithm "EdDSA"; RFC 9864 deprecates the name (for "Ed25519") and
# joserfc warns on every use. The contract is what the provinces send.
warnings.filterwarnings("ignore", message="EdDSA is deprecated", category=SecurityWarning)


class _Registry(JWSRegistry):
    # The batch itself is bounded by MAX_BODY before it gets here.
    max_payload_length = MAX_BODY


REGISTRY = _Registry(algorithms=[ALGORITHM])


class Unauthorized(MotcuaError):
    code = "unauthorized"
    status = 401


class TooLarge(MotcuaError):
    code = "too_large"
    status = 413


def _bad(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="bad_batch")


@dataclass
class Outcome:
    accepted: int = 0
    duplicates: int = 0
    stale: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "stale": self.stale,
            "rejected": self.rejected,
        }


def too_large() -> TooLarge:
    return TooLarge(
        _("Gói tin vượt quá %(n)d MiB.") % {"n": MAX_BODY // (1024 * 1024)},
        fields={"body": "too_large"},
    )


def batch_verify(body: bytes) -> Batch:
    """The batch inside a signed body, or the refusal the contract names (400, 401, 413)."""
    if len(body) > MAX_BODY:
        raise too_large()
    token = body.strip()
    try:
        compact = jws.extract_compact(token, registry=REGISTRY)
        header = dict(compact.protected)
    except Exception as error:
        # Whatever a garbage body makes the parser raise, the answer is the same.
        raise _bad(_("Nội dung không phải chữ ký JWS dạng compact hợp lệ.")) from error
    kid = header.get("kid")
    if not isinstance(kid, str) or kid not in province_names():
        raise Unauthorized(_("Khóa ký ('kid') không thuộc tỉnh nào đã đăng ký."))
    if header.get("alg") != ALGORITHM:
        raise Unauthorized(_("Chỉ chấp nhận chữ ký EdDSA (Ed25519)."))
    pem = _signer(compact, kid)
    try:
        batch = batch_parse(payload_load(compact.payload))
    except BadBatch as error:
        _signer_confirm(kid, pem)
        raise _bad(error.message) from error
    if batch.province != kid:
        _signer_confirm(kid, pem)
        raise Unauthorized(
            _("Gói tin ghi tỉnh '%(claimed)s' nhưng được ký bằng khóa của tỉnh %(kid)s.")
            % {"claimed": batch.province[:16], "kid": kid}
        )
    return dataclasses.replace(batch, risky=payload_risky(compact.payload), signed_with=pem)


# The active key of each province as this process last read it. A body that verifies with
# it spares a read of the peers; the batch's transaction then confirms the key is still the
# active one (in the round trip of its other reads), and a refusal confirms it before
# answering, so a revocation or a rotation holds from that moment as when the key was read
# for every body.
_KEYS: dict[str, tuple[str, OKPKey]] = {}


def _revoked(province: str) -> Unauthorized:
    return Unauthorized(
        _("Tỉnh %(code)s chưa được đăng ký hoặc khóa đã bị thu hồi.") % {"code": province}
    )


def _signature_valid(compact: CompactSignature, key: OKPKey) -> bool:
    try:
        # The body was decoded once already; only the signature is checked here.
        return bool(jws.validate_compact(compact, key, registry=REGISTRY))
    except (JoseError, ValueError, TypeError):
        return False


def _signer(compact: CompactSignature, province: str) -> str:
    """The PEM of the province's key the body's signature verifies with, or 401."""
    known = _KEYS.get(province)
    if known is not None and _signature_valid(compact, known[1]):
        return known[0]
    pem = peer_public_key(province)
    if pem is None:
        _KEYS.pop(province, None)
        raise _revoked(province)
    key = key_of(pem)
    if not _signature_valid(compact, key):
        raise Unauthorized(_("Chữ ký của gói tin không hợp lệ."))
    _KEYS[province] = (pem, key)
    return pem


def _signer_confirm(province: str, pem: str | None) -> None:
    """401 when `pem` is no longer the province's active key."""
    if pem is not None and peer_public_key(province) != pem:
        _KEYS.pop(province, None)
        raise _revoked(province)


def batch_receive(body: bytes) -> Outcome:
    """Verify and apply one POSTed body (§12.1)."""
    with collector_paused():
        batch = batch_verify(body)
        return batch_apply(batch)


_pausing = threading.Lock()
_paused = 0  # batches in progress in this process while the collector is paused


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the length of a batch.

    A batch makes some 20,000 containers (the decoded JSON, a row per message) that live
    until its end and form no cycles, so reference counting frees them all. Left on, the
    collector ran eight times a batch, moving those live rows from generation to generation
    and walking the whole heap of the process now and then: a tenth of a batch's time for
    nothing. It resumes when the last batch in progress (threads of one process) ends."""
    global _paused
    with _pausing:
        # Off already with no batch in progress: someone else's choice, left as found.
        ours = _paused > 0 or gc.isenabled()
        if ours:
            _paused += 1
            gc.disable()
    try:
        yield
    finally:
        if ours:
            with _pausing:
                _paused -= 1
                if _paused == 0:
                    gc.enable()


# --- applying a verified batch -----------------------------------------------------------


_WRITTEN = [f for f in Snapshot._meta.concrete_fields if not f.primary_key]
_COLUMNS = [f.column for f in _WRITTEN]
_UPDATED = [c for c in _COLUMNS if c not in ("province", "code")]
_ROW = operator.itemgetter(*(f.name for f in _WRITTEN))


def snapshot_columns() -> list[Column]:
    return [
        Column(f.column, "text", "::jsonb")
        if isinstance(f, JSONField)
        else Column(f.column, str(f.db_type(connection)))
        for f in _WRITTEN
    ]


def _empty_or_dumped(value: Any) -> str:
    # Most messages carry no unknown key: "{}" without a call to the encoder.
    return json.dumps(value) if value else ("{}" if isinstance(value, dict) else "[]")


def _adapters() -> list[tuple[int, Callable[[Any], Any]]]:
    """The snapshot's columns whose values the database cannot take as they are, with what
    makes them fit: JSON as text, and datetimes where the backend wants them adapted
    (PostgreSQL takes aware datetimes as they are)."""
    adapters: list[tuple[int, Callable[[Any], Any]]] = []
    for index, model_field in enumerate(_WRITTEN):
        if isinstance(model_field, JSONField):
            adapters.append((index, _empty_or_dumped))
        elif isinstance(model_field, DateTimeField) and connection.vendor != "postgresql":
            adapters.append((index, connection.ops.adapt_datetimefield_value))
    return adapters


def snapshot_arrays(rows: Iterable[dict[str, Any]]) -> list[list[Any]]:
    """Snapshot rows (the columns by field name) as one list per column, `_WRITTEN` order,
    ready to bind: each row is read out in C, and only the columns that need it take a
    Python call per value."""
    arrays = [list(values) for values in zip(*map(_ROW, rows), strict=True)]
    if not arrays:
        return [[] for _ in _WRITTEN]
    for index, adapt in _adapters():
        arrays[index] = [adapt(value) for value in arrays[index]]
    return arrays


@dataclass
class _Known:
    """What the tables already hold about a batch's valid messages."""

    seen: set[uuid.UUID]  # ids already applied
    stored: dict[str, dict[str, Any]]  # the province's snapshots of the codes: version, FACTS
    foreign: set[str]  # codes another province holds
    offers: set[str]  # procedure codes the national catalog offers online
    signer: str | None = None  # the PEM of the province's active key


_LOCK = "SELECT pg_advisory_xact_lock(%s, %s)"
_STORED = ("province", "code", "version", *FACTS)


def _known(province: str, valid: list[Checked]) -> _Known:
    """One read of the ids, one of the snapshots of the batch's codes (any province), one of
    the catalog, one of the province's active key; on PostgreSQL after the province's lock,
    all in one round trip."""
    ids = [c.id for c in valid]
    codes = list({c.code for c in valid})
    procedures = list({c.columns["procedure_code"] for c in valid})
    known = _Known(seen=set(), stored={}, foreign=set(), offers=set())
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        # Batches of one province apply one after the other (SQLite's writers queue
        # anyway): the versions read here stay true until the commit.
        _, signer, seen, snapshots, offers = rows_fetch(
            [
                (_LOCK, [0x4E41, int(province)]),
                (
                    f"SELECT public_key FROM {quote(Peer._meta.db_table)} "
                    "WHERE province = %s AND revoked_at IS NULL",
                    [province],
                ),
                (
                    f"SELECT message_id FROM {quote(ReceivedMessage._meta.db_table)} "
                    "WHERE province = %s AND message_id = ANY(%b::uuid[])",
                    [province, ids],
                ),
                (
                    f"SELECT {', '.join(quote(c) for c in _STORED)} "
                    f"FROM {quote(Snapshot._meta.db_table)} WHERE code = ANY(%b::text[])",
                    [codes],
                ),
                (
                    f"SELECT code FROM {quote(Procedure._meta.db_table)} "
                    "WHERE code = ANY(%b::text[]) AND online = ANY(%b::text[])",
                    [procedures, list(ONLINE_LEVELS)],
                ),
            ]
        )
        known.signer = signer[0][0] if signer else None
        known.seen = {row[0] for row in seen}
        snapshot_rows: Any = (dict(zip(_STORED, row, strict=True)) for row in snapshots)
        known.offers = {row[0] for row in offers}
    else:
        known.signer = peer_public_key(province)
        known.seen = set(
            ReceivedMessage.objects.filter(province=province, message_id__in=ids).values_list(
                "message_id", flat=True
            )
        )
        snapshot_rows = Snapshot.objects.filter(code__in=codes).values(*_STORED)
        known.offers = set(
            Procedure.objects.filter(code__in=procedures, online__in=ONLINE_LEVELS).values_list(
                "code", flat=True
            )
        )
    for row in snapshot_rows:
        if row["province"] == province:
            known.stored[row["code"]] = row
        else:
            known.foreign.add(row["code"])
    return known


def batch_apply(batch: Batch, *, now: datetime | None = None) -> Outcome:
    province = batch.province
    now = now or timezone.now()
    checked = [message_check(message, risky=batch.risky) for message in batch.messages]
    valid = [c for c in checked if isinstance(c, Checked)]
    outcome = Outcome()
    stamp = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic():
        if valid:
            known = _known(province, valid)
            if batch.signed_with is not None and known.signer != batch.signed_with:
                _KEYS.pop(province, None)
                raise _revoked(province)
        else:
            _signer_confirm(province, batch.signed_with)
            known = _Known(set(), {}, set(), set())
        seen, stored = known.seen, known.stored
        latest: dict[str, dict[str, Any]] = {}
        remembered: list[Checked] = []
        for item in checked:
            if isinstance(item, Rejection):
                outcome.rejected.append(item.as_dict())
                continue
            if item.id in seen:
                outcome.duplicates += 1
                continue
            if item.code in known.foreign and item.code not in stored:
                outcome.rejected.append(_taken(item))
                continue
            seen.add(item.id)
            remembered.append(item)
            current = latest.get(item.code) or stored.get(item.code)
            if current is not None and item.version <= current["version"]:
                outcome.stale += 1
                continue
            latest[item.code] = {
                **item.columns,
                "province": province,
                "offers_online": item.columns["procedure_code"] in known.offers,
                "updated_at": now,
            }
            outcome.accepted += 1
        delta: Wide = {}
        for code, row in latest.items():
            contributions_add(delta, row)
            if code in stored:
                contributions_add(delta, stored[code], -1)
        # The writes go out together: one wait for the four statements.
        with pipelined():
            _snapshots_write(latest.values())
            _messages_remember(batch, remembered, stamp)
            national_counters_apply(province, delta)
    return outcome


def _messages_remember(batch: Batch, items: list[Checked], at: Any) -> None:
    """The ids of the batch's accepted and stale messages."""
    ids: list[Any] = [item.id for item in items]
    batch_id: Any = batch.batch_id
    if connection.vendor != "postgresql":
        # Django keeps UUIDs as 32 hex characters where the database has no uuid type.
        ids, batch_id = [i.hex for i in ids], batch_id.hex
    arrays_upsert(
        table=ReceivedMessage._meta.db_table,
        columns=[Column("message_id", "uuid"), Column("code", "varchar(64)")],
        arrays=[ids, [item.code for item in items]],
        shared=[
            (Column("province", "varchar(2)"), batch.province),
            (Column("batch_id", "uuid"), batch_id),
            (Column("received_at", "timestamptz"), at),
        ],
        conflict="ON CONFLICT (province, message_id) DO NOTHING",
    )


def _taken(item: Checked) -> dict[str, Any]:
    return Rejection(
        id=str(item.id),
        code="code_taken",
        message=_("Mã hồ sơ '%(code)s' đã thuộc một tỉnh khác.") % {"code": item.code},
    ).as_dict()


def _snapshots_write(rows: Iterable[dict[str, Any]]) -> None:
    """The new versions: one INSERT … ON CONFLICT (province, code) DO UPDATE."""
    quote = connection.ops.quote_name
    arrays_upsert(
        table=Snapshot._meta.db_table,
        columns=snapshot_columns(),
        arrays=snapshot_arrays(rows),
        conflict=f"ON CONFLICT ({quote('province')}, {quote('code')}) DO UPDATE SET "
        + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in _UPDATED),
    )
