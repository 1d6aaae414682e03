"""Migration index 0003: the online-payment counters computed from the dossiers, the retired
reception-day amount dropped, every other counter left alone."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from motcua.core.worktime import TZ
from motcua.counters.models import DailyCounter
from motcua.counters.selectors import counters_snapshot
from motcua.counters.services import counters_rebuild
from motcua.dossiers.models import Dossier, State
from motcua.index.backfills import payment_counters_rebuild
from motcua.payments.services import payment_record_history
from tests.factories import FeeLineFactory

pytestmark = pytest.mark.django_db
PAYMENT_METRICS = ("payments_online", "payments_online_amount")


@pytest.fixture
def fee(three_step_procedure):
    FeeLineFactory(procedure=three_step_procedure, name="Lệ phí", amount=80_000)


def test_payment_counters_are_recomputed_by_confirmation_day(walker, agency, fee):
    late_evening = datetime(2026, 3, 4, 23, 30, tzinfo=TZ)
    for moment in (late_evening, datetime(2026, 3, 5, 0, 10, tzinfo=TZ), late_evening):
        payment_record_history(
            dossier=walker.dossier_in(State.RECEIVED),
            gateway="sandbox",
            transaction_id="1",
            at=moment,
        )
    walker.dossier_in(State.RECEIVED)  # unpaid
    expected = counters_snapshot()
    # The database as the migration finds it: no payment counters yet, the retired metric
    # still there, every other counter right.
    DailyCounter.objects.filter(metric__in=PAYMENT_METRICS).delete()
    DailyCounter.objects.create(
        agency=agency, day=date(2026, 3, 2), metric="paid_online_amount", value=240_000
    )
    apps = MigrationLoader(connection).project_state(("index", "0003_payment_counters")).apps

    written = payment_counters_rebuild(apps)

    assert written == 4
    assert counters_snapshot() == expected
    a = agency.pk
    assert {k: v for k, v in expected.items() if k[2] in PAYMENT_METRICS} == {
        (a, date(2026, 3, 4), "payments_online"): 2,
        (a, date(2026, 3, 4), "payments_online_amount"): 160_000,
        (a, date(2026, 3, 5), "payments_online"): 1,
        (a, date(2026, 3, 5), "payments_online_amount"): 80_000,
    }
    counters_rebuild()
    assert counters_snapshot() == expected


def test_a_paid_dossier_without_a_fee_or_a_moment_adds_no_counter(walker, agency):
    free = walker.dossier_in(State.RECEIVED)
    Dossier.objects.filter(pk=free.pk).update(
        paid_online=True, paid_online_at=datetime(2026, 3, 4, 9, tzinfo=TZ)
    )
    apps = MigrationLoader(connection).project_state(("index", "0003_payment_counters")).apps

    assert payment_counters_rebuild(apps) == 0
    assert DailyCounter.objects.filter(metric__in=PAYMENT_METRICS).count() == 0
