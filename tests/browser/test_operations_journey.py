"""A city's leader opens the operations dashboard from the index dashboard, reads the measures
against their targets and the worst agencies on time, and downloads the table as XLSX
(tests/index/test_operations.py holds every figure)."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from playwright.sync_api import expect

from motcua.counters.services import counters_apply
from motcua.directory.models import Agency, Role
from tests.factories import AgencyFactory, staff

DAY = date(2026, 3, 10)


def _counters(agency: Agency, **values: int) -> None:
    counters_apply({(agency.pk, DAY, metric): value for metric, value in values.items()})


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport_width", [1280, 360])
def test_a_leader_reads_the_operations_dashboard_and_downloads_it(
    live_server, page, signed_in, accessible, screenshot
):
    city = AgencyFactory(
        code="000.00.00.H95", name="UBND thành phố thử nghiệm", level=Agency.Level.PROVINCE
    )
    justice = AgencyFactory(code="000.00.11.H95", name="Sở Tư pháp thử nghiệm", parent=city)
    building = AgencyFactory(code="000.00.12.H95", name="Sở Xây dựng thử nghiệm", parent=city)
    # Tư pháp 9/10 on time (90,00 %), Xây dựng 19/20 (95,00 %): the city 28/30 = 93,33 %.
    _counters(justice, finished=10, finished_on_time=9, received=4, received_online=2)
    _counters(building, finished=20, finished_on_time=19, received=6, received_online=1)
    leader = staff(Role.LEADER, city, username="lanhdao_dh", full_name="Trần Văn Minh")
    signed_in(page, live_server, leader.username)

    page.goto(f"{live_server.url}/chi-so/?from=01/03/2026&to=31/03/2026")
    page.get_by_role("link", name="Bộ chỉ số chỉ đạo, điều hành").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bộ chỉ số chỉ đạo, điều hành")
    expect(page.get_by_test_id("value-on_time")).to_have_text("93,33 %")
    expect(page.get_by_test_id("met-on_time")).to_have_text("Đạt")
    expect(page.get_by_test_id("value-online")).to_have_text("30,00 %")
    expect(page.get_by_test_id("met-online")).to_have_text("Chưa đạt")
    worst = page.get_by_test_id("worst-on_time").locator("li")
    expect(worst).to_have_text(
        [
            "Sở Tư pháp thử nghiệm — 90,00 % (9 / 10)",
            "Sở Xây dựng thử nghiệm — 95,00 % (19 / 20)",
        ]
    )
    expect(worst.first.get_by_role("link")).to_have_attribute(
        "href", "/chi-so/chi-tieu/on_time/?agency=000.00.11.H95&from=2026-03-01&to=2026-03-31"
    )
    expect(page.locator("#chart-on_time")).to_be_visible()
    accessible(page)
    screenshot("operations-march")

    with page.expect_download() as download:
        page.get_by_test_id("operations-xlsx").click()
    assert download.value.suggested_filename == (
        "dieu-hanh_000.00.00.H95_2026-03-01_2026-03-31.xlsx"
    )
    book = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    rows = list(book["Theo cơ quan"].iter_rows(values_only=True))
    assert [row[:3] for row in rows[1:]] == [
        ("000.00.00.H95", "UBND thành phố thử nghiệm", pytest.approx(0.9333)),
        ("000.00.11.H95", "Sở Tư pháp thử nghiệm", 0.9),
        ("000.00.12.H95", "Sở Xây dựng thử nghiệm", 0.95),
    ]
