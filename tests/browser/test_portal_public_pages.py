"""The public portal pages a citizen meets before signing in, on a 360 px phone and a desktop:
no serious or critical accessibility violation (axe-core), and nothing wider than the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from motcua.directory.models import Role
from motcua.dossiers.models import Channel
from motcua.dossiers.services import dossier_create
from tests.factories import (
    AgencyFactory,
    FeeLineFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
    staff,
)
from tests.verbs import dossier_receive


@pytest.fixture
def public_data(transactional_db):
    agency = AgencyFactory(code="000.00.11.H98", name="Sở Tư pháp thử nghiệm")
    procedure = ProcedureFactory(
        code="2.000488", name="Cấp Phiếu lý lịch tư pháp", agencies=[agency], time_limit="10 d"
    )
    RequiredDocumentFactory(procedure=procedure, name="Tờ khai yêu cầu cấp Phiếu", position=1)
    FeeLineFactory(procedure=procedure, name="Phí cấp Phiếu lý lịch tư pháp", amount=200_000)
    ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", agencies=[agency])
    officer = staff(Role.RECEPTION, agency, username="public_pages_reception")
    walk_in = dossier_create(
        actor=officer,
        procedure=procedure,
        agency=agency,
        channel=Channel.DIRECT,
        applicant_name="Nguyễn Văn An",
        applicant_id_number="046085001234",
    )
    return dossier_receive(actor=officer, dossier=walk_in)


def _fits(page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow} px wider than the screen"


@pytest.mark.parametrize("width", [360, 1280])
def test_public_pages_are_accessible_and_fit(live_server, browser, public_data, accessible, width):
    context = browser.new_context(locale="vi-VN", viewport={"width": width, "height": 800})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/?q=ly+lich+tu+phap")
        expect(page.get_by_role("link", name="Cấp Phiếu lý lịch tư pháp")).to_be_visible()
        accessible(page)
        _fits(page)

        page.get_by_role("link", name="Cấp Phiếu lý lịch tư pháp").click()
        expect(page.get_by_role("heading", name="Cấp Phiếu lý lịch tư pháp")).to_be_visible()
        expect(page.get_by_text("200.000")).to_be_visible()
        accessible(page)
        _fits(page)

        page.goto(f"{live_server.url}/tra-cuu/{public_data.code}/")
        expect(page.get_by_text(public_data.code).first).to_be_visible()
        assert "046085001234" not in page.content()
        assert "Nguyễn Văn An" not in page.content()
        accessible(page)
        _fits(page)
    finally:
        context.close()
