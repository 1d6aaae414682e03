"""The periodic statistics report (domain.md §8.1) on a hand-built world, March 2026.

Sở Tư pháp thử nghiệm (the parent, sector Hộ tịch) and a ward below it (sector Đất đai);
a third agency outside the subtree whose dossier must not count, and a sector (Xây dựng)
whose only dossier ended before March, so it has no row. Every dossier is written with the
fields its lifecycle leaves behind (`closed_at` for the ones that end without a result).
"""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime

import openpyxl
import pytest
from django.core.management import call_command
from pypdf import PdfReader

from motcua.catalog.models import Procedure
from motcua.core.worktime import TZ
from motcua.counters.services import counters_rebuild
from motcua.directory.models import Agency, Role
from motcua.dossiers.models import Channel, Dossier, State
from motcua.index.engine import Period, kpi_compute
from motcua.index.report import report_compute
from tests.factories import AgencyFactory, ProcedureFactory, SectorFactory, staff

pytestmark = pytest.mark.django_db

MARCH = Period(datetime(2026, 3, 1).date(), datetime(2026, 3, 31).date())
ONLINE, DIRECT, POSTAL = Channel.ONLINE, Channel.DIRECT, Channel.POSTAL


def at(month: int, day: int, hour: int = 8, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def zeros() -> dict:
    return {
        "received": {"total": 0, "online": 0, "direct_postal": 0, "carried_over": 0},
        "settled": {"total": 0, "early": 0, "on_time": 0, "late": 0},
        "pending": {"total": 0, "within_time": 0, "overdue": 0},
    }


def figures(received: tuple, settled: tuple, pending: tuple) -> dict:
    keys = zeros()
    return {
        group: dict(zip(keys[group], values, strict=True))
        for group, values in (("received", received), ("settled", settled), ("pending", pending))
    }


class World:
    def __init__(self) -> None:
        self.count = 0

    def dossier(
        self,
        procedure: Procedure,
        agency: Agency,
        channel: str,
        received: datetime | None,
        *,
        due: datetime | None = None,
        finished: datetime | None = None,
        closed: datetime | None = None,
        state: str = State.IN_PROGRESS,
        supplements: int = 0,
        refused_stage: str = "",
    ) -> Dossier:
        self.count += 1
        return Dossier.objects.create(
            reference=f"REF{self.count:05d}",
            code=f"{agency.code}-260301-{self.count:04d}" if received else None,
            procedure=procedure,
            agency=agency,
            channel=channel,
            state=state,
            applicant_name="Trần Thị Thử",
            created_at=received or at(3, 1),
            received_at=received,
            due_at=due,
            finished_at=finished,
            closed_at=closed,
            supplement_count=supplements,
            refused_stage=refused_stage,
        )


# Hộ tịch at the parent: received 3 online, 7 direct/postal, 2 carried over;
# settled 2 early, 2 on time, 3 late; pending 1 within time, 2 overdue.
HO_TICH = figures((12, 3, 7, 2), (7, 2, 2, 3), (3, 1, 2))
# Đất đai at the child: 1 direct/postal, 2 carried over; 1 on time; 1 overdue.
DAT_DAI = figures((3, 0, 1, 2), (1, 0, 1, 0), (1, 0, 1))
TOTAL = figures((15, 3, 8, 4), (8, 2, 3, 3), (4, 1, 3))


@pytest.fixture
def world(db):
    return build_world()


def build_world() -> Agency:
    """The world of this module's docstring; returns the parent agency."""
    parent = AgencyFactory(code="000.00.30.H99", name="Sở Tư pháp thử nghiệm")
    child = AgencyFactory(
        code="000.30.01.H99",
        name="UBND phường thử nghiệm",
        parent=parent,
        level=Agency.Level.COMMUNE,
    )
    outside = AgencyFactory(code="000.00.31.H99", name="Sở Xây dựng thử nghiệm")
    ho_tich = ProcedureFactory(sector=SectorFactory(name="Hộ tịch"), agencies=[parent])
    dat_dai = ProcedureFactory(sector=SectorFactory(name="Đất đai"), agencies=[child])
    xay_dung = ProcedureFactory(sector=SectorFactory(name="Xây dựng"), agencies=[parent])
    w = World()
    p, c = parent, child
    # --- Hộ tịch at the parent
    # early: finished the day before its due day
    w.dossier(ho_tich, p, ONLINE, at(3, 2, 9), due=at(3, 5, 9), finished=at(3, 4, 10))
    # on time: 06:00 on the due day, which is still the day before in UTC
    w.dossier(ho_tich, p, DIRECT, at(3, 3), due=at(3, 5, 10), finished=at(3, 5, 6))
    # late
    w.dossier(ho_tich, p, POSTAL, at(3, 4), due=at(3, 9), finished=at(3, 10, 9))
    # carried over from February, settled late in March
    w.dossier(ho_tich, p, DIRECT, at(2, 20), due=at(2, 25), finished=at(3, 2, 9))
    # carried over, still open at the end and past its due moment
    w.dossier(ho_tich, p, ONLINE, at(2, 25), due=at(3, 2, 10))
    # pending within time (due in April)
    w.dossier(ho_tich, p, ONLINE, at(3, 20), due=at(4, 2))
    # finished well before its due day but after two supplement requests: late (§7)
    w.dossier(ho_tich, p, DIRECT, at(3, 5), due=at(3, 20), finished=at(3, 10), supplements=2)
    # withdrawn: received, never settled, not pending
    w.dossier(ho_tich, p, ONLINE, at(3, 11), due=at(3, 16), closed=at(3, 12), state=State.WITHDRAWN)
    # refused at reception: received and ended at the same moment
    w.dossier(
        ho_tich,
        p,
        DIRECT,
        at(3, 12),
        closed=at(3, 12),
        state=State.REFUSED,
        refused_stage=Dossier.RefusedStage.RECEPTION,
    )
    # received in March, finished in April: pending at the end, overdue
    w.dossier(ho_tich, p, DIRECT, at(3, 25), due=at(3, 30), finished=at(4, 2))
    # refused after processing counts as settled (early here)
    w.dossier(
        ho_tich,
        p,
        DIRECT,
        at(3, 13),
        due=at(3, 18),
        finished=at(3, 15),
        closed=at(3, 15),
        state=State.REFUSED,
        refused_stage=Dossier.RefusedStage.PROCESSING,
    )
    # no time limit: on time, never early
    w.dossier(ho_tich, p, POSTAL, at(3, 16), finished=at(3, 17), state=State.RESULT_READY)
    # submitted online, not received: not counted
    w.dossier(ho_tich, p, ONLINE, None, state=State.SUBMITTED)
    # --- Đất đai at the child
    w.dossier(dat_dai, c, POSTAL, at(3, 10), due=at(3, 31, 16))
    w.dossier(
        dat_dai, c, ONLINE, at(2, 26), due=at(3, 31, 17), finished=at(3, 31, 17)
    )  # carried over, on time at its due moment
    w.dossier(
        dat_dai,
        c,
        DIRECT,
        at(1, 15),
        due=at(2, 15),
        closed=at(2, 28),
        state=State.CANCELLED,
    )  # ended before March
    w.dossier(
        dat_dai, c, DIRECT, at(2, 27), due=at(3, 20), closed=at(3, 5), state=State.WITHDRAWN
    )  # carried over, withdrawn in March
    # --- Xây dựng: returned in February, nothing in March
    w.dossier(
        xay_dung,
        p,
        DIRECT,
        at(2, 1),
        due=at(2, 6),
        finished=at(2, 5),
        closed=at(2, 10),
        state=State.RETURNED,
    )
    # --- outside the subtree
    w.dossier(ho_tich, outside, ONLINE, at(3, 2), due=at(3, 5), finished=at(3, 3))
    return parent


def expected(agency_code: str = "000.00.30.H99") -> dict:
    return {
        "agency": agency_code,
        "from": "2026-03-01",
        "to": "2026-03-31",
        # In the Vietnamese alphabet: Đ follows D and comes before H.
        "rows": [{"sector": "Đất đai", **DAT_DAI}, {"sector": "Hộ tịch", **HO_TICH}],
        "total": TOTAL,
    }


def test_the_table_rolls_up_the_subtree_by_sector(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # the subtree (two levels), then the table
        result = report_compute(agency=world, period=MARCH)
    assert result == expected()


def test_the_table_agrees_with_the_counters_and_the_kpis(world):
    """Received in the period, settled, on time and open past due are the same numbers the
    index's counters (rebuilt from these dossiers) and `motcua kpi` give."""
    counters_rebuild()
    kpi = kpi_compute(agency=world, period=MARCH)
    received, settled, pending = TOTAL["received"], TOTAL["settled"], TOTAL["pending"]

    assert kpi["dossiers_received"] == received["online"] + received["direct_postal"] == 11
    assert kpi["dossiers_online"] == received["online"] == 3
    assert kpi["dossiers_finished"] == settled["total"] == 8
    assert kpi["on_time_rate"] == (settled["early"] + settled["on_time"]) / 8 == 5 / 8
    assert kpi["open_overdue"] == pending["overdue"] == 3


def test_the_child_reports_only_its_own_dossiers(world):
    result = report_compute(agency=Agency.objects.get(code="000.30.01.H99"), period=MARCH)
    assert result == {
        "agency": "000.30.01.H99",
        "from": "2026-03-01",
        "to": "2026-03-31",
        "rows": [{"sector": "Đất đai", **DAT_DAI}],
        "total": DAT_DAI,
    }


def test_a_period_without_dossiers_has_no_rows_and_a_zero_total(world):
    result = report_compute(
        agency=world, period=Period(datetime(2025, 6, 1).date(), datetime(2025, 6, 30).date())
    )
    assert (result["rows"], result["total"]) == ([], zeros())


def test_a_day_boundary_moves_dossiers_between_received_and_carried_over(world):
    # 1–2 March: the two February dossiers still open on 1 March are carried over; the
    # dossier received on 2 March is received; the one due 5 March is pending within time.
    result = report_compute(
        agency=world, period=Period(datetime(2026, 3, 1).date(), datetime(2026, 3, 2).date())
    )
    assert result["rows"] == [
        {"sector": "Đất đai", **figures((2, 0, 0, 2), (0, 0, 0, 0), (2, 2, 0))},
        {"sector": "Hộ tịch", **figures((3, 1, 0, 2), (1, 0, 0, 1), (2, 1, 1))},
    ]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = 0
    try:
        call_command("report", *args)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_prints_the_json_object(capsys, world):
    code, out, err = run(
        capsys, "--agency", "000.00.30.H99", "--from", "2026-03-01", "--to", "2026-03-31", "--json"
    )
    assert (code, err) == (0, "")
    assert json.loads(out) == expected()


def test_the_command_prints_a_readable_table_without_json(capsys, world):
    code, out, err = run(
        capsys, "--agency", "000.00.30.H99", "--from", "2026-03-01", "--to", "2026-03-31"
    )
    lines = out.splitlines()
    assert (code, err) == (0, "")
    assert lines[0] == "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    assert lines[1] == "Cơ quan: 000.00.30.H99 — kỳ báo cáo từ 01/03/2026 đến 31/03/2026"
    assert lines[4].split() == ["Đất", "đai", "3", "0", "1", "2", "1", "0", "1", "0", "1", "0", "1"]
    assert lines[5].split() == [
        "Hộ",
        "tịch",
        "12",
        "3",
        "7",
        "2",
        "7",
        "2",
        "2",
        "3",
        "3",
        "1",
        "2",
    ]
    assert lines[6].split() == [
        "Tổng",
        "cộng",
        "15",
        "3",
        "8",
        "4",
        "8",
        "2",
        "3",
        "3",
        "4",
        "1",
        "3",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--agency", "KHONG.CO", "--from", "2026-03-01", "--to", "2026-03-31"],
            "Không có cơ quan mã 'KHONG.CO'.\n",
        ),
        (
            ["--agency", "000.00.30.H99", "--from", "2026-02-30", "--to", "2026-03-31"],
            "Ngày '2026-02-30' không hợp lệ: dùng dạng YYYY-MM-DD.\n",
        ),
        (
            ["--agency", "000.00.30.H99", "--from", "2026-03-31", "--to", "2026-03-01"],
            "Ngày kết thúc kỳ không được trước ngày bắt đầu.\n",
        ),
        (
            ["--agency", "000.00.30.H99", "--from", "2099-01-01", "--to", "2099-01-31"],
            "Kỳ báo cáo bắt đầu ngày 01/01/2099, sau ngày hôm nay: chưa thể lập báo cáo.\n",
        ),
        (
            ["--agency", "000.00.30.H99", "--to", "2026-03-31"],
            "Thiếu --from: nhập ngày dạng YYYY-MM-DD.\n",
        ),
        (
            ["--agency", "000.00.30.H99", "--from", "2026-03-01"],
            "Thiếu --to: nhập ngày dạng YYYY-MM-DD.\n",
        ),
    ],
)
def test_bad_input_exits_2_with_a_vietnamese_message(capsys, world, args, message):
    assert run(capsys, *args, "--json") == (2, "", message)


