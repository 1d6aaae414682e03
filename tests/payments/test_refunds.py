"""One payment per dossier: the counter refuses cash while an online payment is inside its
gateway window; a gateway that confirms after the dossier was paid (cash after the window,
or a second window) makes an overpayment and an open refund, never a second paid payment;
the database refuses two paid rows; the agency's one-stop staff settle refunds on their page,
and nobody else sees or settles them."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from motcua.core.errors import Conflict
from motcua.core.models import AuditEvent
from motcua.core.worktime import TZ
from motcua.directory.models import Role
from motcua.dossiers.models import Dossier, State
from motcua.payments.backfills import duplicate_payments_to_refunds
from motcua.payments.models import Payment, Refund, Status
from motcua.payments.services import (
    notification_handle,
    payment_record_counter,
    payment_start,
    refund_settle,
)
from tests.factories import CitizenFactory, staff
from tests.payments.conftest import FEE, ipn_params

START = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)  # a Monday; the sandbox window is 15 minutes
REFUNDS = "/thanh-toan/hoan-tien/"


def start_online(citizen, dossier: Dossier, at: datetime) -> Payment:
    payment, _ = payment_start(
        actor=citizen, dossier=dossier, gateway_name="sandbox", return_url="http://t/", at=at
    )
    return payment


def gateway_confirms(payment: Payment, at: datetime, nonce: str = "n-1") -> str:
    params = ipn_params(payment, at=at, nonce=nonce, transaction_no=f"TX-{nonce}")
    outcome, _ = notification_handle(gateway_name="sandbox", params=params, now=at)
    return outcome


def statuses(dossier: Dossier) -> list[tuple[str, str]]:
    return list(
        Payment.objects.filter(dossier=dossier).order_by("pk").values_list("method", "status")
    )


def overpaid_dossier(walker, citizen, reception) -> tuple[Dossier, Payment, Payment]:
    """Online order left open past its window, cash at the counter, then the gateway confirms."""
    dossier = walker.dossier_in(State.RECEIVED)
    online = start_online(citizen, dossier, START)
    cash = payment_record_counter(
        actor=reception, dossier=dossier, method="cash", at=START + timedelta(minutes=16)
    )
    assert gateway_confirms(online, START + timedelta(minutes=17)) == "confirmed"
    return dossier, online, cash


# ---------------------------------------------------------------- one payment per dossier


@pytest.mark.django_db
def test_cash_while_the_online_payment_is_in_its_window_is_refused(
    walker, citizen, reception, fees
):
    dossier = walker.dossier_in(State.RECEIVED)
    online = start_online(citizen, dossier, START)

    with pytest.raises(Conflict) as refused:
        payment_record_counter(
            actor=reception, dossier=dossier, method="cash", at=START + timedelta(minutes=5)
        )

    assert refused.value.message == (
        f"Hồ sơ {dossier.public_code} đang có giao dịch thanh toán trực tuyến "
        f"{online.order_ref} chưa có kết quả (bắt đầu lúc 09:00 02/11/2026). Chưa thu tại "
        "quầy để tránh thu tiền hai lần: hãy chờ cổng thanh toán trả kết quả (chậm nhất đến "
        "09:15 02/11/2026) hoặc đề nghị người nộp hủy giao dịch trực tuyến, rồi thu lại."
    )
    assert statuses(dossier) == [("online", "pending")]


@pytest.mark.django_db
def test_cash_then_the_gateways_confirmation_is_one_paid_payment_and_one_refund(
    walker, citizen, reception, fees
):
    dossier, online, cash = overpaid_dossier(walker, citizen, reception)

    assert statuses(dossier) == [("online", "overpaid"), ("cash", "paid")]
    refund = Refund.objects.get()
    assert (
        refund.payment_id,
        refund.kept_id,
        refund.dossier_id,
        refund.agency_id,
        refund.amount,
        refund.state,
        refund.created_at,
    ) == (
        online.pk,
        cash.pk,
        dossier.pk,
        dossier.agency_id,
        FEE,
        "open",
        START + timedelta(minutes=17),
    )
    online.refresh_from_db()
    assert (online.receipt_no, online.gateway_txn) == (None, "TX-n-1")
    stored = Dossier.objects.get(pk=dossier.pk)
    assert (stored.paid_online, stored.paid_online_at) == (False, None)
    audit = AuditEvent.objects.get(action="payment.overpaid")
    assert (audit.object_id, audit.data["kept"], audit.data["refund"]) == (
        online.order_ref,
        cash.order_ref,
        refund.pk,
    )
    # The gateway retrying (another notification id) changes nothing.
    assert gateway_confirms(online, START + timedelta(minutes=30), nonce="n-2") == "already"
    assert Refund.objects.count() == 1


@pytest.mark.django_db
def test_cash_after_the_gateway_confirmed_is_refused(walker, citizen, reception, fees):
    dossier = walker.dossier_in(State.RECEIVED)
    online = start_online(citizen, dossier, START)
    assert gateway_confirms(online, START + timedelta(minutes=3)) == "confirmed"
    online.refresh_from_db()

    with pytest.raises(Conflict) as refused:
        payment_record_counter(
            actor=reception, dossier=dossier, method="cash", at=START + timedelta(minutes=20)
        )

    assert refused.value.message == (
        f"Hồ sơ {dossier.public_code} đã được thanh toán (biên lai số {online.receipt_no})."
    )
    assert statuses(dossier) == [("online", "paid")]
    assert Refund.objects.count() == 0


@pytest.mark.django_db
def test_the_database_holds_one_paid_payment_per_dossier(walker, reception, fees):
    dossier = walker.dossier_in(State.RECEIVED)
    cash = payment_record_counter(actor=reception, dossier=dossier, method="cash", at=START)

    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(
            dossier=dossier,
            amount=FEE,
            method="cash",
            status="paid",
            order_ref="MC261102SECOND0001",
            receipt_no="BL-SECOND",
            created_at=START,
            paid_at=START,
        )
    assert statuses(dossier) == [("cash", "paid")]
    assert Payment.objects.get(dossier=dossier).pk == cash.pk


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_at_once_leave_one_paid_payment(walker, citizen, fees):
    """Two gateway windows of one dossier, both paid, their notifications arriving together:
    whichever locks the dossier first is the payment, the other the refund."""
    dossier = walker.dossier_in(State.RECEIVED)
    first = start_online(citizen, dossier, START)
    second = start_online(citizen, dossier, START + timedelta(minutes=16))
    assert first.pk != second.pk
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def confirm(payment: Payment, nonce: str) -> None:
        try:
            barrier.wait()
            outcomes.append(gateway_confirms(payment, START + timedelta(minutes=18), nonce))
        except BaseException as error:  # reported below, with the engine that raised it
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=confirm, args=(first, "n-1")),
        threading.Thread(target=confirm, args=(second, "n-2")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == [], f"{connection.vendor}: {errors!r}"
    assert sorted(outcomes) == ["confirmed", "confirmed"]
    assert sorted(status for _, status in statuses(dossier)) == ["overpaid", "paid"]
    paid = Payment.objects.get(dossier=dossier, status=Status.PAID)
    refund = Refund.objects.get()
    assert refund.kept_id == paid.pk
    assert refund.payment_id == ({first.pk, second.pk} - {paid.pk}).pop()
    stored = Dossier.objects.get(pk=dossier.pk)
    assert stored.paid_online is True


@pytest.mark.django_db
def test_older_duplicates_become_refunds_when_the_rule_is_installed(walker, reception, fees):
    """The data step of migration payments 0003, on a database that still allowed two paid
    payments of one dossier (the index is dropped inside the test's transaction)."""
    dossier = walker.dossier_in(State.RECEIVED)
    first = payment_record_counter(actor=reception, dossier=dossier, method="cash", at=START)
    # A partial unique constraint is a unique index on both engines.
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name('payment_one_paid_per_dossier')}")
    later = Payment.objects.create(
        dossier=dossier,
        amount=FEE,
        method="online",
        gateway="sandbox",
        status="paid",
        order_ref="MC261102LATER00001",
        receipt_no="BL-LATER",
        created_at=START + timedelta(hours=1),
        paid_at=START + timedelta(hours=1),
    )
    from django.apps import apps

    assert duplicate_payments_to_refunds(apps) == 1
    assert duplicate_payments_to_refunds(apps) == 0

    assert statuses(dossier) == [("cash", "paid"), ("online", "overpaid")]
    refund = Refund.objects.get()
    assert (refund.payment_id, refund.kept_id, refund.amount) == (later.pk, first.pk, FEE)
    assert Payment.objects.get(pk=later.pk).receipt_no is None


