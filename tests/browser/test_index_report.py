"""A leader opens the statistics report from the dashboard, reads March 2026's table, moves to
the first quarter with a shortcut and downloads the sheet (tests/index/test_report.py holds
the world and every figure)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from playwright.sync_api import expect

from motcua.directory.models import Role
from tests.factories import staff
from tests.index.test_report import build_world


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport_width", [1280, 360])
def test_a_leader_reads_and_downloads_the_report(
    live_server, page, signed_in, accessible, screenshot
):
    parent = build_world()
    leader = staff(Role.LEADER, parent, username="lanhdao_bc", full_name="Lê Thị Hoa")
    signed_in(page, live_server, leader.username)

    page.goto(f"{live_server.url}/chi-so/?from=01/03/2026&to=31/03/2026")
    page.get_by_role("link", name="Báo cáo kết quả giải quyết TTHC").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Báo cáo tình hình, kết quả giải quyết thủ tục hành chính"
    )
    rows = page.locator("#bang-bao-cao tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).locator("th")).to_have_text("Hộ tịch")
    expect(rows.nth(1).locator("td.num")).to_have_text(
        ["12", "3", "7", "2", "7", "2", "2", "3", "3", "1", "2"]
    )
    expect(page.locator("#bang-bao-cao tfoot td.num")).to_have_text(
        ["15", "3", "8", "4", "8", "2", "3", "3", "4", "1", "3"]
    )
    accessible(page)
    screenshot("report-march")

    page.get_by_role("link", name="Quý 1").click()
    expect(page.locator(".index-note").first).to_contain_text("từ 01/01/2026 đến 31/03/2026")
    expect(page.get_by_role("link", name="Quý 1")).to_have_attribute("aria-current", "true")

    with page.expect_download() as download:
        page.get_by_role("link", name="Tải bảng tính Excel (.xlsx)").click()
    assert download.value.suggested_filename == (
        "bao-cao-thong-ke_000.00.30.H99_2026-01-01_2026-03-31.xlsx"
    )
    # The saved download has no extension, which openpyxl refuses: read it from memory.
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sheet["A3"].value == "Kỳ báo cáo: từ ngày 01/01/2026 đến ngày 31/03/2026"
