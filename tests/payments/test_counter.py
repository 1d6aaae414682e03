"""The counter records a cash or transfer payment: reception officers of the dossier's agency
only; every denial leaves nothing behind."""

from __future__ import annotations

import pytest

from motcua.core.errors import Conflict, PermissionDenied, ValidationFailed
from motcua.core.models import AuditEvent
from motcua.directory.models import Role
from motcua.dossiers.models import Dossier, State
from motcua.payments.models import Payment, Status
from motcua.payments.services import payment_record_counter
from tests.factories import CitizenFactory, staff
from tests.payments.conftest import FEE


@pytest.fixture
def dossier(walker, fees):
    return walker.dossier_in(State.RECEIVED)


def snapshot(dossier: Dossier) -> tuple:
    fresh = Dossier.objects.get(pk=dossier.pk)
    return (
        Payment.objects.count(),
        fresh.version,
        fresh.events.count(),
        fresh.paid_online,
        AuditEvent.objects.filter(action="payment.counter").count(),
    )


@pytest.fixture
def people(agency, other_agency, citizen):
    return {
        "anonymous": None,
        "owner": citizen,
        "other_citizen": CitizenFactory(),
        "reception_elsewhere": staff(Role.RECEPTION, other_agency, username="quay_khac"),
        "specialist_here": staff(Role.SPECIALIST, agency, username="chuyen_vien_2"),
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("owner", 403),
        ("other_citizen", 403),
        ("reception_elsewhere", 403),
        ("specialist_here", 403),
    ],
)
def test_only_the_agencys_reception_may_record_a_payment(client, dossier, people, who, status):
    before = snapshot(dossier)
    if people[who] is not None:
        client.force_login(people[who])
    url = f"/thanh-toan/quay/{dossier.code}/"

    response = client.post(url, {"hinh_thuc": "cash"})

    assert response.status_code == status
    if status == 302:
        assert response["Location"] == f"/dang-nhap/?next={url}"
    assert snapshot(dossier) == before
    if people[who] is not None:
        with pytest.raises(PermissionDenied):
            payment_record_counter(actor=people[who], dossier=dossier, method="cash")
        assert snapshot(dossier) == before


def test_the_officer_records_cash(client, dossier, reception):
    client.force_login(reception)
    page = client.get(f"/thanh-toan/quay/{dossier.code}/").content.decode()
    assert "Xác nhận đã thu 150.000 đồng" in page

    response = client.post(f"/thanh-toan/quay/{dossier.code}/", {"hinh_thuc": "cash"})

    assert response.status_code == 302
    payment = Payment.objects.get()
    assert (payment.method, payment.status, payment.amount, payment.recorded_by) == (
        "cash",
        Status.PAID,
        FEE,
        reception,
    )
    assert payment.lines == [
        {"name": "Lệ phí cấp Phiếu lý lịch tư pháp", "amount": 100_000},
        {"name": "Phí cung cấp thông tin", "amount": 50_000},
    ]
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert fresh.paid_online is False  # cash is not an online payment (§7)
    event = fresh.events.order_by("-seq").first()
    assert (event.action, event.actor) == ("pay", reception)
    assert event.payload["method"] == "cash"
    assert AuditEvent.objects.get(action="payment.counter").data == {
        "method": "cash",
        "amount": FEE,
    }
    page = client.get(response["Location"]).content.decode()
    assert (
        f"Đã thu 150.000 đồng cho hồ sơ {dossier.code}, biên lai số {payment.receipt_no}." in page
    )
    assert f"/thanh-toan/bien-lai/{payment.order_ref}.pdf" in page


def test_a_transfer_needs_its_bank_reference(client, dossier, reception):
    client.force_login(reception)
    before = snapshot(dossier)
    response = client.post(f"/thanh-toan/quay/{dossier.code}/", {"hinh_thuc": "transfer"})
    assert response.status_code == 400
    assert "Phải ghi mã giao dịch chuyển khoản để đối chiếu." in response.content.decode()
    assert snapshot(dossier) == before

    client.post(
        f"/thanh-toan/quay/{dossier.code}/", {"hinh_thuc": "transfer", "ghi_chu": "FT2633 0001"}
    )
    assert Payment.objects.get().note == "FT2633 0001"


def test_a_bad_method_is_refused(dossier, reception):
    before = snapshot(dossier)
    with pytest.raises(ValidationFailed):
        payment_record_counter(actor=reception, dossier=dossier, method="online")
    assert snapshot(dossier) == before


def test_a_dossier_is_not_paid_twice(client, dossier, reception):
    payment_record_counter(actor=reception, dossier=dossier, method="cash")
    before = snapshot(dossier)
    with pytest.raises(Conflict):
        payment_record_counter(actor=reception, dossier=dossier, method="cash")
    client.force_login(reception)
    response = client.post(f"/thanh-toan/quay/{dossier.code}/", {"hinh_thuc": "cash"})
    assert response.status_code == 409
    assert "đã được thanh toán" in response.content.decode()
    assert snapshot(dossier) == before


def test_free_and_closed_dossiers_are_not_charged(walker, procedure, reception):
    free = walker.dossier_in(State.RECEIVED)  # no fee lines yet
    with pytest.raises(ValidationFailed, match="không phải nộp phí"):
        payment_record_counter(actor=reception, dossier=free, method="cash")
    procedure.fees.create(name="Lệ phí", amount=20_000)
    returned = walker.dossier_in(State.RETURNED)
    with pytest.raises(ValidationFailed, match="đã kết thúc"):
        payment_record_counter(actor=reception, dossier=returned, method="cash")
    assert Payment.objects.count() == 0
