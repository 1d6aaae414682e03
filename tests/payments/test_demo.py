"""The demo's payment history is built through the payment services and agrees with the
dossiers and the index counters."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import transaction

from motcua.core.worktime import TZ
from motcua.counters.selectors import counters_snapshot
from motcua.counters.services import counters_rebuild
from motcua.demo.services import demo_load
from motcua.dossiers.models import Channel, Dossier, DossierEvent
from motcua.payments.models import Payment, Status

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield demo_load(dossiers=150, seed=7, now=NOW)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_demo_payments_match_the_dossiers_and_the_counters(demo):
    paid = Payment.objects.filter(method="online", status=Status.PAID).select_related(
        "dossier__procedure"
    )
    assert paid.count() > 0
    assert {p.dossier_id for p in paid} == set(
        Dossier.objects.filter(paid_online=True).values_list("id", flat=True)
    )
    for payment in paid:
        dossier = payment.dossier
        assert dossier.channel == Channel.ONLINE
        assert dossier.procedure.accepts_online_payment is True
        assert payment.amount == dossier.fee_amount > 0
        assert payment.paid_at == dossier.submitted_at == dossier.paid_online_at
        assert payment.receipt_no is not None
    events = DossierEvent.objects.filter(action="pay")
    assert events.count() == paid.count()
    assert all(e.at <= NOW for e in events)
    snapshot = counters_snapshot()
    counters_rebuild()
    assert counters_snapshot() == snapshot
