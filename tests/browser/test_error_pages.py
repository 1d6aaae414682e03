"""What a person meets at a wrong address: a Vietnamese page with the way back, the portal's own
icon in the tab, and no failed request for /favicon.ico on any page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import AgencyFactory, ProcedureFactory


@pytest.fixture
def catalog(transactional_db):
    agency = AgencyFactory(code="000.00.11.H97", name="Sở Tư pháp thử nghiệm")
    ProcedureFactory(code="2.000488", name="Cấp Phiếu lý lịch tư pháp", agencies=[agency])
    ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", agencies=[agency])


def test_a_wrong_address_shows_the_vietnamese_404_and_the_icon_loads(page, live_server, catalog):
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)

    response = page.goto(f"{live_server.url}/thu-tuc-khong-co/046085001234/")

    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_have_text("Không tìm thấy trang")
    expect(page).to_have_title("Không tìm thấy trang — motcua")
    assert page.locator("html").get_attribute("lang") == "vi"
    page.get_by_role("link", name="Tra cứu thủ tục hành chính").click()
    expect(page.get_by_text("Đăng ký khai sinh")).to_be_visible()
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon == "/static/motcua/favicon.svg"
    assert page.request.get(f"{live_server.url}{icon}").status == 200
    favicon = page.request.get(f"{live_server.url}/favicon.ico")
    assert favicon.status == 200
    assert favicon.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    page.wait_for_load_state("networkidle")
    assert failed == [f"{live_server.url}/thu-tuc-khong-co/046085001234/"]
