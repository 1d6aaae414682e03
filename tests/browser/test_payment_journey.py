"""Paying fees in a real browser: a citizen pays a submitted dossier on the sandbox gateway's
page and downloads the electronic receipt; the counter officer records a cash payment for
another dossier. The citizen's pages pass axe-core."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from motcua.directory.models import Role
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.services import dossier_create
from motcua.payments.models import Payment, Status
from tests.factories import AgencyFactory, CitizenFactory, FeeLineFactory, ProcedureFactory, staff
from tests.payments.conftest import sandbox_config
from tests.verbs import dossier_receive, dossier_submit


def pdf_text(response) -> str:
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


@pytest.mark.django_db(transaction=True)
def test_pay_on_the_sandbox_then_cash_at_the_counter(
    live_server, page, signed_in, accessible, screenshot, settings
):
    settings.MOTCUA_PAYMENT_GATEWAYS = sandbox_config()
    settings.MOTCUA_PAYMENT_DEFAULT_GATEWAY = "sandbox"
    settings.MOTCUA_PUBLIC_URL = live_server.url
    agency = AgencyFactory(code="000.00.11.H99", name="Sở Tư pháp thử nghiệm")
    procedure = ProcedureFactory(
        code="2.000488",
        name="Cấp Phiếu lý lịch tư pháp",
        agencies=[agency],
        accepts_online_payment=True,
    )
    FeeLineFactory(procedure=procedure, name="Lệ phí cấp Phiếu lý lịch tư pháp", amount=100_000)
    FeeLineFactory(procedure=procedure, name="Phí cung cấp thông tin", amount=50_000)
    citizen = CitizenFactory(username="001090000001", personal_id="001090000001")
    officer = staff(Role.RECEPTION, agency, username="motcua_reception", full_name="Lê Thị Hoa")

    def submitted() -> Dossier:
        dossier = dossier_create(
            actor=citizen,
            procedure=procedure,
            agency=agency,
            channel=Channel.ONLINE,
            applicant_name=citizen.full_name,
            applicant_id_number=citizen.personal_id,
        )
        return dossier_submit(actor=citizen, dossier=dossier)

    online, at_counter = submitted(), submitted()

    # The citizen pays online.
    signed_in(page, live_server, citizen.username)
    page.goto(f"{live_server.url}/thanh-toan/{online.reference}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thanh toán phí, lệ phí")
    expect(page.get_by_test_id("fee-lines")).to_contain_text("Lệ phí cấp Phiếu lý lịch tư pháp")
    expect(page.get_by_test_id("fee-total")).to_have_text("150.000 đồng")
    accessible(page)
    screenshot("payment-page")
    page.get_by_role("button", name="Thanh toán 150.000 đồng").click()

    page.wait_for_url("**/thanh-toan/sandbox/sandbox/**")
    expect(page.get_by_test_id("sandbox-amount")).to_have_text("150.000 đồng")
    accessible(page)
    screenshot("payment-sandbox")
    page.get_by_role("button", name="Thanh toán thành công").click()

    page.wait_for_url("**/thanh-toan/ket-qua/sandbox/**")
    status = page.get_by_test_id("payment-status")
    expect(status).to_contain_text("Đã thanh toán thành công")
    accessible(page)
    screenshot("payment-result")
    payment = Payment.objects.get(dossier=online)
    assert (payment.status, payment.amount) == (Status.PAID, 150_000)
    assert Dossier.objects.get(pk=online.pk).paid_online is True

    href = page.get_by_test_id("receipt-link").get_attribute("href")
    assert href == f"/thanh-toan/bien-lai/{payment.order_ref}.pdf"
    text = pdf_text(page.request.get(f"{live_server.url}{href}"))
    assert f"Số biên lai {payment.receipt_no}" in text
    assert f"Hồ sơ {online.reference}" in text
    assert "Số tiền bằng chữ: Một trăm năm mươi nghìn đồng." in text

    # Back on the payment page: paid, no button.
    page.goto(f"{live_server.url}/thanh-toan/{online.reference}/")
    expect(page.get_by_test_id("payment-status")).to_contain_text(payment.receipt_no)
    expect(page.get_by_test_id("pay-button")).to_have_count(0)
    accessible(page)

    # The counter collects cash for the other dossier, from the dossier's page.
    received = dossier_receive(actor=officer, dossier=at_counter)
    page.context.clear_cookies()
    signed_in(page, live_server, officer.username)
    page.goto(f"{live_server.url}/mot-cua/ho-so/{received.code}/kiem-tra/")
    page.get_by_test_id("fee-link").click()
    page.wait_for_url(f"**/thanh-toan/quay/{received.code}/")
    page.get_by_label("Tiền mặt tại quầy").check()
    page.get_by_test_id("record-payment").click()
    expect(page.get_by_test_id("recorded")).to_contain_text(
        f"Đã thu 150.000 đồng cho hồ sơ {received.code}"
    )
    screenshot("payment-counter")
    cash = Payment.objects.get(dossier=received)
    assert (cash.method, cash.status, cash.recorded_by_id) == ("cash", Status.PAID, officer.pk)
    assert Dossier.objects.get(pk=received.pk).paid_online is False
    text = pdf_text(page.request.get(f"{live_server.url}/thanh-toan/bien-lai/{cash.order_ref}.pdf"))
    assert "Cán bộ thu: Lê Thị Hoa" in text


@pytest.mark.django_db(transaction=True)
def test_on_a_phone_a_failed_payment_can_be_tried_again(
    live_server, mobile_page, signed_in, accessible, settings
):
    settings.MOTCUA_PAYMENT_GATEWAYS = sandbox_config()
    settings.MOTCUA_PAYMENT_DEFAULT_GATEWAY = "sandbox"
    page = mobile_page
    agency = AgencyFactory(code="000.50.01.H46", name="UBND phường Thuận Hóa", level="commune")
    procedure = ProcedureFactory(
        code="1.004222", name="Chứng thực bản sao", agencies=[agency], accepts_online_payment=True
    )
    FeeLineFactory(procedure=procedure, name="Lệ phí chứng thực", amount=20_000)
    citizen = CitizenFactory(username="046192005678", personal_id="046192005678")
    dossier = dossier_submit(
        actor=citizen,
        dossier=dossier_create(
            actor=citizen,
            procedure=procedure,
            agency=agency,
            channel=Channel.ONLINE,
            applicant_name=citizen.full_name,
            applicant_id_number=citizen.personal_id,
        ),
    )
    signed_in(page, live_server, citizen.username)
    page.goto(f"{live_server.url}/thanh-toan/{dossier.reference}/")
    page.get_by_role("button", name="Thanh toán 20.000 đồng").click()
    page.get_by_role("button", name="Thanh toán thất bại (không đủ số dư)").click()
    page.wait_for_url("**/thanh-toan/ket-qua/sandbox/**")
    expect(page.get_by_test_id("payment-status")).to_contain_text("Thanh toán không thành công")
    accessible(page)

    page.get_by_role("link", name="Thanh toán lại").click()
    page.get_by_role("button", name="Thanh toán 20.000 đồng").click()
    page.get_by_role("button", name="Thanh toán thành công").click()
    expect(page.get_by_test_id("payment-status")).to_contain_text("Đã thanh toán thành công")
    accessible(page)
    statuses = list(
        Payment.objects.filter(dossier=dossier)
        .order_by("created_at")
        .values_list("status", flat=True)
    )
    assert statuses == [Status.FAILED, Status.PAID]
    assert Dossier.objects.get(pk=dossier.pk).paid_online is True
