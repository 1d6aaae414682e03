"""Random dossier histories — transitions, online and counter payments — : the counters moved
step by step equal a rebuild from the dossiers, and the index and KPIs computed from either
are the same."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.core.errors import MotcuaError
from motcua.counters.selectors import counters_snapshot
from motcua.counters.services import counters_rebuild
from motcua.dossiers.lifecycle import TABLE
from motcua.dossiers.models import Dossier
from motcua.index.engine import Period, index_compute, kpi_compute
from motcua.payments.services import payment_record_counter, payment_record_history
from tests.factories import FeeLineFactory
from tests.walker import T0

# Besides the lifecycle's actions: the fee paid online (confirmed by the gateway at that
# moment) or at the counter. A dossier already paid, closed or free refuses both.
PAYMENTS = ("pay_online", "pay_cash")

# Each step: which dossier, which of the actions its state allows, how long after.
steps = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 20), st.integers(10, 60 * 30)),
    min_size=1,
    max_size=60,
)


def allowed(state: str) -> list[str]:
    return sorted(action for (s, action) in TABLE if s == state)


@pytest.fixture
def fee_bearing(three_step_procedure):
    three_step_procedure.accepts_online_payment = True
    three_step_procedure.save(update_fields=["accepts_online_payment"])
    FeeLineFactory(procedure=three_step_procedure, name="Lệ phí", amount=120_000)
    return three_step_procedure


def play(walker, dossier: Dossier, action: str, moment) -> Dossier:
    if action == "pay_online":
        payment_record_history(dossier=dossier, gateway="sandbox", transaction_id="1", at=moment)
        return dossier
    if action == "pay_cash":
        payment_record_counter(actor=walker.reception, dossier=dossier, method="cash", at=moment)
        return dossier
    return walker.act(dossier, action, at=moment)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=steps)
def test_incremental_counters_equal_a_rebuild(walker, agency, fee_bearing, history):
    dossiers = [walker.create(at=T0) for _ in range(4)]
    moment = T0
    for index, choice, minutes in history:
        dossier = Dossier.objects.get(pk=dossiers[index].pk)
        options = allowed(dossier.state)
        if not options:
            continue
        options += PAYMENTS
        action = options[choice % len(options)]
        moment += timedelta(minutes=minutes)
        try:
            dossiers[index] = play(walker, dossier, action, moment)
        except MotcuaError:
            continue  # refused by a business rule (last step, first step…): nothing written
    incremental = counters_snapshot()
    period = Period(date(2026, 1, 1), date(2026, 12, 31))
    index_before = index_compute(agency=agency, period=period)
    kpi_before = kpi_compute(agency=agency, period=period)
    counters_rebuild()
    assert counters_snapshot() == incremental
    assert index_compute(agency=agency, period=period) == index_before
    assert kpi_compute(agency=agency, period=period) == kpi_before
