"""The e-form answers in a real browser, on a 360 px phone: the counter officer reads the
declaration (label above value, nothing wider than the screen), the page passes axe, and the
printable PDF opens from its link."""

from __future__ import annotations

import io
import os

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from motcua.catalog.services import procedure_eform_set
from motcua.directory.models import Role
from motcua.dossiers.models import Channel
from motcua.dossiers.services import dossier_create, dossier_form_save
from tests.factories import AgencyFactory, CitizenFactory, ProcedureFactory, staff
from tests.office.test_eform_answers import ANSWERS, PERMIT
from tests.verbs import dossier_submit


@pytest.mark.django_db(transaction=True)
def test_the_counter_reads_and_prints_the_declaration_on_a_phone(
    live_server, mobile_page, signed_in, accessible
):
    agency = AgencyFactory(code="000.00.11.H99", name="Sở Xây dựng thử nghiệm")
    procedure = ProcedureFactory(
        code="1.009994", name="Cấp giấy phép xây dựng nhà ở riêng lẻ", agencies=[agency]
    )
    procedure_eform_set(actor=None, procedure=procedure, eform=PERMIT)
    officer = staff(Role.RECEPTION, agency, username="motcua_reception")
    citizen = CitizenFactory(username="001090000001", personal_id="001090000001")
    dossier = dossier_create(
        actor=citizen,
        procedure=procedure,
        agency=agency,
        channel=Channel.ONLINE,
        applicant_name=citizen.full_name,
        applicant_id_number=citizen.personal_id,
    )
    dossier = dossier_form_save(actor=citizen, dossier=dossier, form_data=ANSWERS)
    dossier = dossier_submit(actor=citizen, dossier=dossier)

    page = mobile_page
    signed_in(page, live_server, officer.username)
    page.goto(f"{live_server.url}/mot-cua/ho-so/{dossier.public_code}/kiem-tra/")
    section = page.get_by_test_id("eform-answers")
    expect(section.get_by_role("heading", name="Tờ khai điện tử")).to_be_visible()
    value = section.locator('dd[data-key="capital"]')
    expect(value).to_have_text("1.250.000.000")
    label = section.locator("dt", has_text="Dự toán (đồng)")
    # On a phone the value sits under its label, and nothing runs off the screen.
    label_box, value_box = label.bounding_box(), value.bounding_box()
    assert label_box is not None and value_box is not None
    assert value_box["x"] == label_box["x"] and value_box["y"] > label_box["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if shots := os.environ.get("MOTCUA_SCREENSHOTS", ""):
        page.screenshot(path=f"{shots}/eform-answers-check-360.png", full_page=True)
    accessible(page)

    href = section.get_by_test_id("eform-pdf").get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200
    text = " ".join(PdfReader(io.BytesIO(response.body())).pages[0].extract_text().split())
    assert f"Số tham chiếu {dossier.reference}" in text
    assert "Dự toán (đồng) 1.250.000.000" in text