# ---------------------------------------------------------------- the page and its files

MARCH_QUERY = {"agency": "000.00.30.H99", "from": "2026-03-01", "to": "2026-03-31"}


@pytest.fixture
def leader(world):
    return staff(Role.LEADER, world, username="lanhdao_so_tu_phap")


@pytest.fixture
def other_leader(world):
    return staff(Role.LEADER, Agency.objects.get(code="000.00.31.H99"), username="lanhdao_khac")


def cell_texts(html: str, marker: str) -> str:
    """The numbers of the table row that holds `marker`, spaced."""
    row = html.split(marker, 1)[1].split("</tr>", 1)[0]
    return " ".join(re.findall(r'<td class="num"[^>]*>([^<]*)</td>', row))


def test_the_page_shows_the_table_for_a_leader(client, leader):
    client.force_login(leader)
    response = client.get("/chi-so/bao-cao/", MARCH_QUERY)
    html = response.content.decode()

    assert response.status_code == 200
    assert cell_texts(html, '<th scope="row">Hộ tịch</th>') == "12 3 7 2 7 2 2 3 3 1 2"
    assert cell_texts(html, '<th scope="row">Đất đai</th>') == "3 0 1 2 1 0 1 0 1 0 1"
    assert cell_texts(html, '<th scope="row">Tổng cộng</th>') == "15 3 8 4 8 2 3 3 4 1 3"
    assert "Xây dựng" not in html
    # The shortcuts of 2026 that have begun, the chosen month marked.
    assert (
        '<a href="?agency=000.00.30.H99&amp;from=2026-03-01&amp;to=2026-03-31" '
        'aria-current="true">T3</a>' in html
    )
    assert ">Quý 1</a>" in html and ">6 tháng đầu năm</a>" in html and ">Năm 2026</a>" in html


