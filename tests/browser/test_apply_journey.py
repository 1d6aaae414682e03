"""A citizen applies online in a real browser, at 360 px and on a desktop: find the procedure
without diacritics, sign in, find the form prefilled from the registry and the account (the
mother is his wife's registry record; the earlier dossier's mother is another child's, so not
offered again), attach a file, save a
draft, come back, submit; then answer the counter's supplement request and see the dossier
through to its return. Every portal page on the way passes axe-core."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from motcua.demo.eforms import EFORMS
from motcua.directory.models import Role
from motcua.dossiers.lifecycle import Action, dossier_transition
from motcua.dossiers.models import Channel, Dossier, State
from motcua.dossiers.services import dossier_create
from tests.factories import (
    AgencyFactory,
    CitizenFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
    staff,
)
from tests.verbs import dossier_receive, dossier_request_supplement, dossier_return, dossier_submit

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EARLIER = {
    "applicant_relationship": "cha",
    "mother_full_name": "Lê Thị Hồng",
    "mother_birth_date": "1990-02-20",
    "mother_ethnicity": "Kinh",
    "mother_nationality": "Việt Nam",
    "mother_residence": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
}


@pytest.fixture(params=["mobile_page", "page"])
def any_page(request):
    return request.getfixturevalue(request.param)


@pytest.mark.django_db(transaction=True)
def test_apply_online_from_search_to_return(live_server, any_page, accessible, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    page = any_page
    ward = AgencyFactory(code="000.50.01.H46", name="UBND phường Thuận Hóa", level="commune")
    procedure = ProcedureFactory(
        code="1.001193",
        name="Đăng ký khai sinh",
        time_limit="1 d",
        agencies=[ward],
        eform=json.loads((EFORMS / "1.001193.json").read_text(encoding="utf-8")),
        registry_connected=True,
    )
    RequiredDocumentFactory(procedure=procedure, position=1, name="Tờ khai đăng ký khai sinh")
    certificate = RequiredDocumentFactory(procedure=procedure, position=2, name="Giấy chứng sinh")
    reception = staff(Role.RECEPTION, ward, username="tiepnhan_ward")
    specialist = staff(Role.SPECIALIST, ward, username="chuyenvien_ward")
    approver = staff(Role.APPROVER, ward, username="pheduyet_ward")
    citizen = CitizenFactory(
        username="046085001234",
        personal_id="046085001234",
        full_name="Nguyễn Văn An",
        email="nguyenvanan@example.vn",
        phone="0905123456",
    )
    earlier = dossier_create(
        actor=citizen,
        procedure=procedure,
        agency=ward,
        channel=Channel.ONLINE,
        applicant_name=citizen.full_name,
        applicant_id_number=citizen.personal_id,
        form_data=EARLIER,
    )
    dossier_submit(actor=citizen, dossier=earlier)

    # Find the procedure without diacritics.
    page.goto(f"{live_server.url}/")
    page.get_by_role("searchbox").fill("dang ky khai sinh")
    page.get_by_role("button", name="Tìm").click()
    page.wait_for_url("**/?q=*")
    accessible(page)
    page.get_by_role("link", name="Đăng ký khai sinh").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký khai sinh")
    accessible(page)
    page.get_by_role("link", name="Nộp trực tuyến").click()

    # Sign in, and back to the form.
    page.wait_for_url("**/dang-nhap/?next=/thu-tuc/1.001193/nop/")
    accessible(page)
    page.get_by_label("Tên đăng nhập").fill("046085001234")
    page.get_by_label("Mật khẩu").fill("matkhau-thu-nghiem")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/thu-tuc/1.001193/nop/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nộp hồ sơ trực tuyến")

    # Known data is there and says where it came from.
    # The applicant 7, the father (An) 6, the mother (his wife Bình) 6, the child's ethnicity
    # and nationality, his relationship (presumed the father) and one copy.
    expect(page.get_by_test_id("prefilled")).to_have_count(23)
    expect(page.locator("#f_applicant_relationship")).to_have_value("cha")
    form = page.locator("form[enctype]")
    name = form.get_by_role("group", name="Người yêu cầu đăng ký khai sinh").get_by_label(
        "Họ, chữ đệm và tên"
    )
    expect(name).to_have_value("Nguyễn Văn An")
    expect(page.locator("#k_applicant_full_name")).to_have_text(
        "✓ Đã điền sẵn từ CSDL quốc gia về dân cư"
    )
    # The earlier registration's mother is another child's: never offered again. The mother
    # is the wife the registry links to An, from her own record.
    expect(page.locator("#f_mother_full_name")).to_have_value("Trần Thị Bình")
    expect(page.locator("#k_mother_full_name")).to_have_text(
        "✓ Đã điền sẵn từ CSDL quốc gia về dân cư"
    )
    assert "Lê Thị Hồng" not in page.content()
    expect(page.locator("#f_applicant_birth_date")).to_have_value("12/04/1985")
    accessible(page)

    # Type what is this registration's own, attach the birth certificate, save a draft.
    page.locator("#f_applicant_relationship").select_option("cha")
    page.locator("#f_child_full_name").fill("Nguyễn Minh Anh")
    page.locator("#f_child_birth_date").fill("03/02/2026")
    page.locator("#f_child_birth_place").fill("Bệnh viện Trung ương Huế")
    page.get_by_role("group", name="Giới tính").last.get_by_label("Nữ").check()
    page.locator("#f_copies").fill("2")
    page.locator(f"#tep_{certificate.pk}").set_input_files(
        files=[{"name": "giay-chung-sinh.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.get_by_role("status").filter(has_text="Đã lưu nháp hồ sơ")).to_have_count(1)
    reference = page.get_by_test_id("draft-reference").inner_text()
    draft_url = page.url
    assert draft_url.endswith(f"/nop-ho-so/{reference}/")
    accessible(page)

    # Come back later: what was typed and attached is still there.
    page.goto(f"{live_server.url}/")
    page.goto(draft_url)
    expect(page.locator("#f_child_full_name")).to_have_value("Nguyễn Minh Anh")
    expect(page.locator("#f_child_birth_date")).to_have_value("03/02/2026")
    expect(page.get_by_test_id("attached")).to_contain_text("giay-chung-sinh.png (image/png)")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url(f"**/nop-ho-so/{reference}/da-nop/")
    expect(page.get_by_test_id("reference")).to_have_text(reference)
    expect(page.get_by_test_id("state")).to_have_text("Đã nộp trực tuyến, chờ tiếp nhận")
    accessible(page)
    dossier = Dossier.objects.get(reference=reference)
    assert (dossier.state, dossier.registry_used) == (State.SUBMITTED, True)
    assert dossier.form_data["mother_full_name"] == "Trần Thị Bình"

    # The counter receives it and asks for a clearer birth certificate.
    dossier = dossier_receive(actor=reception, dossier=dossier)
    dossier = dossier_request_supplement(
        actor=reception, dossier=dossier, missing=["Giấy chứng sinh"], note="Ảnh bị mờ."
    )
    page.goto(f"{live_server.url}/nop-bo-sung/{dossier.code}/")
    expect(page.get_by_test_id("request")).to_contain_text("Ảnh bị mờ.")
    accessible(page)
    page.locator("#tep_bs_0").set_input_files(
        files=[{"name": "giay-chung-sinh.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Nộp bổ sung").click()
    expect(
        page.get_by_role("status").filter(has_text=f"Đã nộp bổ sung hồ sơ {dossier.code}")
    ).to_have_count(1)
    accessible(page)

    # Processed and returned, through the services.
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert dossier.state == State.RECEIVED
    # One service for the answer: the file is one attach, the answer one provide_supplement.
    assert list(dossier.events.order_by("-seq").values_list("action", flat=True)[:3]) == [
        "provide_supplement",
        "attach",
        "request_supplement",
    ]
    dossier = dossier_transition(actor=reception, dossier=dossier, action=Action.FORWARD)
    dossier = dossier_transition(actor=specialist, dossier=dossier, action=Action.FORWARD)
    dossier = dossier_transition(actor=approver, dossier=dossier, action=Action.APPROVE)
    dossier = dossier_return(actor=reception, dossier=dossier)
    assert dossier.state == State.RETURNED
    page.goto(f"{live_server.url}/tra-cuu/{dossier.code}/")
    expect(page.locator("main")).to_contain_text("Đã trả kết quả")
    accessible(page)

    # Tracked in "my dossiers", then rated.
    page.goto(f"{live_server.url}/ho-so-cua-toi/")
    listing = page.get_by_test_id("my-dossiers")
    expect(listing.locator("li", has_text=dossier.code)).to_contain_text("Đã trả kết quả")
    accessible(page)
    listing.locator("li", has_text=dossier.code).get_by_role("link").click()
    page.wait_for_url(f"{live_server.url}/ho-so-cua-toi/{dossier.code}/")
    expect(page.get_by_test_id("events")).to_contain_text("Đã nộp bổ sung hồ sơ")
    page.get_by_label("Hài lòng", exact=True).check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_test_id("rating")).to_have_text("Hài lòng")
    accessible(page)
    assert Dossier.objects.get(pk=dossier.pk).rating == "satisfied"
