"""The gateway's notification (IPN): verified, acted on once, and refusals change nothing."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.core.models import AuditEvent
from motcua.dossiers.models import Dossier, State
from motcua.payments.models import Notification, Payment, Status
from motcua.payments.services import notification_handle, payment_start
from tests.payments.conftest import FEE, ipn_params

RETURN_URL = "http://testserver/thanh-toan/ket-qua/sandbox/"


@pytest.fixture
def dossier(walker, fees):
    return walker.dossier_in(State.SUBMITTED)


@pytest.fixture
def payment(dossier, citizen) -> Payment:
    payment, _url = payment_start(
        actor=citizen, dossier=dossier, gateway_name="sandbox", return_url=RETURN_URL
    )
    return payment


def snapshot(payment: Payment) -> tuple:
    """Everything a refused notification must leave as it was."""
    payment.refresh_from_db()
    dossier = Dossier.objects.get(pk=payment.dossier_id)
    return (
        payment.status,
        payment.paid_at,
        payment.receipt_no,
        payment.gateway_txn,
        dossier.paid_online,
        dossier.version,
        dossier.events.count(),
    )


def notify(params, **kwargs):
    return notification_handle(gateway_name="sandbox", params=params, **kwargs)


def test_a_paid_notification_marks_the_payment_and_the_dossier_in_one_go(payment, citizen):
    outcome, answer = notify(ipn_params(payment, transaction_no="26112900000042"))

    assert outcome == "confirmed"
    assert answer == {"RspCode": "00", "Message": "Confirm Success"}
    payment.refresh_from_db()
    assert payment.status == Status.PAID
    assert payment.gateway_txn == "26112900000042"
    assert payment.gateway_code == "00"
    assert payment.receipt_no == f"BL-{payment.order_ref[2:8]}-{payment.order_ref[8:]}"
    dossier = Dossier.objects.get(pk=payment.dossier_id)
    assert dossier.paid_online is True
    assert dossier.state == State.SUBMITTED
    event = dossier.events.order_by("-seq").first()
    assert (event.action, event.actor, event.from_state, event.to_state) == (
        "pay",
        None,
        State.SUBMITTED,
        State.SUBMITTED,
    )
    assert event.payload == {
        "order_ref": payment.order_ref,
        "amount": FEE,
        "method": "online",
        "gateway": "sandbox",
        "receipt_no": payment.receipt_no,
    }
    assert list(Notification.objects.values_list("notification_id", "outcome", "order_ref")) == [
        ("nonce-0001", "confirmed", payment.order_ref)
    ]
    assert list(
        AuditEvent.objects.filter(object_id=payment.order_ref)
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["payment.start", "payment.paid"]


def test_the_ipn_endpoint_answers_in_the_gateways_codes(client, payment):
    params = ipn_params(payment)
    response = client.post("/thanh-toan/ipn/sandbox/", params)
    assert response.status_code == 200
    assert response.json() == {"RspCode": "00", "Message": "Confirm Success"}
    # VNPay calls the IPN with GET: the same answer for the same (now repeated) notification.
    again = client.get("/thanh-toan/ipn/sandbox/", params)
    assert again.json() == {"RspCode": "02", "Message": "Order already confirmed"}
    assert client.post("/thanh-toan/ipn/khong-co/", params).json()["RspCode"] == "99"


def test_a_bad_signature_is_refused_with_one_info_line_and_nothing_written(
    payment, citizen, caplog
):
    before = snapshot(payment)
    audits = AuditEvent.objects.count()
    params = ipn_params(payment)
    params["sb_SecureHash"] = params["sb_SecureHash"][:-4] + "0000"
    params["sb_OrderInfo"] = citizen.full_name  # whatever an anonymous sender puts in

    with caplog.at_level(logging.DEBUG, logger="motcua.payments"):
        outcome, answer = notify(params)

    assert (outcome, answer) == ("bad_signature", {"RspCode": "97", "Message": "Invalid signature"})
    assert snapshot(payment) == before
    assert Notification.objects.count() == 0
    assert AuditEvent.objects.count() == audits
    # The endpoint is public: nothing the sender wrote reaches the log, not even the order.
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", "payment notification refused: gateway=sandbox outcome=bad_signature")
    ]


def test_a_flood_of_unsigned_requests_writes_nothing(client, payment):
    audits = AuditEvent.objects.count()
    for n in range(20):
        forged = {**ipn_params(payment, nonce=f"f{n}"), "sb_SecureHash": "00" * 64}
        assert client.post("/thanh-toan/ipn/sandbox/", forged).json()["RspCode"] == "97"
    assert client.post("/thanh-toan/ipn/sandbox/", {"rac": "x"}).json()["RspCode"] == "97"
    assert AuditEvent.objects.count() == audits
    assert Notification.objects.count() == 0


def test_a_signed_refusal_is_logged_and_audited_without_personal_data(payment, citizen, caplog):
    with caplog.at_level(logging.INFO, logger="motcua.payments"):
        outcome, _answer = notify(ipn_params(payment, amount=FEE - 1_000))

    assert outcome == "bad_amount"
    audit = AuditEvent.objects.get(action="payment.notification_refused")
    assert (audit.actor, audit.object_id) == (None, payment.order_ref)
    assert audit.data == {
        "gateway": "sandbox",
        "outcome": "bad_amount",
        "reason": "amount_mismatch",
    }
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        (
            "WARNING",
            f"payment notification refused: gateway=sandbox order={payment.order_ref} "
            "outcome=bad_amount reason=amount_mismatch",
        )
    ]
    assert citizen.full_name not in caplog.text
    assert citizen.personal_id not in caplog.text


def test_tampering_with_a_signed_field_breaks_the_signature(payment):
    before = snapshot(payment)
    params = ipn_params(payment)
    params["sb_Amount"] = "100"  # a forger lowering the price after signing
    assert notify(params)[1]["RspCode"] == "97"
    params = ipn_params(payment, result="failure")
    params["sb_ResponseCode"] = "00"
    params["sb_TransactionStatus"] = "00"
    assert notify(params)[1]["RspCode"] == "97"
    assert snapshot(payment) == before


def test_a_wrong_amount_is_refused(payment):
    before = snapshot(payment)
    outcome, answer = notify(ipn_params(payment, amount=FEE - 1_000))
    assert (outcome, answer) == ("bad_amount", {"RspCode": "04", "Message": "Invalid amount"})
    assert snapshot(payment) == before
    assert Notification.objects.get().outcome == "bad_amount"


def test_an_unknown_order_is_refused(payment):
    before = snapshot(payment)
    ghost = Payment(order_ref="MC261129ZZZZZZZZZZ", amount=FEE)
    outcome, answer = notify(ipn_params(ghost))
    assert (outcome, answer) == ("not_found", {"RspCode": "01", "Message": "Order not found"})
    assert snapshot(payment) == before


def test_a_notification_missing_fields_is_invalid(payment):
    before = snapshot(payment)
    params = ipn_params(payment)
    del params["sb_Nonce"]
    from motcua.payments.gateways import gateway_get

    params = gateway_get("sandbox").signed(params)  # type: ignore[attr-defined]
    assert notify(params) == ("invalid", {"RspCode": "99", "Message": "Invalid request"})
    assert snapshot(payment) == before


def test_the_same_notification_twice_acts_once(payment):
    params = ipn_params(payment)
    assert notify(params)[0] == "confirmed"
    after_first = snapshot(payment)

    outcome, answer = notify(params)

    assert (outcome, answer) == ("already", {"RspCode": "02", "Message": "Order already confirmed"})
    assert snapshot(payment) == after_first
    assert Notification.objects.count() == 1
    assert AuditEvent.objects.filter(action="payment.paid").count() == 1


def test_replaying_a_seen_notification_writes_no_audit_row(client, payment):
    # The browser's return carries the same signed parameters, so anyone who paid holds a
    # valid notification and could post it again and again.
    params = ipn_params(payment)
    assert notify(params)[0] == "confirmed"
    audits = AuditEvent.objects.count()

    for _n in range(10):
        assert client.post("/thanh-toan/ipn/sandbox/", params).json()["RspCode"] == "02"

    assert AuditEvent.objects.count() == audits
    assert Notification.objects.count() == 1


def test_a_retry_hours_after_the_payment_is_accepted_and_dated_by_the_gateway(payment):
    # The gateway's first tries failed (our server was down); it retries three hours later
    # with the same pay date. Never seen: it is recorded, at the moment the money was taken.
    paid = payment.created_at.replace(microsecond=0) + timedelta(minutes=2)
    retry = ipn_params(payment, at=paid)

    outcome, answer = notify(retry, now=paid + timedelta(hours=3))

    assert (outcome, answer) == ("confirmed", {"RspCode": "00", "Message": "Confirm Success"})
    payment.refresh_from_db()
    dossier = Dossier.objects.get(pk=payment.dossier_id)
    assert (payment.status, payment.paid_at) == (Status.PAID, paid)
    assert (dossier.paid_online, dossier.paid_online_at) == (True, paid)
    assert dossier.events.get(action="pay").at == paid
    assert Notification.objects.get().received_at == paid + timedelta(hours=3)
    # The same notification again, a day later: the stored row answers it.
    assert notify(retry, now=paid + timedelta(days=1))[0] == "already"


def test_the_gateways_pay_date_is_bounded_by_the_order_and_by_now(walker, fees, citizen):
    now = timezone.now().replace(microsecond=0)

    def start(at):
        dossier = walker.dossier_in(State.SUBMITTED)
        payment, _url = payment_start(
            actor=citizen, dossier=dossier, gateway_name="sandbox", return_url=RETURN_URL, at=at
        )
        return payment

    # A gateway's clock behind ours: a pay date before the order existed is its creation.
    early = start(now)
    assert (
        notify(ipn_params(early, at=now - timedelta(hours=2), nonce="n-1"), now=now)[0]
        == "confirmed"
    )
    # Ahead of ours: a pay date in the future is the moment we heard of it.
    ahead = start(now)
    heard = now + timedelta(minutes=5)
    params = ipn_params(ahead, at=heard + timedelta(hours=5), nonce="n-2")
    assert notify(params, now=heard)[0] == "confirmed"

    early.refresh_from_db()
    ahead.refresh_from_db()
    assert (early.paid_at, ahead.paid_at) == (now, heard)
    assert Dossier.objects.get(pk=ahead.dossier_id).paid_online_at == heard


def test_a_late_failure_after_paid_changes_nothing(payment):
    notify(ipn_params(payment, nonce="n-paid"))
    after_paid = snapshot(payment)

    outcome, answer = notify(ipn_params(payment, result="failure", nonce="n-failed"))

    assert (outcome, answer["RspCode"]) == ("already", "02")
    assert snapshot(payment) == after_paid
    assert payment.status == Status.PAID


def test_a_success_after_a_failure_wins(payment):
    notify(ipn_params(payment, result="failure", nonce="n-failed"))
    payment.refresh_from_db()
    assert payment.status == Status.FAILED
    assert Dossier.objects.get(pk=payment.dossier_id).paid_online is False

    assert notify(ipn_params(payment, nonce="n-paid"))[0] == "confirmed"

    payment.refresh_from_db()
    assert payment.status == Status.PAID
    assert Dossier.objects.get(pk=payment.dossier_id).paid_online is True
    audit = AuditEvent.objects.get(action="payment.paid")
    assert audit.data["previous"] == "failed"


def test_an_abandonment_then_a_failure_keeps_the_first_outcome(payment):
    assert notify(ipn_params(payment, result="abandon", nonce="n1"))[0] == "confirmed"
    assert notify(ipn_params(payment, result="failure", nonce="n2"))[0] == "already"
    payment.refresh_from_db()
    assert (payment.status, payment.gateway_code) == (Status.ABANDONED, "24")