def test_the_page_is_linked_from_the_dashboard(client, leader):
    client.force_login(leader)
    html = client.get("/chi-so/", MARCH_QUERY).content.decode()

    assert (
        '<a href="/chi-so/bao-cao/?agency=000.00.30.H99&amp;from=2026-03-01&amp;to=2026-03-31">'
        "Báo cáo kết quả giải quyết TTHC</a>"
    ) in html


def test_the_page_defaults_to_the_last_whole_month(client, leader, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: date(2026, 4, 15))
    client.force_login(leader)
    html = client.get("/chi-so/bao-cao/", {"agency": "000.00.30.H99"}).content.decode()

    assert "từ 01/03/2026 đến 31/03/2026" in html
    assert cell_texts(html, '<th scope="row">Tổng cộng</th>').startswith("15 ")
    # April has begun, May has not.
    assert ">T4</a>" in html and ">T5</a>" not in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2099-01-01", "to": "2099-01-31"}, "Kỳ báo cáo bắt đầu ngày 01/01/2099"),
        ({"from": "31/03/2026", "to": "01/03/2026"}, "Ngày kết thúc kỳ không được trước"),
        ({"from": "2026-03-01"}, "Nhập cả ngày đầu kỳ và ngày cuối kỳ."),
        ({"from": "32/03/2026", "to": "31/03/2026"}, "Ngày &#x27;32/03/2026&#x27; không hợp lệ"),
    ],
)
def test_the_page_refuses_a_bad_period(client, leader, params, message):
    client.force_login(leader)
    response = client.get("/chi-so/bao-cao/", {"agency": "000.00.30.H99", **params})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'id="bang-bao-cao"' not in response.content.decode()


