"""Signed roots over the dossiers' event chains (`AuditRoot`): what the province hands to
the level above, so that it cannot later rewrite its own history unseen.

A root covers the events written since the root before it (ids above its `last_event_id`):
its heads are, for every dossier touched since, the number and hash of its last event; it
commits to those heads (`heads_digest`, SHA-256 over them in dossier order) and to the
previous root, and is signed with the system's Ed25519 key (`keys.py`). The roots together
thus commit to the head of every chain at each moment a root was made: deleting a dossier's
last events, or the dossier with its events, no longer matches a root.

While a root is made no event is written (the event table is locked against writers: on
PostgreSQL `SHARE ROW EXCLUSIVE`, on SQLite the write lock of an `IMMEDIATE` transaction),
so every event up to `last_event_id` is committed and every later one gets a larger id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from django.db import connections, transaction
from django.db.models import Max
from django.utils import timezone

from motcua.core.audit import audit_record
from motcua.dossiers.audit.chain import moment_text
from motcua.dossiers.audit.keys import public_hex, signing_key
from motcua.dossiers.models import AuditRoot, AuditRootHead, Dossier, DossierEvent

ROOT_VERSION = "motcua.audit-root/1"
ROOT_GENESIS = hashlib.sha256(b"motcua.audit-root/genesis").hexdigest()
HEADS_PER_READ = 5000


def root_message(
    *,
    day: date,
    made_at: datetime,
    last_event_id: int,
    prev: str,
    heads_count: int,
    heads_digest: str,
) -> bytes:
    """What is signed; the root is its SHA-256."""
    return json.dumps(
        [
            ROOT_VERSION,
            day.isoformat(),
            moment_text(made_at),
            last_event_id,
            prev,
            heads_count,
            heads_digest,
        ],
        separators=(",", ":"),
    ).encode()


def message_of(root: AuditRoot) -> bytes:
    return root_message(
        day=root.day,
        made_at=root.made_at,
        last_event_id=root.last_event_id,
        prev=root.prev,
        heads_count=root.heads_count,
        heads_digest=root.heads_digest,
    )


def heads_digest(heads: Iterable[tuple[int, str, int, str]]) -> tuple[int, str]:
    """How many heads and their digest; `heads` as (dossier id, reference, seq, hash) in
    dossier id order."""
    digest = hashlib.sha256()
    count = 0
    for dossier_id, reference, seq, chained in heads:
        digest.update(f"{dossier_id}\t{reference}\t{seq}\t{chained}\n".encode())
        count += 1
    return count, digest.hexdigest()


def heads_of(root: AuditRoot) -> Iterator[tuple[int, str, int, str]]:
    """The root's heads in dossier order, read by pages of the unique (root, dossier)
    index, so the first root of a large installation is never held at once."""
    heads = AuditRootHead.objects.filter(audit_root=root).order_by("dossier_id")
    last = None
    while True:
        page = heads if last is None else heads.filter(dossier_id__gt=last)
        rows = list(page.values_list("dossier_id", "reference", "seq", "hash")[:HEADS_PER_READ])
        yield from rows
        if len(rows) < HEADS_PER_READ:
            return
        last = rows[-1][0]


def audit_root_make(*, now: datetime | None = None) -> AuditRoot | None:
    """Sign a root over the heads of the chains written since the last root; None when no
    event was written since (a root then would say nothing new)."""
    key = signing_key()
    events = DossierEvent.objects
    connection = connections[events.db]
    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(DossierEvent._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        previous = AuditRoot.objects.order_by("-id").first()
        after = previous.last_event_id if previous is not None else 0
        last = events.filter(id__gt=after).aggregate(last=Max("id"))["last"]
        if last is None:
            return None
        made_at = now or timezone.now()
        root = AuditRoot.objects.create(
            day=timezone.localdate(made_at),
            made_at=made_at,
            last_event_id=last,
            prev=previous.root if previous is not None else ROOT_GENESIS,
            heads_count=0,
            heads_digest="",
            root=f"pending-{made_at.timestamp()}",
            signature="",
            public_key=public_hex(key),
        )
        _heads_insert(connection, root=root, after=after, last=last)
        root.heads_count, root.heads_digest = heads_digest(heads_of(root))
        message = message_of(root)
        root.root = hashlib.sha256(message).hexdigest()
        root.signature = key.sign(message).hex()
        root.save(update_fields=["heads_count", "heads_digest", "root", "signature"])
        audit_record(
            actor=None,
            action="audit.root",
            object_type="audit_root",
            object_id=root.pk,
            data={"root": root.root, "heads": root.heads_count},
        )
    return root


def _heads_insert(connection: Any, *, root: AuditRoot, after: int, last: int) -> None:
    """The last event of each dossier among the events with ids in (after, last], set-based."""
    quote = connection.ops.quote_name
    heads = quote(AuditRootHead._meta.db_table)
    events = quote(DossierEvent._meta.db_table)
    dossiers = quote(Dossier._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {heads} (audit_root_id, dossier_id, reference, code, seq, hash) "
            f"SELECT %s, e.dossier_id, d.reference, COALESCE(d.code, ''), e.seq, e.hash "
            f"FROM (SELECT dossier_id, MAX(seq) AS seq FROM {events} "
            f"WHERE id > %s AND id <= %s GROUP BY dossier_id) m "
            f"JOIN {events} e ON e.dossier_id = m.dossier_id AND e.seq = m.seq "
            f"JOIN {dossiers} d ON d.id = e.dossier_id",
            [root.pk, after, last],
        )


def roots_export() -> dict[str, Any]:
    """Every root, with what the level above needs to check it on its own: the signed
    message (UTF-8 bytes; the root is their SHA-256) and the Ed25519 public key."""
    return {
        "format": ROOT_VERSION,
        "algorithm": "Ed25519",
        "exported_at": timezone.now().isoformat(),
        "roots": [
            {
                "day": root.day.isoformat(),
                "made_at": root.made_at.isoformat(),
                "last_event_id": root.last_event_id,
                "prev": root.prev,
                "heads_count": root.heads_count,
                "heads_digest": root.heads_digest,
                "root": root.root,
                "message": message_of(root).decode(),
                "signature": root.signature,
                "public_key": root.public_key,
            }
            for root in AuditRoot.objects.order_by("id").iterator()
        ],
    }
