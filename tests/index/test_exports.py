"""Downloads of the index tables: XLSX opened back with openpyxl, the PDF report checked for
its header, type and the agency named in its metadata (pypdf is not installed here)."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.core.cache import cache
from openpyxl import load_workbook

from motcua.counters.services import counters_apply
from motcua.directory.models import Agency, Role
from motcua.index.exports import XLSX_CONTENT_TYPE, month_periods
from tests.factories import AgencyFactory, staff

pytestmark = pytest.mark.django_db

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
DAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def counters(agency: Agency, **values: int) -> None:
    counters_apply({(agency.pk, DAY, metric): value for metric, value in values.items()})


@pytest.fixture
def city(db):
    """A city (nothing of its own) with two departments:
    - Sở Tư pháp: 10 received, none synced, digitised, reusing data or from the registry
      (−6 −4 −2 −2); 10 finished, 8 on time (−4), no e-result (−8) → 74,00 (Khá);
    - Sở Xây dựng: 4 finished, all on time, with an e-result sent to the store → 100,00."""
    city = AgencyFactory(
        code="000.00.00.H99", name="UBND thành phố thử nghiệm", level=Agency.Level.PROVINCE
    )
    justice = AgencyFactory(code="000.00.11.H99", name="Sở Tư pháp thử nghiệm", parent=city)
    building = AgencyFactory(code="000.00.12.H99", name="Sở Xây dựng thử nghiệm", parent=city)
    counters(justice, received=10, received_online=4, finished=10, finished_on_time=8)
    counters(building, finished=4, finished_on_time=4, e_result=4, e_result_to_store=4)
    return city


@pytest.fixture
def leader(city):
    return staff(Role.LEADER, city, username="lanhdao_xuat_file")


def workbook(response):
    return load_workbook(io.BytesIO(response.content))


def rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


# ---------------------------------------------------------------- dashboard XLSX


def test_the_dashboard_downloads_as_xlsx(client, city, leader):
    client.force_login(leader)
    response = client.get("/chi-so/", {**MARCH, "agency": "000.00.11.H99", "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename="chi-so_000.00.11.H99_2026-03-01_2026-03-31.xlsx"'
    )
    book = workbook(response)
    assert book.sheetnames == [
        "Thông tin",
        "Nhóm chỉ số",
        "Chỉ tiêu",
        "Xu hướng theo tháng",
        "Số liệu điều hành",
    ]
    cover = book["Thông tin"]
    assert cover["A1"].value == "Chỉ số phục vụ người dân, doanh nghiệp"
    assert [cover[f"A{r}"].value for r in range(3, 9)] == [
        "Cơ quan",
        "Mã cơ quan",
        "Kỳ đánh giá",
        "Tổng điểm",
        "Xếp loại",
        "Thời điểm xuất",
    ]
    assert cover["B3"].value == "Sở Tư pháp thử nghiệm"
    assert cover["B5"].value == "từ 01/03/2026 đến 31/03/2026"
    assert round(cover["B6"].value, 2) == 74.0
    assert cover["B6"].number_format == "0.00"
    assert cover["B7"].value == "Khá"


def test_the_indicator_sheet_has_vietnamese_headers_formats_and_values(client, city, leader):
    client.force_login(leader)
    book = workbook(client.get("/chi-so/", {**MARCH, "agency": "000.00.11.H99", "format": "xlsx"}))
    sheet = book["Chỉ tiêu"]
    table = rows(sheet)

    assert table[0] == [
        "Nhóm chỉ số",
        "Mã chỉ tiêu",
        "Chỉ tiêu",
        "Tử số",
        "Mẫu số",
        "Tỷ lệ",
        "Điểm",
        "Điểm tối đa",
        "Ghi chú",
    ]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width == 44
    assert len(table) == 1 + 17
    on_time = next(row for row in table if row[1] == "on_time")
    assert on_time[:6] == [
        "Tiến độ giải quyết",
        "on_time",
        "Hồ sơ giải quyết đúng hạn",
        8,
        10,
        0.8,
    ]
    assert (round(on_time[6], 2), on_time[7], on_time[8]) == (16.0, 20, None)
    row = table.index(on_time) + 1
    assert sheet[f"F{row}"].number_format == "0.00%"
    assert sheet[f"G{row}"].number_format == "0.00"
    assert sheet[f"D{row}"].number_format == "#,##0"
    publish = next(row for row in table if row[1] == "publish_on_time")
    assert publish[3:] == [0, 0, None, 6, 6, "Không phát sinh"]


def test_the_group_trend_and_kpi_sheets(client, city, leader):
    client.force_login(leader)
    book = workbook(client.get("/chi-so/", {**MARCH, "agency": "000.00.11.H99", "format": "xlsx"}))

    groups = rows(book["Nhóm chỉ số"])
    assert groups[0] == ["Nhóm chỉ số", "Điểm", "Điểm tối đa"]
    assert [(name, round(score, 2), top) for name, score, top in groups[1:]] == [
        ("Công khai, minh bạch", 12.0, 18),
        ("Tiến độ giải quyết", 16.0, 20),
        ("Dịch vụ công trực tuyến", 12.0, 12),
        ("Thanh toán trực tuyến", 10.0, 10),
        ("Mức độ hài lòng", 18.0, 18),
        ("Số hóa hồ sơ", 6.0, 22),
    ]

    trend = book["Xu hướng theo tháng"]
    assert rows(trend)[0] == ["Tháng", "Từ ngày", "Đến ngày", "Tổng điểm", "Xếp loại"]
    assert len(rows(trend)) == 13
    last = rows(trend)[-1]
    assert last[0] == "03/2026"
    assert (last[1].date(), last[2].date()) == (date(2026, 3, 1), date(2026, 3, 31))
    assert (round(last[3], 2), last[4]) == (74.0, "Khá")
    assert trend["B13"].number_format == "DD/MM/YYYY"

    kpi = book["Số liệu điều hành"]
    values = {label: value for label, value in rows(kpi)[1:]}
    assert rows(kpi)[0] == ["Chỉ tiêu", "Giá trị"]
    assert values["Số hồ sơ tiếp nhận trong kỳ"] == 10
    assert values["Tỷ lệ hồ sơ nộp trực tuyến"] == 0.4
    assert values["Tỷ lệ giải quyết đúng hạn"] == 0.8
    assert values["Tỷ lệ thủ tục cung cấp trực tuyến"] is None
    rate_row = [r[0] for r in rows(kpi)].index("Tỷ lệ giải quyết đúng hạn") + 1
    assert kpi[f"B{rate_row}"].number_format == "0.00%"


# ---------------------------------------------------------------- ranking and public XLSX


def test_the_ranking_downloads_as_xlsx_in_the_order_asked(client, city, leader):
    client.force_login(leader)
    response = client.get(
        "/chi-so/xep-hang/", {**MARCH, "sort": "total", "dir": "asc", "format": "xlsx"}
    )

    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename="xep-hang_000.00.00.H99_2026-03-01_2026-03-31.xlsx"'
    )
    sheet = workbook(response)["Xếp hạng"]
    table = rows(sheet)
    assert table[0] == [
        "Hạng",
        "Mã cơ quan",
        "Tên cơ quan",
        "Tổng điểm",
        "Xếp loại",
        "Công khai, minh bạch",
        "Tiến độ giải quyết",
        "Dịch vụ công trực tuyến",
        "Thanh toán trực tuyến",
        "Mức độ hài lòng",
        "Số hóa hồ sơ",
    ]
    assert [(r[0], r[1], r[2], round(r[3], 2), r[4]) for r in table[1:]] == [
        (2, "000.00.11.H99", "Sở Tư pháp thử nghiệm", 74.0, "Khá"),
        (1, "000.00.12.H99", "Sở Xây dựng thử nghiệm", 100.0, "Xuất sắc"),
    ]
    assert [round(v, 2) for v in table[1][5:]] == [12.0, 16.0, 12.0, 10.0, 18.0, 6.0]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet["D2"].number_format == "0.00"
    assert sheet.column_dimensions["C"].width == 48


def test_the_public_table_downloads_without_sign_in(client, city):
    response = client.get("/chi-so/cong-khai/", {**MARCH, "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename="chi-so-cong-khai_000.00.00.H99_2026-03-01_2026-03-31.xlsx"'
    )
    table = rows(workbook(response)["Xếp hạng"])
    # the city itself first (no rank), then the agencies below it, best first; the city
    # rolls both up: 12 of 14 on time, 4 e-results of 14 finished, 10 received unsynced
    assert [(r[0], r[1], round(r[3], 2)) for r in table[1:]] == [
        (0, "000.00.00.H99", 77.43),
        (1, "000.00.12.H99", 100.0),
        (2, "000.00.11.H99", 74.0),
    ]


# ---------------------------------------------------------------- PDF


def pdf_info_text(content: bytes, key: str) -> str:
    """A text entry of the PDF's Info dictionary (reportlab writes it UTF-16 with octal
    escapes), read without a PDF library."""
    found = re.search(rb"/" + key.encode() + rb" \((.*?)(?<!\\)\)", content, re.S)
    assert found is not None
    raw = found.group(1)
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i : i + 1] == b"\\":
            octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(0), 8))
                i += 1 + len(octal.group(0))
            else:
                out += raw[i + 1 : i + 2]
                i += 2
        else:
            out += raw[i : i + 1]
            i += 1
    return bytes(out).decode("utf-16") if out.startswith(b"\xfe\xff") else out.decode("latin-1")


def test_the_report_downloads_as_pdf(client, city, leader, django_assert_max_num_queries):
    client.force_login(leader)
    with django_assert_max_num_queries(40):
        response = client.get("/chi-so/", {**MARCH, "agency": "000.00.11.H99", "format": "pdf"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="bao-cao-chi-so_000.00.11.H99_2026-03-01_2026-03-31.pdf"'
    )
    assert response.content.startswith(b"%PDF-")
    assert len(response.content) > 10_000  # the embedded DejaVu subset alone is larger
    assert b"DejaVuSans" in response.content
    assert pdf_info_text(response.content, "Title") == "Chỉ số phục vụ — Sở Tư pháp thử nghiệm"
    assert pdf_info_text(response.content, "Subject") == "từ 01/03/2026 đến 31/03/2026"


# ---------------------------------------------------------------- helpers


def test_month_periods_end_with_the_partial_month():
    periods = month_periods(date(2026, 2, 14), 3)

    assert [(p.start, p.end) for p in periods] == [
        (date(2025, 12, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 2, 14)),
    ]
