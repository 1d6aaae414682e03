"""At the counter, in a real browser: a name made of hidden characters, a personal ID born in
2190 and a PDF that runs JavaScript are refused with their Vietnamese messages; the corrected
entry is stored with its name in NFC and its scan is served back as a sandboxed download.
Two agencies, so the page is the right agency's."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from motcua.directory.models import Role
from motcua.dossiers.models import Dossier
from tests.factories import AgencyFactory, ProcedureFactory, RequiredDocumentFactory, staff

CLEAN_PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
JS_PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /OpenAction << /S /J#61vaScript "
    b"/JS (app.alert(1)) >> >>\nendobj\n%%EOF\n"
)


def sign_in(page, live_server, username: str, next_path: str) -> None:
    page.goto(f"{live_server.url}/dang-nhap/?next={next_path}")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("matkhau-thu-nghiem")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}{next_path}")


@pytest.mark.django_db(transaction=True)
def test_hidden_names_future_ids_and_active_pdfs_are_refused(live_server, page, screenshot):
    agency = AgencyFactory(code="000.00.11.H99", name="Sở Tư pháp thử nghiệm")
    other = AgencyFactory(code="000.00.12.H99", name="Sở Xây dựng thử nghiệm")
    procedure = ProcedureFactory(
        code="2.000488", name="Cấp Phiếu lý lịch tư pháp", agencies=[agency, other]
    )
    declaration = RequiredDocumentFactory(procedure=procedure, name="Tờ khai", position=1)
    officer = staff(Role.RECEPTION, agency, username="motcua_reception")
    staff(Role.RECEPTION, other, username="motcua_reception_xd")
    path = f"/mot-cua/tiep-nhan/moi/?co_quan={agency.code}&thu_tuc={procedure.code}"
    sign_in(page, live_server, officer.username, "/mot-cua/")
    page.goto(f"{live_server.url}{path}")

    name = page.get_by_label("Họ và tên người nộp")
    page.get_by_label("Số định danh cá nhân (12 chữ số)").fill("046490001234")
    name.fill("\u200b\u202e\u200d")
    page.get_by_role("button", name="Tạo hồ sơ và kiểm tra").click()
    expect(page.get_by_text("Họ và tên có ký tự ẩn hoặc ký tự điều khiển")).to_be_visible()
    expect(
        page.get_by_text(
            "Số định danh cá nhân không hợp lệ: chữ số thứ 4–6 cho năm sinh 2190, sau năm hiện tại"
        )
    ).to_be_visible()
    screenshot("counter-hidden-name")
    assert Dossier.objects.count() == 0

    page.get_by_label("Số định danh cá nhân (12 chữ số)").fill("046092001234")
    page.get_by_label("Họ và tên người nộp").fill("Nguye\u0302\u0303n Thi\u0323 Hoa")
    page.get_by_label(f"1. {declaration.name}").set_input_files(
        files=[{"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": JS_PDF}]
    )
    page.get_by_role("button", name="Tạo hồ sơ và kiểm tra").click()
    expect(
        page.get_by_text("Tệp PDF “to-khai.pdf” chứa nội dung tự chạy (JavaScript")
    ).to_be_visible()
    assert Dossier.objects.count() == 0

    page.get_by_label(f"1. {declaration.name}").set_input_files(
        files=[{"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": CLEAN_PDF}]
    )
    page.get_by_role("button", name="Tạo hồ sơ và kiểm tra").click()
    page.wait_for_url("**/kiem-tra/")
    dossier = Dossier.objects.get()
    assert (dossier.agency_id, dossier.applicant_name) == (agency.pk, "Nguyễn Thị Hoa")
    document = dossier.documents.get()
    assert document.name == "to-khai.pdf"
    # The scan comes back as a download, never rendered in the system's origin.
    served = page.request.get(
        f"{live_server.url}/mot-cua/ho-so/{dossier.public_code}/tai-lieu/{document.pk}/"
    )
    assert served.status == 200
    assert (
        served.headers["content-disposition"],
        served.headers["content-type"],
        served.headers["x-content-type-options"],
        served.headers["content-security-policy"],
    ) == (
        'attachment; filename="to-khai.pdf"',
        "application/pdf",
        "nosniff",
        "sandbox; default-src 'none'; frame-ancestors 'none'",
    )
    assert served.body() == CLEAN_PDF
