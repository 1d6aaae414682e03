"""The electronic receipt: a PDF read back with pypdf, for the owner and the counter only."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from motcua.core.models import AuditEvent
from motcua.directory.models import Role
from motcua.dossiers.models import Dossier, State
from motcua.payments.receipts import receipt_pdf
from motcua.payments.services import notification_handle, payment_record_counter, payment_start
from tests.factories import CitizenFactory, staff
from tests.payments.conftest import ipn_params


@pytest.fixture
def paid(walker, fees, citizen):
    dossier = walker.dossier_in(State.SUBMITTED)
    payment, _ = payment_start(
        actor=citizen, dossier=dossier, gateway_name="sandbox", return_url="http://t/"
    )
    notification_handle(
        gateway_name="sandbox", params=ipn_params(payment, transaction_no="26112900000777")
    )
    payment.refresh_from_db()
    return payment


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_owner_downloads_the_receipt(client, citizen, paid):
    client.force_login(citizen)
    response = client.get(f"/thanh-toan/bien-lai/{paid.order_ref}.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    text = " ".join(text_of(response.content).split())
    assert "BIÊN LAI THU PHÍ, LỆ PHÍ" in text
    assert f"Số biên lai {paid.receipt_no}" in text
    assert f"Hồ sơ {paid.dossier.reference}" in text
    assert "Lệ phí cấp Phiếu lý lịch tư pháp 100.000 đồng" in text
    assert "Phí cung cấp thông tin 50.000 đồng" in text
    assert "Tổng cộng 150.000 đồng" in text
    assert "Số tiền bằng số: 150.000 đồng" in text
    assert "Số tiền bằng chữ: Một trăm năm mươi nghìn đồng." in text
    assert "qua sandbox (mã giao dịch 26112900000777)" in text
    assert citizen.full_name in text
    paid_at = timezone.localtime(paid.paid_at).strftime("%H giờ %M, ngày %d/%m/%Y")
    assert f"Thời điểm thanh toán {paid_at}" in text
    assert f"/tra-cuu/{paid.dossier.reference}/" in text


def test_the_counter_reads_it_and_the_read_is_audited(client, paid, reception):
    client.force_login(reception)
    response = client.get(f"/thanh-toan/bien-lai/{paid.order_ref}.pdf")
    assert response.status_code == 200
    assert AuditEvent.objects.filter(
        action="payment.read", actor=reception, object_id=paid.order_ref
    ).exists()


def test_a_cash_receipt_names_the_officer(client, walker, fees, reception):
    dossier = walker.dossier_in(State.RECEIVED)
    reception.full_name = "Lê Thị Hoa"
    reception.save(update_fields=["full_name"])
    payment = payment_record_counter(actor=reception, dossier=dossier, method="cash")
    client.force_login(reception)
    text = " ".join(
        text_of(client.get(f"/thanh-toan/bien-lai/{payment.order_ref}.pdf").content).split()
    )
    assert "Hình thức thanh toán Tiền mặt tại quầy" in text
    assert "Cán bộ thu: Lê Thị Hoa" in text


@pytest.mark.parametrize("who", ["other_citizen", "reception_elsewhere", "specialist_here"])
def test_nobody_else_gets_it(client, paid, agency, other_agency, who):
    person = {
        "other_citizen": lambda: CitizenFactory(),
        "reception_elsewhere": lambda: staff(Role.RECEPTION, other_agency, username="quay_khac"),
        "specialist_here": lambda: staff(Role.SPECIALIST, agency, username="chuyen_vien_2"),
    }[who]()
    client.force_login(person)
    response = client.get(f"/thanh-toan/bien-lai/{paid.order_ref}.pdf")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_anonymous_is_sent_to_sign_in(client, paid):
    response = client.get(f"/thanh-toan/bien-lai/{paid.order_ref}.pdf")
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=")


def test_no_receipt_before_payment(client, walker, fees, citizen):
    dossier = walker.dossier_in(State.SUBMITTED)
    payment, _ = payment_start(
        actor=citizen, dossier=dossier, gateway_name="sandbox", return_url="http://t/"
    )
    client.force_login(citizen)
    assert client.get(f"/thanh-toan/bien-lai/{payment.order_ref}.pdf").status_code == 404


def test_the_payment_keeps_the_names_its_receipt_prints(client, citizen, paid, agency, fees):
    assert (
        paid.agency_code,
        paid.agency_name,
        paid.procedure_code,
        paid.procedure_name,
        paid.payer_name,
    ) == (agency.code, agency.name, fees.code, fees.name, citizen.full_name)
    original = (agency.name, fees.name, citizen.full_name)
    # After the receipt was issued the agency is renamed, the catalog edited and the
    # applicant's name corrected on the dossier.
    type(agency).objects.filter(pk=agency.pk).update(name="Sở Tư pháp (tên mới)")
    type(fees).objects.filter(pk=fees.pk).update(name="Thủ tục đã đổi tên")
    Dossier.objects.filter(pk=paid.dossier_id).update(applicant_name="Tên Đã Sửa")

    client.force_login(citizen)
    text = " ".join(
        text_of(client.get(f"/thanh-toan/bien-lai/{paid.order_ref}.pdf").content).split()
    )

    assert f"Đơn vị thu {original[0]}" in text
    assert f"Thủ tục {original[1]} ({fees.code})" in text
    assert f"Người nộp {original[2]}" in text
    assert "tên mới" not in text and "đã đổi tên" not in text and "Tên Đã Sửa" not in text


MARKUP = 'Cty <b>A&B <img src="/etc/passwd"/>'


def test_markup_in_any_name_is_printed_as_typed(walker, fees, agency, reception):
    # Every text a person typed: the agency and procedure (catalog), the applicant, a fee
    # line, the officer and the officer's note. Parsed as markup, `<img>` would make the
    # server read the file and the unbalanced `<b>` would fail the whole receipt.
    type(agency).objects.filter(pk=agency.pk).update(name=f"{MARKUP} agency")
    type(fees).objects.filter(pk=fees.pk).update(name=f"{MARKUP} procedure")
    fees.fees.filter(amount=50_000).update(name=f"{MARKUP} fee")
    reception.full_name = f"{MARKUP} officer"
    reception.save(update_fields=["full_name"])
    dossier = walker.dossier_in(State.RECEIVED)
    Dossier.objects.filter(pk=dossier.pk).update(applicant_name=f"{MARKUP} payer")
    payment = payment_record_counter(
        actor=reception, dossier=dossier, method="transfer", note=f"{MARKUP} note"
    )

    text = " ".join(text_of(receipt_pdf(payment)).split())

    assert f"Đơn vị thu {MARKUP} agency" in text
    assert f"Người nộp {MARKUP} payer" in text
    assert f"Thủ tục {MARKUP} procedure ({fees.code})" in text
    assert f"{MARKUP} fee 50.000 đồng" in text
    assert f"Hình thức thanh toán Chuyển khoản ({MARKUP} note)" in text
    assert f"Cán bộ thu: {MARKUP} officer" in text
