"""The public index table downloaded in a real browser: agency names typed as formulas come
back as text in the workbook (formula injection), for the province and each agency below."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from motcua.counters.services import counters_apply
from motcua.directory.models import Agency
from tests.factories import AgencyFactory

NAMES = {
    "000.00.11.H97": '=HYPERLINK("http://attacker.example","Xem chi tiết")',
    "000.00.12.H97": "@SUM(1+1)*cmd|' /C calc'!A0",
}


@pytest.mark.django_db(transaction=True)
def test_the_public_xlsx_keeps_formula_names_as_text(live_server, page):
    root = AgencyFactory(
        code="000.00.00.H97", name="+UBND tỉnh thử nghiệm", level=Agency.Level.PROVINCE
    )
    for code, name in NAMES.items():
        agency = AgencyFactory(code=code, name=name, parent=root)
        counters_apply({(agency.pk, date(2026, 3, 10), "finished"): 3})
    page.goto(f"{live_server.url}/chi-so/cong-khai/?from=2026-03-01&to=2026-03-31")
    expect(page.get_by_text(NAMES["000.00.11.H97"]).first).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Tải bảng tính Excel (.xlsx)").click()
    with open(download.value.path(), "rb") as saved:
        content = saved.read()

    book = load_workbook(io.BytesIO(content))
    cells = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value in {*NAMES.values(), "+UBND tỉnh thử nghiệm"}
    ]
    assert {cell.value for cell in cells} == {*NAMES.values(), "+UBND tỉnh thử nghiệm"}
    assert {cell.data_type for cell in cells} == {"s"}
    assert all(cell.quotePrefix for cell in cells)
