"""A citizen types the spelling they know — `lí lịch`, `ki`, `qui` — into the portal's search
box and finds the procedure written the other way, best match first, on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import AgencyFactory, ProcedureFactory, SectorFactory


@pytest.fixture
def catalog(transactional_db):
    agency = AgencyFactory(code="000.00.11.H98", name="Sở Tư pháp thử nghiệm")
    justice = SectorFactory(name="Lý lịch tư pháp")
    for code, name, sector in [
        ("2.000488", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam", justice),
        ("2.000635", "Chứng thực chữ ký giấy tờ, văn bản", SectorFactory(name="Chứng thực")),
        ("1.001193", "Đăng ký khai sinh", SectorFactory(name="Hộ tịch")),
        ("1.004946", "Cấp thẻ bảo hiểm y tế", SectorFactory(name="Y tế")),
        ("1.009710", "Phê duyệt quy hoạch chi tiết", SectorFactory(name="Quy hoạch")),
    ]:
        ProcedureFactory(code=code, name=name, sector=sector, agencies=[agency])


def _results(page) -> list[str]:
    return page.locator("ul.procedures li a").all_inner_texts()


@pytest.mark.parametrize("viewport_width", [360])
def test_a_spelling_variant_finds_the_procedure(live_server, page, accessible, catalog):
    page.goto(f"{live_server.url}/")
    page.get_by_role("searchbox", name="Tên thủ tục").fill("lí lịch tư pháp")
    page.get_by_role("button", name="Tìm").click()

    expect(page.get_by_text("1 thủ tục")).to_be_visible()
    assert _results(page) == ["Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam"]
    accessible(page)

    page.get_by_role("searchbox", name="Tên thủ tục").fill("chu ki giay to")
    page.get_by_role("button", name="Tìm").click()
    expect(page.get_by_text("1 thủ tục")).to_be_visible()
    assert _results(page) == ["Chứng thực chữ ký giấy tờ, văn bản"]

    page.get_by_role("searchbox", name="Tên thủ tục").fill("qui hoạch")
    page.get_by_role("button", name="Tìm").click()
    expect(page.get_by_text("1 thủ tục")).to_be_visible()
    assert _results(page) == ["Phê duyệt quy hoạch chi tiết"]

    # `y` alone stays `y`: not every name with an `i` (`ký`, `khai sinh`).
    page.get_by_role("searchbox", name="Tên thủ tục").fill("y te")
    page.get_by_role("button", name="Tìm").click()
    expect(page.get_by_text("1 thủ tục")).to_be_visible()
    assert _results(page) == ["Cấp thẻ bảo hiểm y tế"]

    page.get_by_role("link", name="Cấp thẻ bảo hiểm y tế").click()
    expect(page.get_by_role("heading", name="Cấp thẻ bảo hiểm y tế")).to_be_visible()
