"""A citizen applies for the birth bundle (liên thông: birth registration, the child's
permanent residence, the child's health-insurance card) in a real browser: from the home page
to the bundle, sign in, one form prefilled from the registry with the child's particulars
asked once, one set of attachments, one submission; the tracking page by the bundle's code
shows the two dependants waiting, and once the birth registration's result is returned, that
they are released. Every page on the way passes axe-core."""

from __future__ import annotations

import json
from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import expect

from motcua.bundles.models import BundleApplication
from motcua.catalog.services import catalog_import
from motcua.demo.bundles import BIRTH_ANSWERS, _Clock, bundle_demo_play, demo_bundles_define
from motcua.demo.eforms import demo_eforms_load
from motcua.demo.services import CATALOG
from motcua.directory.models import Agency, Division, Role
from motcua.dossiers.models import State
from tests.factories import CitizenFactory, staff

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _fill_what_is_empty(page) -> None:
    """Type the demo's answers into the fields the prefill left empty, as the citizen would."""
    for name, value in BIRTH_ANSWERS.items():
        field = page.locator(f"[name='{name}']")
        if field.count() == 0:
            continue
        kind = field.first.get_attribute("type") or field.first.evaluate("e => e.tagName")
        if kind == "radio":
            if not page.locator(f"[name='{name}']:checked").count():
                page.locator(f"[name='{name}'][value='{value}']").check()
        elif kind == "SELECT":
            if not field.input_value():
                field.select_option(str(value))
        elif not field.input_value():
            text = str(value)
            if len(text) == 10 and text[4] == "-":
                text = f"{text[8:10]}/{text[5:7]}/{text[:4]}"
            field.fill(text)


@pytest.mark.django_db(transaction=True)
def test_apply_for_a_bundle_once_and_follow_each_part(
    live_server, page, accessible, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    # A transactional test before this one on the same worker emptied every table, the
    # communes the demo's agencies name among them: load them again as migration 0002 does.
    if not Division.objects.exists():
        import_module("motcua.directory.migrations.0002_load_divisions").load(apps, None)
    catalog_import(actor=None, data=json.loads(CATALOG.read_text(encoding="utf-8")))
    demo_eforms_load()
    birth_bundle, _death = demo_bundles_define()
    for code in ("000.50.01.H46", "000.00.21.H46", "000.00.22.H46"):
        agency = Agency.objects.get(code=code)
        for role in (Role.RECEPTION, Role.SPECIALIST, Role.APPROVER):
            staff(role, agency, username=f"{role}-{code}")
    CitizenFactory(
        username="046085001234",
        personal_id="046085001234",
        full_name="Nguyễn Văn An",
        email="nguyenvanan@example.vn",
        phone="0905123456",
    )

    # From the home page to the bundle, and its conditions.
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Thủ tục liên thông").click()
    page.get_by_role("link", name=birth_bundle.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(birth_bundle.name)
    expect(page.get_by_test_id("fee-total")).to_have_text("10.000 đồng")
    accessible(page)
    page.get_by_role("link", name="Nộp hồ sơ liên thông").click()

    # Sign in, and back to the one form.
    page.wait_for_url(f"**/dang-nhap/?next=/lien-thong/{birth_bundle.code}/nop/")
    page.get_by_label("Tên đăng nhập").fill("046085001234")
    page.get_by_label("Mật khẩu").fill("matkhau-thu-nghiem")
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"**/lien-thong/{birth_bundle.code}/nop/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nộp hồ sơ liên thông")
    expect(page.locator("#f_applicant_full_name")).to_have_value("Nguyễn Văn An")
    expect(page.locator("#k_applicant_full_name")).to_have_text(
        "✓ Đã điền sẵn từ CSDL quốc gia về dân cư"
    )
    # The child's name is asked once for the birth registration and the insurance card.
    expect(page.locator("[name='child_full_name']")).to_have_count(1)
    accessible(page)

    # Submitting without the papers is refused, and nothing is made.
    _fill_what_is_empty(page)
    page.get_by_role("button", name="Nộp hồ sơ liên thông").click()
    expect(page.get_by_test_id("bundle-error")).to_contain_text("chưa hồ sơ nào được tạo")
    assert BundleApplication.objects.count() == 0
    accessible(page)

    # One set of attachments, then one submission.
    _fill_what_is_empty(page)
    inputs = page.locator("input[type=file]")
    for index in range(inputs.count()):
        inputs.nth(index).set_input_files(
            files=[{"name": "giay-to.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
    page.get_by_role("button", name="Nộp hồ sơ liên thông").click()
    page.wait_for_url("**/lien-thong/tra-cuu/LT*/")
    application = BundleApplication.objects.get()
    expect(page.get_by_test_id("bundle-status")).to_have_text("Đang giải quyết")
    expect(page.get_by_test_id("part")).to_have_count(3)
    expect(page.get_by_test_id("part-note")).to_have_count(2)
    expect(page.get_by_test_id("part-note").first).to_contain_text(
        "Chờ kết quả “Đăng ký khai sinh”"
    )
    expect(page.get_by_test_id("bundle-fee")).to_have_text("10.000 đồng")
    accessible(page)

    # The commune returns the birth registration's result: the others are released.
    birth = application.parts.get(member__position=1).dossier
    clock = _Clock(birth.submitted_at)
    bundle_demo_play(birth, State.RETURNED, clock)
    page.reload()
    expect(page.get_by_test_id("part-note")).to_have_count(0)
    expect(page.get_by_test_id("part").nth(1)).to_contain_text(
        "Đã có kết quả hồ sơ liên thông cần chờ"
    )
    accessible(page)
