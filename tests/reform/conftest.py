"""A small province for the reform tests: the UBND at the top, two departments below it, and a
separate agency elsewhere; a leader of the province, an approver and a reception officer of the
justice department, a leader of the other agency and a citizen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from motcua.directory.models import Agency, Role, User
from tests.factories import AgencyFactory, CitizenFactory, staff

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HEADERS = ["STT", "Tên nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn", "Sản phẩm"]
PROVINCE, JUSTICE, BUILDING, ELSEWHERE = (
    "000.00.00.H98",
    "000.00.11.H98",
    "000.00.12.H98",
    "000.00.00.H97",
)


@dataclass
class Province:
    province: Agency
    justice: Agency
    building: Agency
    elsewhere: Agency
    leader: User  # leader of the province: manages everything below it
    approver: User  # approver of the justice department
    reception: User  # reception of the justice department: not a manager
    outsider: User  # leader of the other agency
    citizen: User


@pytest.fixture
def p(db) -> Province:
    province = AgencyFactory(
        code=PROVINCE, name="UBND tỉnh thử nghiệm", level=Agency.Level.PROVINCE
    )
    justice = AgencyFactory(code=JUSTICE, name="Sở Tư pháp thử nghiệm", parent=province)
    building = AgencyFactory(code=BUILDING, name="Sở Xây dựng thử nghiệm", parent=province)
    elsewhere = AgencyFactory(code=ELSEWHERE, name="UBND tỉnh khác", level=Agency.Level.PROVINCE)
    return Province(
        province=province,
        justice=justice,
        building=building,
        elsewhere=elsewhere,
        leader=staff(Role.LEADER, province, username="lanhdao_tinh"),
        approver=staff(Role.APPROVER, justice, username="pheduyet_tp"),
        reception=staff(Role.RECEPTION, justice, username="tiepnhan_tp"),
        outsider=staff(Role.LEADER, elsewhere, username="lanhdao_khac"),
        citizen=CitizenFactory(username="001090000001", personal_id="001090000001"),
    )


def pdf(name: str = "bao-cao.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def workbook(rows: list[list], headers: list[str] | None = None) -> BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(headers if headers is not None else HEADERS)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "ke-hoach.xlsx"  # type: ignore[attr-defined]
    return out


def good_rows() -> list[list]:
    return [
        [1, "Rà soát thủ tục hộ tịch", JUSTICE, BUILDING, date(2026, 6, 30), "Báo cáo rà soát"],
        [2, "Số hóa kết quả giải quyết", BUILDING, "", "15/09/2026", "Kho dữ liệu"],
        [3, "Công khai chỉ số phục vụ", PROVINCE, f"{JUSTICE}; {BUILDING}", date(2026, 12, 31), ""],
    ]
