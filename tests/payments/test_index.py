"""Online payments feed the §7 payment group (dossiers with a fee received in the period and
paid online) and the §8 payments_online_* figures (online payments confirmed in the period),
live, and the counters still equal a rebuild; counter payments do not count as online."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from motcua.core.worktime import TZ
from motcua.counters.selectors import counters_snapshot
from motcua.counters.services import counters_rebuild
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, State
from motcua.index.engine import Period, index_compute, kpi_compute
from motcua.payments.gateways import gateway_get
from motcua.payments.models import Payment, Refund, Status
from motcua.payments.sandbox import SandboxGateway
from motcua.payments.services import (
    notification_handle,
    payment_record_counter,
    payment_start,
    payments_reconcile,
)
from tests.payments.conftest import FEE, ipn_params

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))  # the walker plays on 2 March 2026
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31))
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))
DECEMBER = Period(date(2026, 12, 1), date(2026, 12, 31))
RECEIVED_IN_OCTOBER = datetime(2026, 10, 30, 9, 0, tzinfo=TZ)  # Friday
PAID_IN_NOVEMBER = datetime(2026, 11, 2, 8, 15, tzinfo=TZ)  # the next Monday


def pay_online(citizen, dossier, *, at: datetime | None = None, nonce: str = "n-1") -> Payment:
    """Start an online payment and have the sandbox confirm it at `at` (default: now)."""
    payment, _ = payment_start(
        actor=citizen, dossier=dossier, gateway_name="sandbox", return_url="http://t/", at=at
    )
    confirm(payment, at=at, nonce=nonce)
    return payment


def confirm(payment: Payment, *, at: datetime | None = None, nonce: str = "n-1") -> None:
    params = ipn_params(payment, at=at, nonce=nonce, transaction_no=f"TX-{nonce}")
    outcome, _ = notification_handle(gateway_name="sandbox", params=params, now=at)
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


def received_at(walker, moment: datetime) -> Dossier:
    dossier = walker.create(at=moment - timedelta(hours=1))
    dossier = walker.act(dossier, Action.SUBMIT, at=moment - timedelta(minutes=30))
    return walker.act(dossier, Action.RECEIVE, at=moment)


def assert_counters_equal_a_rebuild() -> None:
    snapshot = counters_snapshot()
    counters_rebuild()
    assert counters_snapshot() == snapshot


@pytest.fixture
def two_received(walker, fees):
    return walker.dossier_in(State.RECEIVED), walker.dossier_in(State.RECEIVED)


def test_a_sandbox_payment_moves_the_index_and_the_kpis(agency, citizen, two_received):
    first, _second = two_received
    assert figures(agency) == (0, 2, 0.0, True, 0, 0)

    pay_online(citizen, first, at=datetime(2026, 3, 3, 10, 0, tzinfo=TZ))

    assert figures(agency) == (1, 2, 5.0, True, 1, 150_000)
    assert Dossier.objects.get(pk=first.pk).paid_online_at == datetime(2026, 3, 3, 10, tzinfo=TZ)
    assert_counters_equal_a_rebuild()


def test_received_in_october_and_paid_in_november_counts_in_each_by_its_own_rule(
    agency, citizen, walker, fees
):
    dossier = received_at(walker, RECEIVED_IN_OCTOBER)

    pay_online(citizen, dossier, at=PAID_IN_NOVEMBER)

    # §7 judges the dossier in the month it was received; §8 counts the payment in the
    # month it was confirmed.
    assert figures(agency, OCTOBER) == (1, 1, 10.0, True, 0, 0)
    assert figures(agency, NOVEMBER) == (0, 0, 10.0, False, 1, FEE)
    assert figures(agency, Period(date(2026, 10, 1), date(2026, 11, 30))) == (
        1,
        1,
        10.0,
        True,
        1,
        FEE,
    )
    stored = Dossier.objects.get(pk=dossier.pk)
    assert (stored.paid_online, stored.paid_online_at) == (True, PAID_IN_NOVEMBER)
    assert_counters_equal_a_rebuild()


def test_amounts_sum_and_cash_never_counts(agency, citizen, reception, walker, fees):
    first = received_at(walker, RECEIVED_IN_OCTOBER)
    second = received_at(walker, RECEIVED_IN_OCTOBER + timedelta(hours=1))
    cash = received_at(walker, RECEIVED_IN_OCTOBER + timedelta(hours=2))

    pay_online(citizen, first, at=PAID_IN_NOVEMBER, nonce="n-1")
    pay_online(citizen, second, at=PAID_IN_NOVEMBER + timedelta(days=3), nonce="n-2")
    payment_record_counter(
        actor=reception, dossier=cash, method="cash", at=PAID_IN_NOVEMBER + timedelta(days=1)
    )

    assert figures(agency, NOVEMBER)[4:] == (2, 2 * FEE)
    assert figures(agency, OCTOBER) == (2, 3, 10 * (2 / 3), True, 0, 0)
    stored = Dossier.objects.get(pk=cash.pk)
    assert (stored.paid_online, stored.paid_online_at) == (False, None)
    assert_counters_equal_a_rebuild()


def test_a_second_online_payment_of_a_paid_dossier_changes_nothing(
    agency, citizen, walker, fees, caplog
):
    dossier = received_at(walker, RECEIVED_IN_OCTOBER)
    # Two windows: the first left open past its 15 minutes, so a second order is opened;
    # the applicant paid both.
    first, _ = payment_start(
        actor=citizen,
        dossier=dossier,
        gateway_name="sandbox",
        return_url="http://t/",
        at=PAID_IN_NOVEMBER,
    )
    second, _ = payment_start(
        actor=citizen,
        dossier=dossier,
        gateway_name="sandbox",
        return_url="http://t/",
        at=PAID_IN_NOVEMBER + timedelta(minutes=20),
    )
    assert first.pk != second.pk
    confirm(second, at=PAID_IN_NOVEMBER + timedelta(minutes=25), nonce="n-2")
    version = Dossier.objects.get(pk=dossier.pk).version

    confirm(first, at=datetime(2026, 12, 1, 9, 0, tzinfo=TZ), nonce="n-1")

    # One paid payment per dossier: the later confirmation is an overpayment to refund.
    assert list(
        Payment.objects.filter(dossier=dossier).order_by("pk").values_list("pk", "status")
    ) == [(first.pk, Status.OVERPAID), (second.pk, Status.PAID)]
    refund = Refund.objects.get()
    assert (refund.payment_id, refund.kept_id, refund.amount, refund.state) == (
        first.pk,
        second.pk,
        FEE,
        Refund.State.OPEN,
    )
    assert "payment taken twice" in caplog.text
    stored = Dossier.objects.get(pk=dossier.pk)
    assert stored.paid_online_at == PAID_IN_NOVEMBER + timedelta(minutes=25)
    assert stored.version == version  # not the dossier's payment: no event
    assert figures(agency, NOVEMBER)[4:] == (1, FEE)
    assert figures(agency, DECEMBER)[4:] == (0, 0)
    assert_counters_equal_a_rebuild()


def test_online_after_a_counter_payment_is_the_one_to_refund_and_changes_nothing(
    agency, citizen, reception, walker, fees, caplog
):
    dossier = received_at(walker, RECEIVED_IN_OCTOBER)
    # The applicant opened the gateway's page, then paid cash at the counter, then finished
    # paying online: money taken twice, and the online one is what gets refunded.
    # The counter waits out the gateway's 15-minute window before taking cash; the gateway
    # confirms later all the same.
    payment, _ = payment_start(
        actor=citizen,
        dossier=dossier,
        gateway_name="sandbox",
        return_url="http://t/",
        at=PAID_IN_NOVEMBER - timedelta(minutes=20),
    )
    cash = payment_record_counter(
        actor=reception, dossier=dossier, method="cash", at=PAID_IN_NOVEMBER - timedelta(minutes=2)
    )
    version = Dossier.objects.get(pk=dossier.pk).version

    confirm(payment, at=PAID_IN_NOVEMBER)

    payment.refresh_from_db()
    assert (payment.status, payment.paid_at) == (Status.OVERPAID, PAID_IN_NOVEMBER)
    assert payment.receipt_no is None
    assert Refund.objects.get().kept_id == cash.pk
    assert f"payment taken twice: order={payment.order_ref} kept={cash.order_ref}" in caplog.text
    stored = Dossier.objects.get(pk=dossier.pk)
    assert (stored.paid_online, stored.paid_online_at) == (False, None)
    assert stored.version == version  # not the dossier's payment: no event
    assert figures(agency, NOVEMBER)[4:] == (0, 0)
    assert figures(agency, OCTOBER) == (0, 1, 0.0, True, 0, 0)
    assert_counters_equal_a_rebuild()


def test_paid_while_applying_counts_as_a_payment_at_once_and_in_the_index_from_reception(
    agency, citizen, walker, fees
):
    period = Period(date(2026, 3, 1), date(2099, 12, 31))  # paid "now", received after it
    dossier = walker.dossier_in(State.SUBMITTED)
    pay_online(citizen, dossier)
    assert figures(agency, period) == (0, 0, 10.0, False, 1, FEE)  # not received: no §7 case

    walker.act(dossier, Action.RECEIVE)

    assert figures(agency, period) == (1, 1, 10.0, True, 1, FEE)
    assert_counters_equal_a_rebuild()


def test_a_counter_payment_is_not_an_online_payment(agency, reception, two_received):
    first, _second = two_received
    payment_record_counter(actor=reception, dossier=first, method="cash")
    assert figures(agency) == (0, 2, 0.0, True, 0, 0)
    assert Dossier.objects.get(pk=first.pk).paid_online_at is None


LATE_EVENING = datetime(2026, 11, 2, 23, 50, tzinfo=TZ)
NOV_2 = Period(date(2026, 11, 2), date(2026, 11, 2))
NOV_3 = Period(date(2026, 11, 3), date(2026, 11, 3))


def test_a_notification_delivered_after_midnight_counts_on_the_day_it_was_paid(
    agency, citizen, walker, fees
):
    dossier = received_at(walker, RECEIVED_IN_OCTOBER)
    payment, _ = payment_start(
        actor=citizen,
        dossier=dossier,
        gateway_name="sandbox",
        return_url="http://t/",
        at=LATE_EVENING - timedelta(minutes=5),
    )
    params = ipn_params(payment, at=LATE_EVENING, nonce="n-late")

    # The gateway's retries reach us the next morning.
    outcome, _ = notification_handle(
        gateway_name="sandbox", params=params, now=LATE_EVENING + timedelta(hours=8)
    )

    assert outcome == "confirmed"
    assert Dossier.objects.get(pk=dossier.pk).paid_online_at == LATE_EVENING
    assert figures(agency, NOV_2)[4:] == (1, FEE)
    assert figures(agency, NOV_3)[4:] == (0, 0)
    assert_counters_equal_a_rebuild()


def test_reconciliation_dates_a_payment_by_the_gateway_not_by_the_sweep(
    agency, citizen, walker, fees, sandbox_mode
):
    dossier = received_at(walker, RECEIVED_IN_OCTOBER)
    with sandbox_mode("no_ipn"):
        payment, url = payment_start(
            actor=citizen,
            dossier=dossier,
            gateway_name="sandbox",
            return_url="http://t/",
            at=LATE_EVENING - timedelta(minutes=5),
        )
        gateway = gateway_get("sandbox")
        assert isinstance(gateway, SandboxGateway)
        gateway.decide(dict(parse_qsl(urlsplit(url).query)), "success", now=LATE_EVENING)

        assert payments_reconcile(now=LATE_EVENING + timedelta(hours=1)) == {"paid": 1}

    payment.refresh_from_db()
    assert payment.paid_at == LATE_EVENING
    assert Dossier.objects.get(pk=dossier.pk).paid_online_at == LATE_EVENING
    assert figures(agency, NOV_2)[4:] == (1, FEE)
    assert figures(agency, NOV_3)[4:] == (0, 0)
    assert_counters_equal_a_rebuild()
