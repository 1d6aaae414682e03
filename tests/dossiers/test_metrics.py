"""A dossier's contributions to the daily counters (`dossiers.metrics`) and the §7 on-time
rule, on hand-computed cases."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from motcua.core.worktime import TZ
from motcua.dossiers.metrics import contributions, is_on_time
from motcua.dossiers.models import Dossier


def test_on_time_rule():
    due = datetime(2026, 3, 5, 9, 0, tzinfo=TZ)
    assert is_on_time(Dossier(finished_at=due, due_at=due, supplement_count=1))
    assert not is_on_time(Dossier(finished_at=due.replace(minute=1), due_at=due))
    # Early, but a second supplement request after reception: not on time (§7).
    assert not is_on_time(Dossier(finished_at=due.replace(day=2), due_at=due, supplement_count=2))
    assert is_on_time(Dossier(finished_at=due, due_at=None))


def test_contributions_of_a_received_online_dossier_with_a_paid_fee():
    # Paid at 23:30 UTC on 2 March: 06:30 on 3 March in Huế, the day §8 counts it on.
    dossier = Dossier(
        agency_id=7,
        channel="online",
        fee_amount=50000,
        paid_online=True,
        paid_online_at=datetime(2026, 3, 2, 23, 30, tzinfo=UTC),
        received_at=datetime(2026, 3, 2, 9, tzinfo=TZ),
    )
    day, paid = date(2026, 3, 2), date(2026, 3, 3)
    assert contributions(dossier, offers_online=True) == {
        (7, day, "received"): 1,
        (7, day, "received_online"): 1,
        (7, day, "received_online_offer"): 1,
        (7, day, "received_online_offer_online"): 1,
        (7, day, "with_fee"): 1,
        (7, day, "with_fee_paid_online"): 1,
        (7, paid, "payments_online"): 1,
        (7, paid, "payments_online_amount"): 50000,
    }


def test_a_payment_before_reception_counts_on_its_own_day():
    dossier = Dossier(
        agency_id=7,
        channel="online",
        fee_amount=50000,
        paid_online=True,
        paid_online_at=datetime(2026, 3, 2, 9, tzinfo=TZ),
    )
    assert contributions(dossier, offers_online=True) == {
        (7, date(2026, 3, 2), "payments_online"): 1,
        (7, date(2026, 3, 2), "payments_online_amount"): 50000,
    }


@pytest.mark.parametrize(
    ("fee_amount", "paid_online", "paid_online_at"),
    [
        (0, True, datetime(2026, 3, 3, 9, tzinfo=TZ)),  # nothing to pay: not a payment
        (50000, False, None),  # not paid online (cash at the counter)
        (50000, True, None),  # flag without a moment (never written since 0005)
    ],
)
def test_no_payment_counter_without_a_fee_the_flag_and_the_moment(
    fee_amount, paid_online, paid_online_at
):
    dossier = Dossier(
        agency_id=7,
        channel="online",
        fee_amount=fee_amount,
        paid_online=paid_online,
        paid_online_at=paid_online_at,
        received_at=datetime(2026, 3, 2, 9, tzinfo=TZ),
    )
    metrics = {metric for _agency, _day, metric in contributions(dossier, offers_online=True)}
    assert metrics & {"payments_online", "payments_online_amount"} == set()
