"""The counter journey in a real browser: a walk-in is entered with the registry's help,
checked, received, and the receipt-and-appointment slip is downloaded and read."""

from __future__ import annotations

import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from motcua.core.calendar import working_calendar
from motcua.directory.models import Role
from motcua.dossiers.models import Channel, Dossier, State
from motcua.dossiers.services import dossier_create
from tests.factories import (
    AgencyFactory,
    CitizenFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
    staff,
)
from tests.verbs import dossier_receive, dossier_submit

PDF = b"%PDF-1.4\n%%EOF\n"


def sign_in(page, live_server, username: str, next_path: str) -> None:
    page.goto(f"{live_server.url}/dang-nhap/?next={next_path}")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill("matkhau-thu-nghiem")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}{next_path}")


@pytest.mark.django_db(transaction=True)
def test_walk_in_check_receive_and_the_slip(live_server, page, screenshot):
    agency = AgencyFactory(code="000.00.11.H99", name="Sở Tư pháp thử nghiệm")
    procedure = ProcedureFactory(
        code="2.000488", name="Cấp Phiếu lý lịch tư pháp", agencies=[agency], time_limit="3 d"
    )
    declaration = RequiredDocumentFactory(
        procedure=procedure, name="Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", position=1
    )
    id_copy = RequiredDocumentFactory(procedure=procedure, name="Bản chụp thẻ căn cước", position=2)
    officer = staff(Role.RECEPTION, agency, username="motcua_reception", full_name="Lê Thị Hoa")
    # Someone already waiting online, so the queue is not empty.
    citizen = CitizenFactory(username="001090000001", personal_id="001090000001")
    online = dossier_create(
        actor=citizen,
        procedure=procedure,
        agency=agency,
        channel=Channel.ONLINE,
        applicant_name=citizen.full_name,
        applicant_id_number=citizen.personal_id,
    )
    dossier_submit(actor=citizen, dossier=online)

    sign_in(page, live_server, officer.username, "/mot-cua/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Quầy một cửa")
    expect(page.get_by_test_id("queue")).to_contain_text(online.reference)
    screenshot("counter-home")

    # Walk-in: find the procedure without diacritics, look the applicant up, attach scans.
    page.get_by_role("link", name="Tiếp nhận hồ sơ trực tiếp").click()
    page.wait_for_url("**/mot-cua/tiep-nhan/moi/")
    search = page.get_by_label("Tên hoặc mã thủ tục (gõ có dấu hoặc không dấu)")
    expect(search).to_be_focused()
    search.fill("phieu ly lich")
    search.press("Enter")
    expect(page.get_by_test_id("procedure-results")).to_contain_text("2.000488")
    screenshot("counter-search")
    page.get_by_role("link", name="Cấp Phiếu lý lịch tư pháp").click()
    id_box = page.get_by_label("Số định danh cá nhân (12 chữ số)")
    expect(id_box).to_be_focused()
    id_box.fill("046085001234")
    id_box.press("Enter")
    expect(page.get_by_test_id("registry-person")).to_contain_text(
        "Nguyễn Văn An, sinh ngày 12/04/1985"
    )
    expect(page.get_by_label("Họ và tên người nộp")).to_have_value("Nguyễn Văn An")
    expect(page.get_by_label("Địa chỉ")).to_have_value(
        "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế"
    )
    page.get_by_label("Số điện thoại").fill("0912 345 678")
    page.get_by_label(f"1. {declaration.name}").set_input_files(
        files=[{"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_label(f"2. {id_copy.name}").set_input_files(
        files=[{"name": "can-cuoc.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    screenshot("counter-walkin")
    page.get_by_role("button", name="Tạo hồ sơ và kiểm tra").click()

    # Check: both documents present, then receive.
    page.wait_for_url("**/kiem-tra/")
    draft = Dossier.objects.get(channel=Channel.DIRECT)
    expect(page.get_by_test_id("dossier-code")).to_have_text(draft.reference)
    # One service for the walk-in: the two scans posted together are one attach.
    assert list(draft.events.order_by("seq").values_list("action", flat=True)) == [
        "create",
        "registry_lookup",
        "attach",
    ]
    table = page.get_by_test_id("required-documents")
    expect(table).to_contain_text("to-khai.pdf")
    expect(table).to_contain_text("can-cuoc.pdf")
    expect(page.get_by_test_id("missing-count")).to_have_count(0)
    screenshot("counter-check")
    page.get_by_role("button", name="Tiếp nhận và cấp giấy hẹn").click()

    received = Dossier.objects.get(pk=draft.pk)
    assert received.state == State.RECEIVED
    assert received.registry_used is True
    expect(page.get_by_test_id("dossier-code")).to_have_text(received.code)
    expect(page.get_by_role("status").first).to_contain_text(f"Đã tiếp nhận hồ sơ {received.code}.")
    screenshot("counter-received")

    # The slip: downloaded with the officer's session and read back.
    link = page.get_by_test_id("letter-link")
    expect(link).to_have_text("In giấy tiếp nhận và hẹn trả kết quả (PDF)")
    response = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)

    due = working_calendar(agency.office_hours).add(received.received_at, procedure.duration.delta)
    assert due == received.due_at
    appointment = timezone.localtime(due).strftime("%H giờ %M, ngày %d/%m/%Y")
    assert received.code in text
    assert re.search(r"Hẹn trả kết quả\s*" + re.escape(appointment), text), text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "Nguyễn Văn An" in text
    assert "Lê Thị Hoa" in text

    # Digitise: both scans were attached at entry, so the dossier can be marked at once.
    page.get_by_role("link", name="Số hóa").click()
    page.get_by_role("button", name="Đánh dấu đã số hóa").click()
    expect(page.get_by_test_id("digitized")).to_have_text("Hồ sơ đã được số hóa.")
    assert Dossier.objects.get(pk=draft.pk).digitized is True
    screenshot("counter-digitize")

    # Hand over to processing: the dossier leaves the counter.
    page.get_by_role("link", name="Kiểm tra hồ sơ").click()
    page.get_by_role("button", name="Chuyển xử lý").click()
    expect(page.get_by_test_id("state")).to_have_text("Đang xử lý")
    assert Dossier.objects.get(pk=draft.pk).current_step.position == 1


@pytest.mark.django_db(transaction=True)
def test_the_check_page_says_what_holds_an_outcome_back(live_server, page):
    # Two agencies' procedures: one without an internal workflow yet, one with its steps.
    agency = AgencyFactory(code="000.00.11.H98", name="Sở Xây dựng thử nghiệm")
    bare = ProcedureFactory(name="Thủ tục chưa có quy trình", agencies=[agency], workflow=False)
    ready = ProcedureFactory(name="Thủ tục đã có quy trình", agencies=[agency])
    officer = staff(Role.RECEPTION, agency, username="motcua_reception_xd")
    citizen = CitizenFactory(username="001090000002", personal_id="001090000002")
    received = {}
    for procedure in (bare, ready):
        draft = dossier_create(
            actor=citizen,
            procedure=procedure,
            agency=agency,
            channel=Channel.ONLINE,
            applicant_name=citizen.full_name,
            applicant_id_number=citizen.personal_id,
        )
        received[procedure.pk] = dossier_receive(
            actor=officer, dossier=dossier_submit(actor=citizen, dossier=draft)
        )

    stuck = received[bare.pk]
    sign_in(page, live_server, officer.username, f"/mot-cua/ho-so/{stuck.code}/kiem-tra/")
    expect(page.get_by_test_id("held-back")).to_have_text(
        "Thủ tục này chưa có quy trình nội bộ; quản trị cần khai báo các bước xử lý."
    )
    expect(page.get_by_role("button", name="Chuyển xử lý")).to_have_count(0)

    page.goto(f"{live_server.url}/mot-cua/ho-so/{received[ready.pk].code}/kiem-tra/")
    expect(page.get_by_role("button", name="Chuyển xử lý")).to_have_count(1)
    expect(page.get_by_test_id("held-back")).to_have_count(0)