# ---------------------------------------------------------------- settling a refund


@pytest.fixture
def two_agencies_overpaid(walker, citizen, reception, other_agency, fees):
    """A refund owed by the walker's agency and one owed by another agency."""
    _own, own_online, _cash = overpaid_dossier(walker, citizen, reception)
    other_reception = staff(Role.RECEPTION, other_agency, username="motcua_reception_xd")
    foreign = walker.dossier_in(State.RECEIVED)
    Dossier.objects.filter(pk=foreign.pk).update(agency=other_agency)
    foreign.refresh_from_db()
    foreign_online = start_online(citizen, foreign, START)
    payment_record_counter(
        actor=other_reception, dossier=foreign, method="cash", at=START + timedelta(minutes=16)
    )
    gateway_confirms(foreign_online, START + timedelta(minutes=17), nonce="n-9")
    return (
        Refund.objects.get(payment=own_online),
        Refund.objects.get(payment=foreign_online),
        other_reception,
    )


def refund_snapshot() -> list[tuple]:
    return list(
        Refund.objects.order_by("pk").values_list("pk", "state", "settled_by", "settled_note")
    )


@pytest.mark.django_db
def test_the_agencys_reception_sees_its_refunds_and_settles_one(
    client, reception, two_agencies_overpaid
):
    own, foreign, _other = two_agencies_overpaid
    client.force_login(reception)

    page = client.get(REFUNDS)
    assert page.status_code == 200
    assert [r.pk for r in page.context["refunds"]] == [own.pk]
    html = page.content.decode()
    assert own.payment.order_ref in html
    assert foreign.payment.order_ref not in html
    assert "1 khoản chờ hoàn tiền, tổng 150.000" in html
    assert 'data-testid="refund-count">1<' in html

    response = client.post(f"{REFUNDS}{own.pk}/", {"cach_hoan": "Trả tiền mặt, người nộp ký nhận"})
    assert response.status_code == 302
    assert response["Location"] == f"{REFUNDS}?da_hoan={own.pk}"
    own.refresh_from_db()
    assert (own.state, own.settled_by_id, own.settled_note) == (
        "settled",
        reception.pk,
        "Trả tiền mặt, người nộp ký nhận",
    )
    assert Payment.objects.get(pk=own.payment_id).status == Status.REFUNDED
    audit = AuditEvent.objects.get(action="payment.refunded")
    assert (audit.actor_id, audit.object_id, audit.data["amount"]) == (
        reception.pk,
        own.payment.order_ref,
        FEE,
    )
    after = client.get(response["Location"]).content.decode()
    assert "Không có khoản thu trùng nào chờ hoàn tiền." in after
    assert "Đã ghi nhận hoàn 150.000" in after


