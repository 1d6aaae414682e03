from __future__ import annotations

from typing import Any

from motcua.core.models import AuditEvent
from motcua.core.rows import rows_insert


def audit_record(
    *, actor: Any, action: str, object_type: str, object_id: str | int = "", data=None
) -> AuditEvent:
    """Append an audit event; `actor` may be None for the system itself."""
    event = AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        data=data or {},
    )
    rows_insert([event])  # an audit row is written on every write: without the compiler
    return event