@pytest.mark.parametrize("wanted", ["", "xlsx", "pdf"])
def test_a_leader_of_another_agency_is_refused(client, other_leader, wanted):
    client.force_login(other_leader)
    response = client.get("/chi-so/bao-cao/", {**MARCH_QUERY, "format": wanted})

    assert response.status_code == 403
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "Bạn không có quyền xem số liệu của cơ quan này." in response.content.decode()


def test_a_child_leader_cannot_read_the_parent(client, world):
    child = Agency.objects.get(code="000.30.01.H99")
    client.force_login(staff(Role.LEADER, child, username="lanhdao_phuong"))

    assert client.get("/chi-so/bao-cao/", MARCH_QUERY).status_code == 403
    response = client.get("/chi-so/bao-cao/", {**MARCH_QUERY, "agency": child.code})
    assert response.status_code == 200
    assert '<th scope="row">Hộ tịch</th>' not in response.content.decode()


def test_anonymous_people_and_staff_without_the_role_are_kept_out(client, world):
    response = client.get("/chi-so/bao-cao/", MARCH_QUERY)
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=/chi-so/bao-cao/")

    client.force_login(staff(Role.RECEPTION, world, username="mot_cua"))
    response = client.get("/chi-so/bao-cao/", {**MARCH_QUERY, "format": "xlsx"})
    assert response.status_code == 403
    assert "Trang này dành cho lãnh đạo" in response.content.decode()


