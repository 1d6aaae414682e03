"""The hash chain of a dossier's events: what one event's `hash` commits to.

Each event's hash is SHA-256 over a stable JSON serialisation of its own content and the hash
of the event before it (the first event's "before" is `GENESIS`). The dossier is named by its
`reference`, which it keeps from creation on (the `code` is given only at reception, so a
draft's first events could not commit to it). The serialisation is versioned (`VERSION`):
changing any part of it means a new version and a migration that re-chains, never a silent
edit, or every stored chain stops verifying.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

VERSION = "motcua.dossier-event/1"
GENESIS = hashlib.sha256(b"motcua.dossier-event/genesis").hexdigest()


def moment_text(at: datetime) -> str:
    """A moment as hashed: UTC, ISO 8601, always with microseconds."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def payload_canonical(payload: Any) -> Any:
    """The payload as the database gives it back (JSON round trip: tuples become lists,
    keys become text), so the writer hashes what the verifier will read."""
    return json.loads(json.dumps(payload if payload is not None else {}))


def event_hash(
    *,
    reference: str,
    seq: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    from_state: str,
    to_state: str,
    note: str,
    payload: Any,
    prev: str,
) -> str:
    """The hash of one event; `payload` as read from the database (`payload_canonical`)."""
    text = json.dumps(
        [
            VERSION,
            reference,
            seq,
            moment_text(at),
            actor_id,
            action,
            from_state,
            to_state,
            note,
            payload if payload is not None else {},
            prev,
        ],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(text.encode()).hexdigest()


class ImportEventHash:
    """The hash of an imported dossier's first event (`import`, seq 1, by no one, payload
    `{"source": file name}`), which the importer writes in SQL. A million rows go through
    this while the file streams, so the constant parts of `event_hash`'s text are put
    together once; `tests/dossiers/test_audit_chain.py` holds the two equal."""

    def __init__(self, source: str) -> None:
        dumps = json.dumps
        self.head = f"[{dumps(VERSION)},"
        self.middle = ',1,"'
        self.after_at = '",null,"import","",'
        self.tail = (
            f',"",{dumps({"source": source}, sort_keys=True, separators=(",", ":"))},'
            f"{dumps(GENESIS)}]"
        )

    def __call__(self, *, reference: str, at: datetime, state: str) -> str:
        dumps = json.dumps
        text = (
            f"{self.head}{dumps(reference)}{self.middle}{moment_text(at)}{self.after_at}"
            f"{dumps(state)}{self.tail}"
        )
        return hashlib.sha256(text.encode()).hexdigest()
