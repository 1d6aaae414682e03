"""The demo province is built through the services, so its rows agree with the rules."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import transaction
from django.db.models import Count, F

from motcua.core.worktime import TZ
from motcua.counters.selectors import counters_snapshot
from motcua.counters.services import counters_rebuild
from motcua.demo.services import demo_load
from motcua.directory.models import Agency, Office, Role, StaffRole, User
from motcua.dossiers.models import Channel, Dossier, DossierEvent, State
from motcua.payments.models import Payment, Status

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=TZ)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One demo build for the module, rolled back afterwards so later tests start clean."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield demo_load(dossiers=150, seed=7, now=NOW)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_demo_province_has_its_centre_departments_and_communes(demo):
    levels = dict(Agency.objects.values_list("level").annotate(n=Count("id")))
    assert levels["department"] >= 8
    assert levels["commune"] >= 10
    assert Office.objects.filter(name__contains="Trung tâm Phục vụ hành chính công").exists()


@pytest.mark.django_db
def test_every_state_is_present(demo):
    present = set(Dossier.objects.values_list("state", flat=True))
    assert present == set(State.values)


@pytest.mark.django_db
def test_derived_fields_agree_with_the_events(demo):
    for dossier in Dossier.objects.all():
        events = list(DossierEvent.objects.filter(dossier=dossier).order_by("seq"))
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert events[-1].to_state == dossier.state
        receive = [e for e in events if e.action == "receive"]
        assert (dossier.received_at is not None) == bool(receive)
        if receive:
            assert receive[0].at == dossier.received_at
            assert dossier.code == receive[0].payload["code"]
        assert all(e.at <= NOW for e in events)


@pytest.mark.django_db
def test_some_dossiers_are_late(demo):
    finished_late = Dossier.objects.filter(finished_at__gt=F("due_at")).count()
    open_overdue = Dossier.objects.filter(
        due_at__lt=NOW, finished_at__isnull=True, closed_at__isnull=True
    ).count()
    assert finished_late > 0
    assert open_overdue > 0


@pytest.mark.django_db
def test_the_documented_accounts_exist(demo):
    assert User.objects.get(username="quantri").is_superuser
    assert User.objects.get(username="quantri").check_password("motcua2026")
    for username, role in (
        ("tiepnhan", Role.RECEPTION),
        ("chuyenvien", Role.SPECIALIST),
        ("pheduyet", Role.APPROVER),
        ("lanhdao", Role.LEADER),
    ):
        assert StaffRole.objects.filter(user__username=username, role=role).exists()
    for personal_id in ("046085001234", "046192005678"):
        assert User.objects.get(username=personal_id).personal_id == personal_id


@pytest.mark.django_db
@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 29, 20, 0, tzinfo=TZ),  # a Sunday evening
        datetime(2026, 11, 30, 7, 5, tzinfo=TZ),  # a Monday before the office opens
        datetime(2027, 2, 8, 10, 0, tzinfo=TZ),  # during the Tết holiday
    ],
)
def test_the_demo_loads_whatever_the_day(now):
    demo_load(dossiers=20, seed=3, now=now)
    pinned_open = Dossier.objects.filter(state=State.TRANSFERRED, received_at__lte=now)
    assert pinned_open.count() >= 2
    assert not Dossier.objects.filter(created_at__gt=now).exists()


@pytest.mark.django_db
def test_demo_payments_match_the_dossiers_and_the_counters(demo):
    """The demo's payment history is built through the payment services and agrees with the
    dossiers and the index counters. (Here rather than in tests/payments: the same demo build
    serves both, and a build costs 8–19 s.)"""
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
