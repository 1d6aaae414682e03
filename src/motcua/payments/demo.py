"""The demo's online payments: most applicants of a fee-bearing procedure that takes online
payment pay on the sandbox right after submitting, as they do on the national portal."""

from __future__ import annotations

import random
import zlib
from datetime import datetime

from motcua.catalog.fees import fee_groups
from motcua.catalog.models import Procedure
from motcua.dossiers.models import Dossier
from motcua.payments.services import payment_record_history

SHARE_PAID_ONLINE = 0.7
# One applicant in this many claims a reduced rate or an exemption where the catalog has them.
ONE_IN_REDUCED = 4


def demo_fee_choice(procedure: Procedure, *, channel: str, applicant_id: str) -> dict[str, str]:
    """The fee category a demo applicant declares: the first (general) rate mostly, another
    one now and then. Decided by the applicant's ID, not the demo's random stream, so the
    rest of the demo stays as it was."""
    choice: dict[str, str] = {}
    for group in fee_groups(procedure, channel=channel):
        roll = zlib.crc32(f"{applicant_id}:{procedure.code}:{group.key}".encode())
        reduced = roll % ONE_IN_REDUCED == 0 and len(group.options) > 1
        option = group.options[1 + roll % (len(group.options) - 1)] if reduced else group.options[0]
        choice[group.key] = option.condition
    return choice


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
