"""A citizen in a reduced fee category applies for a judicial-record certificate and pays the
reduced rate, in a real browser at 360 px and on a desktop. Another applicant in the data
pays the general rate: one rate applies, never the sum of the published ones (issue: 200.000
and 100.000 đồng were charged as 300.000 đồng). Every page on the way passes axe-core."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from motcua.catalog.models import FeeLine
from motcua.dossiers.models import Channel, Dossier, State
from motcua.dossiers.services import dossier_create
from motcua.payments.models import Payment, Status
from tests.factories import AgencyFactory, CitizenFactory, ProcedureFactory, SectorFactory
from tests.payments.conftest import sandbox_config
from tests.verbs import dossier_submit

GENERAL = "Công dân không thuộc đối tượng được giảm, miễn phí"
STUDENT = "Sinh viên, người có công với cách mạng, thân nhân liệt sĩ"
EXEMPT = "Trẻ em, người cao tuổi, người khuyết tật, người thuộc hộ nghèo"


def pdf_text(response) -> str:
    assert response.status == 200
    reader = PdfReader(io.BytesIO(response.body()))
    return " ".join(" ".join(p.extract_text() for p in reader.pages).split())


@pytest.fixture(params=["mobile_page", "page"])
def any_page(request):
    return request.getfixturevalue(request.param)


@pytest.mark.django_db(transaction=True)
def test_a_student_picks_the_reduced_rate_and_pays_it(
    live_server, any_page, accessible, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.MOTCUA_PAYMENT_GATEWAYS = sandbox_config()
    settings.MOTCUA_PAYMENT_DEFAULT_GATEWAY = "sandbox"
    settings.MOTCUA_PUBLIC_URL = live_server.url
    page = any_page
    justice = AgencyFactory(code="000.00.11.H46", name="Sở Tư pháp thành phố Huế")
    procedure = ProcedureFactory(
        code="2.000488",
        name="Cấp Phiếu lý lịch tư pháp",
        sector=SectorFactory(name="Lý lịch tư pháp"),
        agencies=[justice],
        accepts_online_payment=True,
        registry_connected=True,
    )
    for name, amount, condition in (
        ("Phí cung cấp thông tin lý lịch tư pháp", 200_000, GENERAL),
        ("Phí cung cấp thông tin lý lịch tư pháp (giảm)", 100_000, STUDENT),
        ("Miễn phí cung cấp thông tin lý lịch tư pháp", 0, EXEMPT),
    ):
        FeeLine.objects.create(
            procedure=procedure, name=name, amount=amount, group="doi_tuong", condition=condition
        )
    # Another applicant, in the general category, already submitted.
    an = CitizenFactory(
        username="046085001234", personal_id="046085001234", full_name="Nguyễn Văn An"
    )
    other = dossier_create(
        actor=an,
        procedure=procedure,
        agency=justice,
        channel=Channel.ONLINE,
        applicant_name=an.full_name,
        applicant_id_number=an.personal_id,
        fee_choice={"doi_tuong": GENERAL},
    )
    dossier_submit(actor=an, dossier=other)
    CitizenFactory(username="046192005678", personal_id="046192005678", full_name="Trần Thị Bình")

    # The procedure page lists the rates as alternatives.
    page.goto(f"{live_server.url}/thu-tuc/2.000488/")
    schedule = page.get_by_test_id("fee-schedule")
    expect(schedule).to_contain_text("Một trong các mức sau, tùy trường hợp (không cộng dồn):")
    expect(schedule).to_contain_text(f"{STUDENT}: 100.000 đồng")
    expect(schedule).not_to_contain_text("300.000")
    accessible(page)

    # Sign in on the way to the form; the registry fills the particulars.
    page.get_by_role("link", name="Nộp trực tuyến").click()
    page.wait_for_url("**/dang-nhap/?next=/thu-tuc/2.000488/nop/")
    page.get_by_label("Tên đăng nhập").fill("046192005678")
    page.get_by_label("Mật khẩu").fill("matkhau-thu-nghiem")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/thu-tuc/2.000488/nop/")
    expect(page.locator("#f_applicant_full_name")).to_have_value("Trần Thị Bình")
    category = page.get_by_role("group", name="Đối tượng nộp phí, lệ phí")
    expect(category.get_by_role("radio")).to_have_count(3)
    accessible(page)

    # Submitting without the category is refused, nothing is filed.
    page.get_by_role("button", name="Nộp hồ sơ").click()
    expect(page.locator("#e_doi_tuong_phi_1")).to_contain_text("Hãy chọn đối tượng nộp phí, lệ phí")
    assert not Dossier.objects.filter(applicant__personal_id="046192005678").exists()
    accessible(page)

    # The reduced category, then submit.
    page.get_by_role("radio", name=f"{STUDENT}: 100.000 đồng").check()
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url("**/nop-ho-so/*/da-nop/")
    reference = page.get_by_test_id("reference").inner_text()
    dossier = Dossier.objects.get(reference=reference)
    assert (dossier.state, dossier.fee_amount, dossier.fee_choice) == (
        State.SUBMITTED,
        100_000,
        {"doi_tuong": STUDENT},
    )
    accessible(page)

    # Pay 100.000 đồng on the sandbox gateway.
    page.get_by_role("link", name="Thanh toán ngay").click()
    page.wait_for_url(f"**/thanh-toan/{reference}/")
    expect(page.get_by_test_id("fee-total")).to_have_text("100.000 đồng")
    expect(page.get_by_test_id("fee-category")).to_have_text(f"Đối tượng: {STUDENT}")
    accessible(page)
    page.get_by_role("button", name="Thanh toán 100.000 đồng").click()
    page.wait_for_url("**/thanh-toan/sandbox/sandbox/**")
    expect(page.get_by_test_id("sandbox-amount")).to_have_text("100.000 đồng")
    page.get_by_role("button", name="Thanh toán thành công").click()
    page.wait_for_url("**/thanh-toan/ket-qua/sandbox/**")
    expect(page.get_by_test_id("payment-status")).to_contain_text("Đã thanh toán thành công")
    payment = Payment.objects.get(dossier=dossier)
    assert (payment.status, payment.amount) == (Status.PAID, 100_000)

    # The receipt says the rate and the category.
    text = pdf_text(
        page.request.get(f"{live_server.url}/thanh-toan/bien-lai/{payment.order_ref}.pdf")
    )
    assert f"(đối tượng: {STUDENT}) 100.000 đồng" in text
    assert "Tổng cộng 100.000 đồng" in text
    assert "Số tiền bằng chữ: Một trăm nghìn đồng." in text
    assert "300.000" not in text

    # The other applicant still owes the general rate, nothing more.
    assert Dossier.objects.get(pk=other.pk).fee_amount == 200_000
