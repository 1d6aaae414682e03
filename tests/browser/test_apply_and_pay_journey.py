"""A citizen the population registry knows applies online for a fee-bearing procedure, in a
real browser at 360 px and on a desktop: finds it by agency, downloads the blank
declaration, signs in, fills what the registry does not know, submits, pays on the sandbox
gateway from the confirmation page, and finds the payment, its e-receipt and the event in
“Hồ sơ của tôi”. Every portal page on the way passes axe-core."""

from __future__ import annotations

import io
import json

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from motcua.demo.eforms import EFORMS
from motcua.dossiers.models import Dossier, State
from motcua.payments.models import Payment, Status
from tests.factories import (
    AgencyFactory,
    CitizenFactory,
    FeeLineFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
    SectorFactory,
)
from tests.payments.conftest import sandbox_config

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf_text(response) -> str:
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


@pytest.fixture(params=["mobile_page", "page"])
def any_page(request):
    return request.getfixturevalue(request.param)


@pytest.mark.django_db(transaction=True)
def test_apply_pay_and_get_the_receipt(live_server, any_page, accessible, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MOTCUA_PAYMENT_GATEWAYS = sandbox_config()
    settings.MOTCUA_PAYMENT_DEFAULT_GATEWAY = "sandbox"
    settings.MOTCUA_PUBLIC_URL = live_server.url
    page = any_page
    province = AgencyFactory(code="000.00.00.H46", name="UBND thành phố Huế", level="province")
    justice = AgencyFactory(code="000.00.11.H46", name="Sở Tư pháp thành phố Huế", parent=province)
    ward = AgencyFactory(
        code="000.50.01.H46", name="UBND phường Thuận Hóa", level="commune", parent=province
    )
    procedure = ProcedureFactory(
        code="2.000488",
        name="Cấp Phiếu lý lịch tư pháp",
        sector=SectorFactory(name="Lý lịch tư pháp"),
        time_limit="10 d",
        agencies=[justice],
        eform=json.loads((EFORMS / "2.000488.json").read_text(encoding="utf-8")),
        accepts_online_payment=True,
        registry_connected=True,
    )
    # The same words in another agency's procedure: the agency filter sets them apart.
    ProcedureFactory(code="1.000001", name="Cấp bản sao trích lục lý lịch", agencies=[ward])
    declaration = RequiredDocumentFactory(
        procedure=procedure, position=1, name="Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp"
    )
    identity = RequiredDocumentFactory(
        procedure=procedure, position=2, name="Bản chụp giấy tờ tùy thân"
    )
    FeeLineFactory(
        procedure=procedure, name="Phí cung cấp thông tin lý lịch tư pháp", amount=200_000
    )
    CitizenFactory(
        username="046085001234",
        personal_id="046085001234",
        full_name="Nguyễn Văn An",
        email="nguyenvanan@example.vn",
        phone="0905123456",
    )

    # Find it by words and agency.
    page.goto(f"{live_server.url}/")
    accessible(page)
    page.get_by_role("searchbox").fill("cap ly lich")
    page.get_by_label("Cơ quan thực hiện").select_option("000.00.11.H46")
    page.get_by_role("button", name="Tìm").click()
    results = page.locator("ul.procedures > li")
    expect(results).to_have_count(1)
    expect(results).to_contain_text("Cấp Phiếu lý lịch tư pháp")
    expect(page.get_by_label("Cơ quan thực hiện")).to_have_value("000.00.11.H46")
    accessible(page)
    page.get_by_role("link", name="Cấp Phiếu lý lịch tư pháp").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cấp Phiếu lý lịch tư pháp")
    accessible(page)

    # The blank declaration, to print.
    link = page.get_by_role("link", name="Tải mẫu Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp")
    assert link.get_attribute("href") == f"/thu-tuc/2.000488/mau/{declaration.pk}.pdf"
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "mau-2.000488-1.pdf"
    blank = pdf_text(page.request.get(f"{live_server.url}{link.get_attribute('href')}"))
    assert "TỜ KHAI YÊU CẦU CẤP PHIẾU LÝ LỊCH TƯ PHÁP" in blank
    assert "Quá trình cư trú (từ đủ 14 tuổi):" in blank

    # Sign in on the way to the form.
    page.get_by_role("link", name="Nộp trực tuyến").click()
    page.wait_for_url("**/dang-nhap/?next=/thu-tuc/2.000488/nop/")
    accessible(page)
    page.get_by_label("Tên đăng nhập").fill("046085001234")
    page.get_by_label("Mật khẩu").fill("matkhau-thu-nghiem")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/thu-tuc/2.000488/nop/")
    expect(page.locator("#f_applicant_full_name")).to_have_value("Nguyễn Văn An")
    expect(page.locator("#k_applicant_full_name")).to_have_text(
        "✓ Đã điền sẵn từ CSDL quốc gia về dân cư"
    )
    accessible(page)

    # What the registry does not know.
    page.locator("#f_applicant_ethnicity").fill("Kinh")
    page.locator("#f_applicant_nationality").fill("Việt Nam")
    page.locator("#f_applicant_birth_place").fill("Thừa Thiên Huế")
    page.locator("#f_father_full_name").fill("Nguyễn Văn Bình")
    page.locator("#f_mother_full_name").fill("Trần Thị Cúc")
    page.locator("#f_residence_history").fill(
        "Từ 1999 đến nay: 20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế"
    )
    page.get_by_role("group", name="Loại Phiếu").get_by_label("Phiếu lý lịch tư pháp số 1").check()
    page.locator("#f_purpose").fill("Bổ sung hồ sơ xin việc")
    page.locator("#f_copies").fill("1")
    page.get_by_label("Bản điện tử trên Cổng dịch vụ công").check()
    page.locator(f"#tep_{identity.pk}").set_input_files(
        files=[{"name": "can-cuoc.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_role("button", name="Nộp hồ sơ").click()

    # Submitted; pay at once.
    page.wait_for_url("**/nop-ho-so/*/da-nop/")
    expect(page.get_by_test_id("state")).to_have_text("Đã nộp trực tuyến, chờ tiếp nhận")
    reference = page.get_by_test_id("reference").inner_text()
    accessible(page)
    dossier = Dossier.objects.get(reference=reference)
    assert (dossier.state, dossier.fee_amount, dossier.paid_online) == (
        State.SUBMITTED,
        200_000,
        False,
    )
    page.get_by_role("link", name="Thanh toán ngay").click()
    page.wait_for_url(f"**/thanh-toan/{reference}/")
    expect(page.get_by_test_id("fee-total")).to_have_text("200.000 đồng")
    accessible(page)
    page.get_by_role("button", name="Thanh toán 200.000 đồng").click()
    page.wait_for_url("**/thanh-toan/sandbox/sandbox/**")
    expect(page.get_by_test_id("sandbox-amount")).to_have_text("200.000 đồng")
    accessible(page)
    page.get_by_role("button", name="Thanh toán thành công").click()
    page.wait_for_url("**/thanh-toan/ket-qua/sandbox/**")
    expect(page.get_by_test_id("payment-status")).to_contain_text("Đã thanh toán thành công")
    accessible(page)
    payment = Payment.objects.get(dossier=dossier)
    assert (payment.status, payment.amount) == (Status.PAID, 200_000)

    # Back in "my dossiers": paid, the receipt, the event.
    page.goto(f"{live_server.url}/ho-so-cua-toi/")
    accessible(page)
    page.get_by_test_id("my-dossiers").get_by_role("link", name="Cấp Phiếu lý lịch tư pháp").click()
    page.wait_for_url(f"**/ho-so-cua-toi/{reference}/")
    expect(page.locator("dl.facts")).to_contain_text("200.000 đồng · đã thanh toán trực tuyến")
    expect(page.get_by_role("link", name="Thanh toán", exact=True)).to_have_count(0)
    expect(page.get_by_test_id("events")).to_contain_text("Đã nộp phí, lệ phí")
    receipt = page.get_by_test_id("receipts").get_by_role("link")
    expect(receipt).to_have_text(f"Biên lai điện tử số {payment.receipt_no} (PDF)")
    accessible(page)
    href = receipt.get_attribute("href")
    assert href == f"/thanh-toan/bien-lai/{payment.order_ref}.pdf"
    text = pdf_text(page.request.get(f"{live_server.url}{href}"))
    assert f"Số biên lai {payment.receipt_no}" in text
    assert "200.000 đồng" in text
    assert "Số tiền bằng chữ: Hai trăm nghìn đồng." in text
