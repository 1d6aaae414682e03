"""Online payments feed the §7 payment group and the §8 payments_online_* figures, live,
and the counters still equal a rebuild; counter payments do not count as online."""

from __future__ import annotations

from datetime import date

import pytest

from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import State
from motcua.index.engine import Period, index_compute, kpi_compute
from motcua.index.metrics import counters_rebuild, counters_snapshot
from motcua.payments.services import notification_handle, payment_record_counter, payment_start
from tests.payments.conftest import ipn_params

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))  # the walker plays on 2 March 2026


def paid_online(agency, dossier, citizen) -> None:
    payment, _ = payment_start(
        actor=citizen, dossier=dossier, gateway_name="sandbox", return_url="http://t/"
    )
    outcome, _ = notification_handle(gateway_name="sandbox", params=ipn_params(payment))
    assert outcome == "confirmed"


def figures(agency, period: Period = MARCH) -> tuple:
    index = index_compute(agency=agency, period=period)
    group = next(g for g in index["groups"] if g["key"] == "payment")
    (paid,) = group["indicators"]
    kpi = kpi_compute(agency=agency, period=period)
    return (
        paid["numerator"],
        paid["denominator"],
        paid["score"],
        paid["applicable"],
        kpi["payments_online_count"],
        kpi["payments_online_amount"],
    )


@pytest.fixture
def two_received(walker, fees):
    return walker.dossier_in(State.RECEIVED), walker.dossier_in(State.RECEIVED)


def test_a_sandbox_payment_moves_the_index_and_the_kpis(agency, citizen, two_received):
    first, _second = two_received
    assert figures(agency) == (0, 2, 0.0, True, 0, 0)

    paid_online(agency, first, citizen)

    assert figures(agency) == (1, 2, 5.0, True, 1, 150_000)
    snapshot = counters_snapshot()
    counters_rebuild()
    assert counters_snapshot() == snapshot


def test_paid_while_applying_counts_from_reception(agency, citizen, walker, fees):
    # Paid today, received half an hour after: a period from March to the far future.
    period = Period(date(2026, 3, 1), date(2099, 12, 31))
    dossier = walker.dossier_in(State.SUBMITTED)
    paid_online(agency, dossier, citizen)
    assert figures(agency, period) == (0, 0, 10.0, False, 0, 0)  # not received: nothing to judge

    walker.act(dossier, Action.RECEIVE)

    assert figures(agency, period) == (1, 1, 10.0, True, 1, 150_000)


def test_a_counter_payment_is_not_an_online_payment(agency, reception, two_received):
    first, _second = two_received
    payment_record_counter(actor=reception, dossier=first, method="cash")
    assert figures(agency) == (0, 2, 0.0, True, 0, 0)
