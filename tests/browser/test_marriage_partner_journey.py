"""A citizen registers a marriage online on a 360 px phone: types the partner's full name and
personal ID, sees her birth date, ethnicity, nationality and residence filled from the
population registry (each marked so) — after a name that is not the record's filled nothing
and said why —, types the rest and submits. The page passes axe-core at each step."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from motcua.demo.eforms import EFORMS
from motcua.dossiers.models import Dossier, State
from tests.factories import (
    AgencyFactory,
    CitizenFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
)

LABEL = "✓ Đã điền sẵn từ CSDL quốc gia về dân cư"


@pytest.mark.django_db(transaction=True)
def test_the_partner_is_filled_from_her_id_and_name(
    live_server, mobile_page, accessible, settings, tmp_path
):
    page = mobile_page  # on a 360 px phone, where most citizens apply
    settings.MEDIA_ROOT = tmp_path
    ward = AgencyFactory(code="000.00.31.H46", name="UBND phường Phong Điền")
    procedure = ProcedureFactory(
        code="1.000894",
        name="Đăng ký kết hôn",
        time_limit="5 wd",
        agencies=[ward],
        eform=json.loads((EFORMS / "1.000894.json").read_text(encoding="utf-8")),
    )
    RequiredDocumentFactory(
        procedure=procedure, position=1, name="Tờ khai đăng ký kết hôn theo mẫu"
    )
    # Hồ Đức Sơn, unmarried in the registry; Lê Minh Quỳnh, another person in it.
    CitizenFactory(username="046069005005", personal_id="046069005005", phone="0905111222")
    page.goto(f"{live_server.url}/dang-nhap/?next=/thu-tuc/1.000894/nop/")
    page.get_by_label("Tên đăng nhập").fill("046069005005")
    page.get_by_label("Mật khẩu").fill("matkhau-thu-nghiem")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/thu-tuc/1.000894/nop/")
    expect(page.locator("#f_applicant_full_name")).to_have_value("Hồ Đức Sơn")
    expect(page.locator("#f_partner_birth_date")).to_have_value("")
    expect(page.locator("#f_copies")).to_have_value("1")
    accessible(page)

    # A name that is not the record's: nothing filled, and the page says why.
    page.locator("#f_partner_full_name").fill("Lê Minh Quân")
    page.locator("#f_partner_personal_id").fill("045171005002")
    page.locator("#f_partner_personal_id").press("Tab")
    expect(page.get_by_test_id("partner-status")).to_contain_text(
        "Không tìm thấy trong CSDL quốc gia về dân cư người có số định danh và họ tên này."
    )
    expect(page.locator("#f_partner_birth_date")).to_have_value("")

    # Her name as the record bears it: her particulars, each marked as the registry's.
    page.locator("#f_partner_full_name").fill("Lê Minh Quỳnh")
    page.locator("#f_partner_full_name").press("Tab")
    expect(page.locator("#f_partner_birth_date")).to_have_value("05/06/1971")
    expect(page.locator("#f_partner_ethnicity")).to_have_value("Kinh")
    expect(page.locator("#f_partner_nationality")).to_have_value("Việt Nam")
    expect(page.locator("#f_partner_residence")).to_have_value(
        "250 Lý Thường Kiệt, phường Hương Trà, thành phố Huế"
    )
    expect(page.locator("#k_partner_residence")).to_have_text(LABEL)
    expect(page.locator("#k_partner_full_name")).to_have_count(0)
    accessible(page)

    # What only they know, then submit.
    page.get_by_label("Bên nam").check()
    page.locator("#f_applicant_marriage_count").fill("1")
    page.locator("#f_partner_marriage_count").fill("1")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url("**/da-nop/")
    accessible(page)

    dossier = Dossier.objects.get()
    assert dossier.state == State.SUBMITTED
    assert {k: v for k, v in dossier.form_data.items() if k.startswith("partner_")} == {
        "partner_full_name": "Lê Minh Quỳnh",
        "partner_personal_id": "045171005002",
        "partner_birth_date": "1971-06-05",
        "partner_ethnicity": "Kinh",
        "partner_nationality": "Việt Nam",
        "partner_residence": "250 Lý Thường Kiệt, phường Hương Trà, thành phố Huế",
        "partner_marriage_count": 1,
    }
    assert dossier.form_data["copies"] == 1
    assert dossier.registry_used is True
