"""Chaining events written before the chain existed (the data migration), a batch of
dossiers at a time, each dossier's events in `seq` order.

Only for that migration: re-chaining a live table would launder whatever was edited in it.
"""

from __future__ import annotations

from typing import Any

from django.db import connections

from motcua.dossiers.audit.chain import GENESIS, event_hash

DOSSIERS_PER_BATCH = 1000
ROWS_PER_UPDATE = 500


def chains_fill(*, event_model: Any, dossier_model: Any, using: str) -> int:
    """Hash every event of every dossier (the models may be the migration's historical
    ones); returns how many events were hashed."""
    connection = connections[using]
    table = connection.ops.quote_name(event_model._meta.db_table)
    done = 0
    last = 0
    while True:
        batch = list(
            dossier_model.objects.using(using)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "reference")[:DOSSIERS_PER_BATCH]
        )
        if not batch:
            return done
        references = dict(batch)
        events = (
            event_model.objects.using(using)
            .filter(dossier_id__gt=last, dossier_id__lte=batch[-1][0])
            .order_by("dossier_id", "seq")
            .values_list(
                "pk",
                "dossier_id",
                "seq",
                "at",
                "actor_id",
                "action",
                "from_state",
                "to_state",
                "note",
                "payload",
            )
        )
        hashes: list[tuple[int, str]] = []
        current, prev = None, GENESIS
        for pk, dossier, seq, at, actor, action, from_state, to_state, note, payload in events:
            if dossier != current:
                current, prev = dossier, GENESIS
            prev = event_hash(
                reference=references[dossier],
                seq=seq,
                at=at,
                actor_id=actor,
                action=action,
                from_state=from_state,
                to_state=to_state,
                note=note,
                payload=payload,
                prev=prev,
            )
            hashes.append((pk, prev))
        with connection.cursor() as cursor:
            for start in range(0, len(hashes), ROWS_PER_UPDATE):
                hashes_update(cursor, table, hashes[start : start + ROWS_PER_UPDATE])
        done += len(hashes)
        last = batch[-1][0]


def hashes_update(cursor: Any, table: str, rows: list[tuple[int, str]]) -> None:
    """Set `hash` on many events in one statement (`UPDATE … FROM (VALUES …)`, which both
    databases read the same way)."""
    if not rows:
        return
    values = ", ".join(["(CAST(%s AS BIGINT), %s)"] * len(rows))
    cursor.execute(
        f"UPDATE {table} SET hash = v.column2 FROM (VALUES {values}) AS v "
        f"WHERE {table}.id = v.column1",
        [value for row in rows for value in row],
    )