@pytest.mark.django_db
def test_a_settled_refund_is_not_settled_twice_and_needs_a_note(
    client, reception, two_agencies_overpaid
):
    own, _foreign, _other = two_agencies_overpaid
    client.force_login(reception)

    blank = client.post(f"{REFUNDS}{own.pk}/", {"cach_hoan": "   "})
    assert blank.status_code == 400
    assert (
        "Phải ghi cách hoàn tiền (ví dụ: trả tiền mặt, người nộp ký nhận; mã chuyển khoản)."
        in blank.content.decode()
    )
    assert Refund.objects.get(pk=own.pk).state == "open"

    refund_settle(
        actor=reception,
        refund_id=own.pk,
        note="Chuyển khoản FT2611020001",
        at=datetime(2026, 11, 3, 10, 5, tzinfo=TZ),
    )
    with pytest.raises(Conflict) as refused:
        refund_settle(actor=reception, refund_id=own.pk, note="lần nữa")
    assert refused.value.message == (
        f"Khoản thu trùng {own.payment.order_ref} đã được ghi nhận hoàn tiền lúc 10:05 03/11/2026."
    )
    assert AuditEvent.objects.filter(action="payment.refunded").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "citizen", "specialist", "other_reception"])
def test_nobody_else_sees_or_settles_the_agencys_refunds(
    client, request, who, two_agencies_overpaid
):
    own, _foreign, other_reception = two_agencies_overpaid
    actor = {
        "anonymous": None,
        "citizen": CitizenFactory(),
        "specialist": request.getfixturevalue("specialist"),
        "other_reception": other_reception,
    }[who]
    if actor is not None:
        client.force_login(actor)
    before = refund_snapshot()

    page = client.get(REFUNDS)
    settle = client.post(f"{REFUNDS}{own.pk}/", {"cach_hoan": "Tiền mặt"})

    if who == "anonymous":
        assert (page.status_code, settle.status_code) == (302, 302)
    elif who == "other_reception":
        # Their own agency's refund only: this one is not listed and not theirs to settle.
        assert page.status_code == 200
        assert [r.pk for r in page.context["refunds"]] == [_foreign.pk]
        assert settle.status_code == 403
        assert (
            "Chỉ cán bộ một cửa của cơ quan đã thu tiền được ghi nhận hoàn tiền khoản này."
            in settle.content.decode()
        )
    else:
        assert (page.status_code, settle.status_code) == (403, 403)
        assert "Chỉ cán bộ một cửa được xem các khoản thu trùng cần hoàn tiền." in (
            page.content.decode()
        )
    assert refund_snapshot() == before
    assert Payment.objects.get(pk=own.payment_id).status == Status.OVERPAID