def test_the_xlsx_has_the_template_layout(client, leader):
    client.force_login(leader)
    response = client.get("/chi-so/bao-cao/", {**MARCH_QUERY, "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="bao-cao-thong-ke_000.00.30.H99_2026-03-01_2026-03-31.xlsx"'
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    assert sheet["A2"].value == "Cơ quan: Sở Tư pháp thử nghiệm (000.00.30.H99)"
    assert sheet["A3"].value == "Kỳ báo cáo: từ ngày 01/03/2026 đến ngày 31/03/2026"
    assert [sheet.cell(row=5, column=c).value for c in (1, 2, 3, 7, 11)] == [
        "STT",
        "Lĩnh vực",
        "Số hồ sơ nhận giải quyết",
        "Số hồ sơ đã giải quyết",
        "Số hồ sơ đang giải quyết",
    ]
    assert {"A5:A6", "B5:B6", "C5:F5", "G5:J5", "K5:M5"} <= {
        str(r) for r in sheet.merged_cells.ranges
    }
    assert [sheet.cell(row=6, column=c).value for c in range(3, 14)] == [
        "Tổng số",
        "Trực tuyến",
        "Trực tiếp, bưu chính công ích",
        "Từ kỳ trước chuyển sang",
        "Tổng số",
        "Trước hạn",
        "Đúng hạn",
        "Quá hạn",
        "Tổng số",
        "Trong hạn",
        "Quá hạn",
    ]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=7, max_row=9)]
    assert rows == [
        ["1", "Đất đai", 3, 0, 1, 2, 1, 0, 1, 0, 1, 0, 1],
        ["2", "Hộ tịch", 12, 3, 7, 2, 7, 2, 2, 3, 3, 1, 2],
        [None, "Tổng cộng", 15, 3, 8, 4, 8, 2, 3, 3, 4, 1, 3],
    ]
    assert {sheet.cell(row=r, column=c).number_format for r in (7, 9) for c in range(3, 14)} == {
        "#,##0"
    }
    texts = [c.value for row in sheet.iter_rows(min_row=10) for c in row if c.value]
    assert texts[1:] == [
        "NGƯỜI LẬP BIỂU",
        "THỦ TRƯỞNG CƠ QUAN",
        "(Ký, ghi rõ họ tên)",
        "(Ký tên, đóng dấu)",
    ]
    assert texts[0].startswith("Lập ngày ")


def test_the_pdf_states_the_same_table(client, leader):
    client.force_login(leader)
    response = client.get("/chi-so/bao-cao/", {**MARCH_QUERY, "format": "pdf"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert lines[0] == "Trang 1"  # the footer, drawn first
    assert lines[1:6] == [
        "BÁO CÁO TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        "Cơ quan: Sở Tư pháp thử nghiệm (000.00.30.H99)",
        "Kỳ báo cáo: từ ngày 01/03/2026 đến ngày 31/03/2026",
        "Đơn vị tính: hồ sơ",
        "STT",
    ]
    # One cell a line: the rows read in order, the total, then the signature block.
    body = " ".join(lines[lines.index("Quá hạn", lines.index("Trong")) + 1 :])
    assert body.startswith(
        "1 Đất đai 3 0 1 2 1 0 1 0 1 0 1 "
        "2 Hộ tịch 12 3 7 2 7 2 2 3 3 1 2 "
        "Tổng cộng 15 3 8 4 8 2 3 3 4 1 3 Lập ngày "
    )
    assert body.endswith("NGƯỜI LẬP BIỂU THỦ TRƯỞNG CƠ QUAN (Ký, ghi rõ họ tên) (Ký tên, đóng dấu)")


def test_the_page_only_reads(client, leader):
    client.force_login(leader)
    response = client.post("/chi-so/bao-cao/", MARCH_QUERY)

    assert response.status_code == 405
    assert response["Allow"] == "GET"
