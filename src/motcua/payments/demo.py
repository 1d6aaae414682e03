"""The demo's online payments: most applicants of a fee-bearing procedure that takes online
payment pay on the sandbox right after submitting, as they do on the national portal."""

from __future__ import annotations

import random
from datetime import datetime

from motcua.dossiers.models import Dossier
from motcua.payments.services import payment_record_history

SHARE_PAID_ONLINE = 0.7


def demo_pay_online(dossier: Dossier, *, at: datetime) -> None:
    # Its own random stream, seeded by the dossier, so the rest of the demo stays as it was.
    rng = random.Random(f"payment-{dossier.pk}")
    if dossier.fee_amount <= 0 or not dossier.procedure.accepts_online_payment:
        return
    if rng.random() >= SHARE_PAID_ONLINE:
        return
    payment_record_history(
        dossier=dossier,
        gateway="sandbox",
        transaction_id=f"{at:%y%m%d}{rng.randrange(10**8):08d}",
        at=at,
    )