@pytest.mark.django_db
def test_the_leaders_figures_count_the_refunds_owed_at_the_end_of_the_period(
    client, agency, reception, two_agencies_overpaid
):
    own, _foreign, _other = two_agencies_overpaid
    client.force_login(staff(Role.LEADER, agency, username="lanhdao_hoan_tien"))
    november = {"from": "2026-11-01", "to": "2026-11-30", "agency": agency.code}

    def owed(query: dict) -> str:
        kpis = {k.key: (k.label, k.text) for k in client.get("/chi-so/", query).context["kpis"]}
        assert kpis["refunds_open"][0] == "Số khoản thu trùng chưa hoàn tiền (cuối kỳ)"
        return kpis["refunds_open"][1]

    assert owed(november) == "1"  # the other agency's refund is not this agency's
    assert owed({**november, "from": "2026-10-01", "to": "2026-10-31"}) == "0"
    refund_settle(
        actor=reception, refund_id=own.pk, note="Tiền mặt", at=datetime(2026, 12, 1, 9, tzinfo=TZ)
    )
    assert owed(november) == "1"  # still owed on 30/11
    assert owed({**november, "from": "2026-12-01", "to": "2026-12-31"}) == "0"


@pytest.mark.django_db
def test_the_counter_page_says_to_wait_and_the_applicant_sees_the_refund(
    client, walker, citizen, reception, fees
):
    dossier = walker.dossier_in(State.RECEIVED)
    online = start_online(citizen, dossier, datetime.now(TZ) - timedelta(minutes=1))
    client.force_login(reception)

    page = client.get(f"/thanh-toan/quay/{dossier.public_code}/").content.decode()
    assert f"đang có giao dịch thanh toán trực tuyến {online.order_ref} chưa có kết quả" in page
    assert 'data-testid="record-payment"' not in page
    refused = client.post(f"/thanh-toan/quay/{dossier.public_code}/", {"hinh_thuc": "cash"})
    assert refused.status_code == 409
    assert statuses(dossier) == [("online", "pending")]

    Payment.objects.filter(pk=online.pk).update(created_at=datetime.now(TZ) - timedelta(hours=1))
    assert (
        client.post(f"/thanh-toan/quay/{dossier.public_code}/", {"hinh_thuc": "cash"}).status_code
        == 302
    )
    assert gateway_confirms(online, datetime.now(TZ)) == "confirmed"

    client.force_login(citizen)
    mine = client.get(f"/thanh-toan/{dossier.public_code}/").content.decode()
    assert (
        f"Hồ sơ đã được thanh toán trước đó nên khoản 150.000 đồng (giao dịch {online.order_ref}) "
        "là thu trùng; cơ quan sẽ hoàn lại cho bạn."
    ) in mine
