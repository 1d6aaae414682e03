"""A citizen files for an organisation in a real browser: types the enterprise code once, sees
the organisation's name, head office and legal representative filled from the business
registry (each marked so), types what the registry cannot know, and submits."""

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

LABEL = "✓ Đã điền sẵn từ CSDL quốc gia về đăng ký doanh nghiệp"


@pytest.mark.django_db(transaction=True)
def test_a_business_applicant_types_the_code_and_submits(live_server, page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    department = AgencyFactory(code="000.00.17.H46", name="Sở Công Thương")
    procedure = ProcedureFactory(
        code="2.000591",
        name="Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
        time_limit="20 d",
        agencies=[department],
        eform=json.loads((EFORMS / "2.000591.json").read_text(encoding="utf-8")),
    )
    RequiredDocumentFactory(procedure=procedure, position=1, name="Đơn đề nghị theo mẫu")
    CitizenFactory(
        username="046085001234",
        personal_id="046085001234",
        full_name="Nguyễn Văn An",
        email="nguyenvanan@example.vn",
        phone="0905123456",
    )
    page.goto(f"{live_server.url}/dang-nhap/?next=/thu-tuc/2.000591/nop/")
    page.get_by_label("Tên đăng nhập").fill("046085001234")
    page.get_by_label("Mật khẩu").fill("matkhau-thu-nghiem")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/thu-tuc/2.000591/nop/")
    expect(page.locator("#f_enterprise_name")).to_have_value("")

    # A code of nine digits: the rule, nothing filled.
    page.locator("#f_enterprise_code").fill("330021548")
    page.locator("#f_enterprise_code").press("Tab")
    expect(page.get_by_test_id("business-status")).to_contain_text("gồm 10 chữ số")
    expect(page.locator("#f_enterprise_name")).to_have_value("")

    # The right code: the organisation's particulars, each marked as the registry's.
    page.locator("#f_enterprise_code").fill("3300215487")
    page.locator("#f_enterprise_code").press("Tab")
    expect(page.locator("#f_enterprise_name")).to_have_value("Công ty TNHH Du lịch Sông Hương")
    expect(page.locator("#f_enterprise_address")).to_have_value(
        "8 Lê Lợi, phường Thuận Hóa, thành phố Huế"
    )
    expect(page.locator("#f_legal_representative")).to_have_value("Nguyễn Thị Hoa")
    expect(page.locator("#k_enterprise_name")).to_have_text(LABEL)

    expect(page.locator("#f_legal_representative_title")).to_have_value("Giám đốc")

    # What no registry knows, then submit.
    page.locator("#f_facility_address").fill("12 Chi Lăng, phường Phú Xuân, thành phố Huế")
    page.get_by_label("Sản xuất và kinh doanh").check()
    page.locator("#f_products").fill("Bánh khô mè xửng")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url("**/da-nop/")

    dossier = Dossier.objects.get()
    assert dossier.state == State.SUBMITTED
    assert {
        k: dossier.form_data[k]
        for k in (
            "enterprise_code",
            "enterprise_name",
            "enterprise_address",
            "legal_representative",
        )
    } == {
        "enterprise_code": "3300215487",
        "enterprise_name": "Công ty TNHH Du lịch Sông Hương",
        "enterprise_address": "8 Lê Lợi, phường Thuận Hóa, thành phố Huế",
        "legal_representative": "Nguyễn Thị Hoa",
    }
