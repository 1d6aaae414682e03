"""Data migrations' work, kept out of the migration files so that tests can call it.

Each function takes the migration's `apps` registry and uses only the historical models it
returns: it must keep doing what it did when its migration was written, whatever the live
models become.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce


def paid_online_at_backfill(apps: Any) -> int:
    """Set `paid_online_at` on dossiers paid online before it existed; returns how many.

    The moment is the earliest confirmed online payment's `paid_at`, as a confirmation
    sets it now. Imported history has `paid_online` without payment rows: its reception is
    the best moment known (what `import-dossiers` now sets too).
    """
    Dossier = apps.get_model("dossiers", "Dossier")
    pending = Dossier.objects.filter(paid_online=True, paid_online_at__isnull=True)
    try:
        Payment = apps.get_model("payments", "Payment")
    except LookupError:  # a state without the payments app: no payment rows to read
        return pending.update(paid_online_at=F("received_at"))
    first_paid = (
        Payment.objects.filter(
            dossier_id=OuterRef("pk"), method="online", status="paid", paid_at__isnull=False
        )
        .order_by("paid_at")
        .values("paid_at")[:1]
    )
    return pending.update(paid_online_at=Coalesce(Subquery(first_paid), F("received_at")))
