"""Reconciliation: payments still pending after the gateway's window are asked about, and a
gateway that never answers lets the order expire — after the window, never before."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.core.models import AuditEvent, OutboxMessage
from motcua.core.outbox import outbox_deliver_pending
from motcua.dossiers.models import Dossier, State
from motcua.payments.gateways import QueryResult, gateway_get
from motcua.payments.models import Payment, SandboxTransaction, Status
from motcua.payments.sandbox import SandboxGateway
from motcua.payments.services import notification_handle, payment_start, payments_reconcile
from motcua.payments.tasks import payment_reconcile_task
from tests.payments.conftest import SECRET, ipn_params

RETURN_URL = "http://testserver/thanh-toan/ket-qua/sandbox/"
WINDOW = timedelta(minutes=15)


@pytest.fixture
def dossier(walker, fees):
    return walker.dossier_in(State.RECEIVED)


def start(dossier, citizen, *, at=None) -> Payment:
    payment, _ = payment_start(
        actor=citizen, dossier=dossier, gateway_name="sandbox", return_url=RETURN_URL, at=at
    )
    return payment


def choose_on_hosted_page(payment: Payment, choice: str) -> None:
    """The tester's click on the hosted page (the gateway's ledger), without the browser."""
    gateway = gateway_get("sandbox")
    assert isinstance(gateway, SandboxGateway)
    url = gateway.create_payment_url(payment, RETURN_URL)
    gateway.decide(dict(parse_qsl(urlsplit(url).query)), choice)


def test_a_gateway_that_never_answers_leaves_the_payment_pending_until_the_window_ends(
    dossier, citizen, sandbox_mode
):
    with sandbox_mode("silent"):
        payment = start(dossier, citizen)
        choose_on_hosted_page(payment, "success")
        created = payment.created_at

        assert payments_reconcile(now=created + WINDOW - timedelta(seconds=1)) == {}
        payment.refresh_from_db()
        assert payment.status == Status.PENDING

        assert payments_reconcile(now=created + WINDOW) == {"expired": 1}

    payment.refresh_from_db()
    assert payment.status == Status.EXPIRED
    assert Dossier.objects.get(pk=dossier.pk).paid_online is False
    audit = AuditEvent.objects.get(action="payment.reconcile", object_id=payment.order_ref)
    assert audit.data == {"gateway_status": "pending", "status": "expired"}
    # A second sweep finds nothing left to do.
    assert payments_reconcile(now=created + 2 * WINDOW) == {}


def test_a_lost_ipn_is_made_good_by_the_query(dossier, citizen, sandbox_mode):
    with sandbox_mode("no_ipn"):
        payment = start(dossier, citizen)
        choose_on_hosted_page(payment, "success")
        assert payments_reconcile(now=payment.created_at + timedelta(minutes=14)) == {}
        assert payments_reconcile(now=payment.created_at + WINDOW) == {"paid": 1}
    payment.refresh_from_db()
    decided = SandboxTransaction.objects.get(order_ref=payment.order_ref).decided_at
    assert (payment.status, payment.paid_at) == (Status.PAID, decided)
    assert payment.receipt_no == f"BL-{payment.order_ref[2:8]}-{payment.order_ref[8:]}"
    stored = Dossier.objects.get(pk=dossier.pk)
    assert (stored.paid_online, stored.paid_online_at) == (True, decided)


@pytest.mark.parametrize(("choice", "status"), [("failure", "failed"), ("abandon", "abandoned")])
def test_the_query_reports_failures(dossier, citizen, sandbox_mode, choice, status):
    with sandbox_mode("no_ipn"):
        payment = start(dossier, citizen)
        choose_on_hosted_page(payment, choice)
        assert payments_reconcile(now=payment.created_at + WINDOW) == {status: 1}
    payment.refresh_from_db()
    assert payment.status == status


def test_a_citizen_who_never_opened_the_page_lets_the_order_expire(dossier, citizen):
    payment = start(dossier, citizen)
    assert payments_reconcile(now=payment.created_at + WINDOW) == {"expired": 1}


def test_a_payment_already_settled_by_its_ipn_is_left_alone(dossier, citizen):
    payment = start(dossier, citizen)
    notification_handle(gateway_name="sandbox", params=ipn_params(payment))
    assert payments_reconcile(now=payment.created_at + WINDOW) == {}
    payment.refresh_from_db()
    assert payment.status == Status.PAID


def test_a_late_ipn_after_expiry_still_records_the_money(dossier, citizen, sandbox_mode):
    with sandbox_mode("silent"):
        payment = start(dossier, citizen)
        payments_reconcile(now=payment.created_at + WINDOW)
    payment.refresh_from_db()
    assert payment.status == Status.EXPIRED
    outcome, _ = notification_handle(gateway_name="sandbox", params=ipn_params(payment))
    assert outcome == "confirmed"
    payment.refresh_from_db()
    assert payment.status == Status.PAID


class BrokenGateway(SandboxGateway):
    def query(self, payment: Payment) -> QueryResult:
        raise ConnectionError("gateway down")


class LyingGateway(SandboxGateway):
    def query(self, payment: Payment) -> QueryResult:
        return QueryResult(status=Status.PAID, transaction_id="1", amount=payment.amount - 1)


@pytest.mark.parametrize(
    ("cls", "counts"), [(BrokenGateway, {"error": 1}), (LyingGateway, {"mismatch": 1})]
)
def test_a_failing_or_inconsistent_gateway_changes_nothing(dossier, citizen, cls, counts):
    payment = start(dossier, citizen)
    gateways = {
        "sandbox": {
            "class": f"{cls.__module__}.{cls.__qualname__}",
            "secret": SECRET,
            "timeout_minutes": 15,
        }
    }
    with override_settings(MOTCUA_PAYMENT_GATEWAYS=gateways):
        assert payments_reconcile(now=payment.created_at + WINDOW) == counts
    payment.refresh_from_db()
    assert payment.status == Status.PENDING


def test_the_command_and_the_task(dossier, citizen):
    due = start(dossier, citizen, at=timezone.now() - timedelta(minutes=16))
    out = StringIO()
    call_command("payments_reconcile", stdout=out)
    assert out.getvalue().strip() == "expired: 1"
    due.refresh_from_db()
    assert due.status == Status.EXPIRED

    fresh = start(dossier, citizen)
    assert payment_reconcile_task.call(fresh.pk) == {}
    out = StringIO()
    call_command("payments_reconcile", stdout=out)
    assert out.getvalue().strip() == "0"


def test_each_payment_schedules_its_own_check_at_the_end_of_its_window(
    dossier, citizen, django_capture_on_commit_callbacks
):
    dummy = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with override_settings(TASKS=dummy):
        from django_tasks import default_task_backend

        with django_capture_on_commit_callbacks(execute=True):
            payment = start(dossier, citizen)
        (scheduled,) = [
            r for r in default_task_backend.results if r.task.name == "payment_reconcile_task"
        ]
    assert scheduled.args == [payment.pk]
    assert scheduled.task.run_after == payment.created_at + WINDOW


def test_the_sandboxs_ipn_delivered_hours_late_is_accepted_at_its_pay_date(dossier, citizen):
    # The worker was down: the outbox holds the sandbox's notification for three hours.
    created = timezone.now().replace(microsecond=0) - timedelta(hours=3)
    payment = start(dossier, citizen, at=created)
    gateway = gateway_get("sandbox")
    assert isinstance(gateway, SandboxGateway)
    url = gateway.create_payment_url(payment, RETURN_URL)
    decided = created + timedelta(minutes=2)
    gateway.decide(dict(parse_qsl(urlsplit(url).query)), "success", now=decided)

    outbox_deliver_pending()

    payment.refresh_from_db()
    assert (payment.status, payment.paid_at) == (Status.PAID, decided)
    assert Dossier.objects.get(pk=dossier.pk).paid_online_at == decided
    message = OutboxMessage.objects.get(topic="payments.sandbox_ipn")
    assert (message.status, message.attempts) == ("sent", 1)
    assert not AuditEvent.objects.filter(action="payment.notification_refused").exists()


def test_reconciliation_locks_the_payment_and_then_the_dossier(dossier, citizen, sandbox_mode):
    with sandbox_mode("no_ipn"):
        payment = start(dossier, citizen)
        choose_on_hosted_page(payment, "success")
        with CaptureQueriesContext(connection) as queries:
            assert payments_reconcile(now=payment.created_at + WINDOW) == {"paid": 1}

    # One row per statement, payment first, as a notification takes them: two statements
    # that lock both rows in different orders could deadlock.
    locks = [
        q["sql"].rsplit("FOR UPDATE", 1)[1].strip() for q in queries if "FOR UPDATE" in q["sql"]
    ]
    if connection.vendor == "sqlite":
        # SQLite has no row locks (Django drops FOR UPDATE): its one write lock serialises
        # writers, so there is no order to get wrong.
        assert locks == []
        return
    assert locks[:2] == ['OF "payments_payment"', 'OF "dossiers_dossier"']
    assert set(locks) == {'OF "payments_payment"', 'OF "dossiers_dossier"'}
