"""The operations dashboard (`/chi-so/dieu-hanh/`): every measure's number for March 2026, the
targets of seeds.md at their edges, the worst five with ties by agency name, the XLSX, who may
see it, and a query count that does not grow with the number of agencies.

The province below (read on 15/04/2026, so March is the last whole month):

    UBND thành phố thử nghiệm (city)
    ├── Sở Tư pháp thử nghiệm (A): two dossiers walked through the services (one returned on
    │   time, one in progress and past due), one petition answered on time
    ├── Sở Xây dựng thử nghiệm (B): one petition never answered
    ├── Sở Tài chính thử nghiệm (F) └── Xã C thử nghiệm (C)
    ├── Sở Y tế thử nghiệm (Y)
    └── Sở Nội vụ thử nghiệm (N)

and hand-written counters on 10/03/2026 on top of what the walked dossiers moved:

| agency | finished / on time | received / online | rated / satisfied |
|---|---|---|---|
| A | 1 + 9 / 1 + 8 = 10 / 9 (90,00 %) | 2 + 2 / 2 + 0 = 4 / 2 (50,00 %) | 10 / 9 (90,00 %) |
| B | 1000 / 901 (90,10 %) | 10 / 4 (40,00 %) | 3 / 3 (100,00 %) |
| C | 4 / 2 (50,00 %) | | |
| Y | 2 / 0 (0,00 %) | | |
| N | 1 / 1 (100,00 %) | | |
| city (all) | 1017 / 913 (89,77 %) | 14 / 6 (42,86 %) | 13 / 12 (92,31 %) |
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.ballots.models import Ballot, BallotAnswer, BallotMember
from motcua.core.worktime import TZ
from motcua.counters.services import counters_apply
from motcua.directory.models import Agency, Role
from motcua.dossiers.models import State
from motcua.feedback.models import Kind
from motcua.feedback.services import petition_answer, petition_submit
from motcua.index.models import FiledReport
from motcua.index.operations import TARGETS, Target, Value
from motcua.reform.models import ReformPlan, ReformTask
from tests.factories import AgencyFactory, UserFactory, staff
from tests.walker import T0

pytestmark = pytest.mark.django_db

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
DAY = date(2026, 3, 10)
TODAY = date(2026, 4, 15)
CITY = "000.00.00.H99"
URL = "/chi-so/dieu-hanh/"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


def counters(agency: Agency, **values: int) -> None:
    counters_apply({(agency.pk, DAY, metric): value for metric, value in values.items()})


@pytest.fixture
def province(agency, other_agency, partner_agency, walker, citizen, reception):
    city = AgencyFactory(code=CITY, name="UBND thành phố thử nghiệm", level=Agency.Level.PROVINCE)
    for child in (agency, other_agency, partner_agency):
        child.parent = city
        child.save(update_fields=["parent"])
    commune = AgencyFactory(
        code="000.50.01.H99", name="Xã C thử nghiệm", parent=partner_agency, level="commune"
    )
    health = AgencyFactory(code="000.00.14.H99", name="Sở Y tế thử nghiệm", parent=city)
    home = AgencyFactory(code="000.00.15.H99", name="Sở Nội vụ thử nghiệm", parent=city)

    # Dossiers through the services: one returned on time, one in progress (past due now).
    walker.dossier_in(State.RETURNED)
    walker.dossier_in(State.IN_PROGRESS)
    counters(agency, finished=9, finished_on_time=8, received=2, rated=10, rated_satisfied=9)
    counters(other_agency, finished=1000, finished_on_time=901, received=10, received_online=4)
    counters(other_agency, rated=3, rated_satisfied=3)
    counters(commune, finished=4, finished_on_time=2)
    counters(health, finished=2)
    counters(home, finished=1, finished_on_time=1)

    # Petitions: A's answered the next day (on time), B's never answered (due 16/03).
    def submit(to: Agency, text: str):
        return petition_submit(
            actor=citizen,
            agency=to,
            kind=Kind.REFLECTION,
            subject="Chậm trả kết quả",
            content=f"Bộ phận một cửa hẹn trả kết quả nhưng chưa có kết quả ({text}).",
            at=T0,
        )

    answered = submit(agency, "một")
    petition_answer(
        actor=reception,
        petition=answered,
        answer="Cơ quan đã trả kết quả cho công dân ngày 03/03/2026.",
        at=T0 + timedelta(days=1),
    )
    submit(other_agency, "hai")

    # Reform tasks due in March: A two (one done on time), B one (open, so overdue on
    # 15/04); one due in July, outside the period.
    plan = ReformPlan.objects.create(
        agency=city, number="1/KH-UBND", issued_on=date(2026, 1, 5), title="KH", year=2026
    )
    done_on = date(2026, 3, 20)
    for seq, (lead, deadline, done) in enumerate(
        [
            (agency, date(2026, 3, 31), done_on),
            (agency, date(2026, 3, 31), None),
            (other_agency, date(2026, 3, 15), None),
            (other_agency, date(2026, 7, 31), None),
        ],
        start=1,
    ):
        ReformTask.objects.create(
            plan=plan,
            seq=seq,
            title=f"Nhiệm vụ {seq}",
            lead_agency=lead,
            deadline=deadline,
            percent=100 if done else 40,
            done_at=datetime(2026, 3, 20, 15, tzinfo=TZ) if done else None,
            done_on=done,
        )

    # Filing for March: A submitted (version 2 after a correction), B only a draft.
    signer = staff(Role.LEADER, agency, username="lanhdao_tu_phap")
    march = {"period_start": date(2026, 3, 1), "period_end": date(2026, 3, 31), "kind": "month"}
    submitted = {"submitted_by": signer, "submitted_at": T0, "signed_sha256": "a" * 64}
    FiledReport.objects.create(
        agency=agency,
        version=1,
        status="submitted",
        figures={},
        drafted_at=T0,
        **march,
        **submitted,
    )
    FiledReport.objects.create(
        agency=agency,
        version=2,
        status="submitted",
        figures={},
        drafted_at=T0,
        **march,
        **submitted,
        correction_reason="Sửa số liệu.",
    )
    FiledReport.objects.create(
        agency=other_agency, version=1, status="draft", figures={}, drafted_at=T0, **march
    )

    # Ballots of the city: one open with three members, two answered; one draft (not open).
    sender = staff(Role.LEADER, city, username="chu_tich")
    sent = datetime(2026, 3, 5, 9, tzinfo=TZ)
    ballot = Ballot.objects.create(
        number="12/PLYK-UBND",
        title="Dự thảo quy chế",
        summary="Quy chế phối hợp.",
        agency=city,
        created_by=sender,
        created_at=sent,
        sent_at=sent,
        deadline=sent + timedelta(days=3),
        state=Ballot.State.OPEN,
    )
    members = [
        BallotMember.objects.create(ballot=ballot, user=staff(Role.APPROVER, city, username=name))
        for name in ("thanhvien1", "thanhvien2", "thanhvien3")
    ]
    for member in members[:2]:
        BallotAnswer.objects.create(ballot=ballot, member=member, choice="agree", answered_at=sent)
    Ballot.objects.create(
        number="13/PLYK-UBND",
        title="Dự thảo khác",
        summary="Chưa gửi.",
        agency=city,
        created_by=sender,
        created_at=sent,
        deadline=sent + timedelta(days=3),
    )
    return {
        "city": city,
        "a": agency,
        "b": other_agency,
        "f": partner_agency,
        "c": commune,
        "y": health,
        "n": home,
    }


@pytest.fixture
def city_leader(province):
    return staff(Role.LEADER, province["city"], username="lanhdao_thanh_pho")


def _cards(response) -> dict:
    return {card["measure"].key: card for card in response.context["cards"]}


def _worst(card) -> list[tuple[str, str]]:
    return [(w["agency"].name, w["value"]) for w in card["worst"]]


# ---------------------------------------------------------------- the numbers


def test_every_measure_of_the_city_against_its_target(client, city_leader):
    client.force_login(city_leader)
    response = client.get(URL, MARCH)

    assert response.status_code == 200
    cards = _cards(response)
    shown = {key: (c["value"], c["detail"], c["met_text"]) for key, c in cards.items()}
    assert shown == {
        "on_time": ("89,77 %", "913 / 1.017", "Chưa đạt"),
        "online": ("42,86 %", "6 / 14", "Chưa đạt"),
        "satisfied": ("92,31 %", "12 / 13", "Đạt"),
        "open_overdue": ("1", "", ""),
        "petitions_received": ("2", "", ""),
        "petitions_on_time": ("50,00 %", "1 / 2", ""),
        "petitions_overdue": ("1", "", ""),
        "reform_done": ("33,33 %", "1 / 3", ""),
        "reform_overdue": ("2", "", ""),
    }
    assert cards["on_time"]["target"].text == "> 90 %"
    assert cards["online"]["target"].text == "≥ 50 %"
    assert cards["satisfied"]["target"].source.startswith("shared/spec/seeds.md, dòng 17")
    assert cards["online"]["target"].source.startswith("shared/spec/seeds.md, dòng 16")
    text = response.content.decode()
    assert '<div class="big" data-testid="value-on_time">89,77 %</div>' in text
    assert 'data-testid="met-satisfied">Đạt</span>' in text


def test_each_agency_rolled_up_over_its_subtree(client, city_leader):
    client.force_login(city_leader)
    response = client.get(URL, MARCH)

    table = {row["agency"].code: row["cells"] for row in response.context["table"]}
    assert [row["agency"].code for row in response.context["table"]] == [
        CITY,
        "000.00.11.H99",
        "000.00.12.H99",
        "000.00.13.H99",
        "000.50.01.H99",
        "000.00.14.H99",
        "000.00.15.H99",
    ]
    # on time, online, satisfied, open overdue, petitions received / on time / overdue,
    # reform done / overdue
    assert table["000.00.11.H99"] == [
        "90,00 %", "50,00 %", "90,00 %", "1", "1", "100,00 %", "0", "50,00 %", "1",
    ]  # fmt: skip
    assert table["000.00.12.H99"] == [
        "90,10 %", "40,00 %", "100,00 %", "0", "1", "0,00 %", "1", "0,00 %", "1",
    ]  # fmt: skip
    # Sở Tài chính has nothing of its own: its commune's figures.
    assert table["000.00.13.H99"] == table["000.50.01.H99"] == [
        "50,00 %", "—", "—", "0", "0", "—", "0", "—", "0",
    ]  # fmt: skip


def test_the_worst_five_in_order_ties_by_agency_name(client, city_leader):
    client.force_login(city_leader)
    cards = _cards(client.get(URL, MARCH))

    # Six agencies below the city finished dossiers; Sở Nội vụ (100 %) is not among the five;
    # Sở Tài chính and Xã C tie at 50,00 %: by name.
    assert _worst(cards["on_time"]) == [
        ("Sở Y tế thử nghiệm", "0,00 %"),
        ("Sở Tài chính thử nghiệm", "50,00 %"),
        ("Xã C thử nghiệm", "50,00 %"),
        ("Sở Tư pháp thử nghiệm", "90,00 %"),
        ("Sở Xây dựng thử nghiệm", "90,10 %"),
    ]
    assert _worst(cards["online"]) == [
        ("Sở Xây dựng thử nghiệm", "40,00 %"),
        ("Sở Tư pháp thử nghiệm", "50,00 %"),
    ]
    assert _worst(cards["satisfied"]) == [
        ("Sở Tư pháp thử nghiệm", "90,00 %"),
        ("Sở Xây dựng thử nghiệm", "100,00 %"),
    ]
    assert _worst(cards["open_overdue"]) == [("Sở Tư pháp thử nghiệm", "1")]
    assert _worst(cards["petitions_on_time"]) == [
        ("Sở Xây dựng thử nghiệm", "0,00 %"),
        ("Sở Tư pháp thử nghiệm", "100,00 %"),
    ]
    assert _worst(cards["petitions_overdue"]) == [("Sở Xây dựng thử nghiệm", "1")]
    assert _worst(cards["reform_done"]) == [
        ("Sở Xây dựng thử nghiệm", "0,00 %"),
        ("Sở Tư pháp thử nghiệm", "50,00 %"),
    ]
    # One overdue task each: by name, Tư pháp before Xây dựng.
    assert _worst(cards["reform_overdue"]) == [
        ("Sở Tư pháp thử nghiệm", "1"),
        ("Sở Xây dựng thử nghiệm", "1"),
    ]
    assert cards["petitions_received"]["worst"] == []  # a plain count has no worst


def test_the_worst_link_to_the_existing_drilldowns(client, city_leader):
    client.force_login(city_leader)
    cards = _cards(client.get(URL, MARCH))

    period = "from=2026-03-01&to=2026-03-31"
    assert cards["on_time"]["worst"][0]["link"] == (
        f"/chi-so/chi-tieu/on_time/?agency=000.00.14.H99&{period}"
    )
    assert cards["satisfied"]["worst"][0]["link"] == (
        f"/chi-so/chi-tieu/satisfied/?agency=000.00.11.H99&{period}"
    )
    assert cards["petitions_on_time"]["worst"][0]["link"] == (
        f"/chi-so/chi-tieu/petitions_on_time/?agency=000.00.12.H99&{period}"
    )
    assert cards["open_overdue"]["worst"][0]["link"] == "/chi-so/canh-bao/?agency=000.00.11.H99"
    assert cards["reform_done"]["worst"][0]["link"] == (
        f"/cai-cach/chi-so/?co_quan=000.00.12.H99&{period}"
    )
    assert cards["online"]["worst"][0]["link"] == ""  # §8's online rate has no drill-down


def test_the_trend_holds_twelve_months_with_march_filled(client, city_leader):
    client.force_login(city_leader)
    response = client.get(URL, MARCH)
    cards = _cards(response)

    months = cards["on_time"]["months"]
    assert [m["label"] for m in months] == [
        *(f"{month:02d}/2025" for month in range(4, 13)),
        "01/2026",
        "02/2026",
        "03/2026",
    ]
    assert months[-1] == {"label": "03/2026", "value": "89,77 %", "detail": "913 / 1.017"}
    assert months[-2] == {"label": "02/2026", "value": "—", "detail": "0 / 0"}
    assert cards["reform_done"]["months"][-1]["value"] == "33,33 %"
    assert cards["open_overdue"]["chart"] == ""  # a stock now, no history in the counters
    chart = str(cards["on_time"]["chart"])
    assert 'id="chart-on_time"' in chart
    assert "Tháng 03/2026: 89,77 % 913 / 1.017" in chart
    assert ">90</text>" in chart  # the target's guide line


def test_filing_and_ballots(client, city_leader):
    client.force_login(city_leader)
    response = client.get(URL, MARCH)

    filing = response.context["filing"]
    assert (filing.period.start, filing.period.end) == (date(2026, 3, 1), date(2026, 3, 31))
    assert [(line.agency.code, line.state, line.version) for line in filing.lines] == [
        ("000.00.11.H99", "filed", 2),
        ("000.00.12.H99", "draft", 1),
        ("000.00.13.H99", "missing", None),
        ("000.00.14.H99", "missing", None),
        ("000.00.15.H99", "missing", None),
    ]
    assert filing.filed == 1
    ballots = response.context["ballots"]
    assert (ballots.open, ballots.members, ballots.answered) == (1, 3, 2)
    assert response.context["ballots_share"] == "66,67 %"
    assert response.context["ballots_sent"][-1] == ("03/2026", 1)
    assert sum(n for _label, n in response.context["ballots_sent"]) == 1
    text = response.content.decode()
    assert "1/5 cơ quan trực thuộc đã nộp" in text
    assert "Đang lấy ý kiến: 1 phiếu; đã trả lời 2/3 lượt (66,67 %)." in text


def test_a_department_leader_sees_only_their_subtree(client, province):
    leader = staff(Role.LEADER, province["f"], username="lanhdao_tai_chinh")
    client.force_login(leader)
    response = client.get(URL, MARCH)

    assert response.status_code == 200
    assert response.context["agency"] == province["f"]
    assert [row["agency"].code for row in response.context["table"]] == [
        "000.00.13.H99",
        "000.50.01.H99",
    ]
    assert _worst(_cards(response)["on_time"]) == [("Xã C thử nghiệm", "50,00 %")]


# ---------------------------------------------------------------- targets at their edges


@pytest.mark.parametrize(
    ("target", "value", "met"),
    [
        (TARGETS["on_time"], Value(9, 10), False),  # 90,00 % is not "> 90 %"
        (TARGETS["on_time"], Value(901, 1000), True),  # 90,10 %
        (TARGETS["satisfied"], Value(9, 10), False),
        (TARGETS["satisfied"], Value(10, 10), True),
        (TARGETS["online"], Value(1, 2), True),  # 50,00 % is "≥ 50 %"
        (TARGETS["online"], Value(4999, 10000), False),  # 49,99 %
        (TARGETS["online"], Value(0, 0), None),  # nothing to judge
    ],
)
def test_targets_at_their_edges(target: Target, value: Value, met):
    assert target.met(value.percent) is met


def test_a_target_is_judged_on_the_figure_shown():
    # 90,004 % is shown as 90,00 %: not met, as the leader reads it.
    assert Value(90004, 100000).percent is not None
    assert str(Value(90004, 100000).percent) == "90.00"
    assert TARGETS["on_time"].met(Value(90004, 100000).percent) is False


# ---------------------------------------------------------------- XLSX


def test_the_xlsx_holds_the_measures_and_every_agency(client, city_leader):
    client.force_login(city_leader)
    response = client.get(URL, {**MARCH, "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="dieu-hanh_000.00.00.H99_2026-03-01_2026-03-31.xlsx"'
    )
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Thông tin", "Chỉ tiêu", "Theo cơ quan"]
    measures = list(book["Chỉ tiêu"].iter_rows(values_only=True))
    assert measures[1][:8] == (
        "Hồ sơ TTHC",
        "Tỷ lệ hồ sơ giải quyết đúng hạn",
        None,
        pytest.approx(0.8977),
        913,
        1017,
        "> 90 %",
        "Chưa đạt",
    )
    assert measures[4][1:3] == ("Hồ sơ đang giải quyết đã quá hạn (hiện tại)", 1)
    agencies = list(book["Theo cơ quan"].iter_rows(values_only=True))
    assert len(agencies) == 8  # the header and seven agencies
    assert agencies[2][:4] == ("000.00.11.H99", "Sở Tư pháp thử nghiệm", 0.9, 0.5)
    assert book["Theo cơ quan"]["C3"].number_format == "0.00%"


# ---------------------------------------------------------------- access


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/")


def test_an_officer_is_refused(client, province):
    client.force_login(staff(Role.SPECIALIST, province["city"], username="chuyen_vien"))
    response = client.get(URL, MARCH)
    assert response.status_code == 403
    assert "dành cho lãnh đạo" in response.content.decode()


def test_a_leader_of_another_branch_is_refused(client, province):
    client.force_login(staff(Role.LEADER, province["b"], username="lanhdao_xay_dung"))
    response = client.get(URL, {**MARCH, "agency": "000.00.11.H99"})
    assert response.status_code == 403
    assert "cards" not in response.context


def test_a_citizen_is_refused(client, province):
    client.force_login(UserFactory(username="001090000099", personal_id="001090000099"))
    assert client.get(URL, MARCH).status_code == 403


def test_a_bad_period_is_a_400_with_the_form(client, city_leader):
    client.force_login(city_leader)
    response = client.get(URL, {"from": "31/02/2026"})
    assert response.status_code == 400
    assert "Ngày &#x27;31/02/2026&#x27; không hợp lệ" in response.content.decode()


def test_post_is_refused(client, city_leader):
    client.force_login(city_leader)
    assert client.post(URL, MARCH).status_code == 405


# ---------------------------------------------------------------- queries


def _agencies(count: int) -> Agency:
    """A city with `count` departments below it, each with a commune, all with counters,
    an open dossier count, a reform task and a filed report to read."""
    city = AgencyFactory(code="000.00.00.H97", name="Thành phố đếm truy vấn", level="province")
    plan = ReformPlan.objects.create(
        agency=city, number="2/KH-UBND", issued_on=date(2026, 1, 5), title="KH", year=2026
    )
    for i in range(count):
        department = AgencyFactory(code=f"000.00.{i + 10:02d}.H97", name=f"Sở {i:02d}", parent=city)
        commune = AgencyFactory(
            code=f"000.51.{i + 10:02d}.H97", name=f"Xã {i:02d}", parent=department, level="commune"
        )
        for agency in (department, commune):
            counters(agency, finished=10, finished_on_time=i % 10, received=5, rated=2)
            counters_apply({(agency.pk, date(2026, 4, 2), "received"): 1})  # an edge day
        ReformTask.objects.create(
            plan=plan, seq=i + 1, title="NV", lead_agency=department, deadline=DAY, percent=0
        )
    return city


@pytest.mark.parametrize("count", [5, 30])
def test_the_query_count_does_not_grow_with_the_agencies(
    client, count, django_assert_max_num_queries
):
    city = _agencies(count)
    leader = staff(Role.LEADER, city, username=f"lanhdao_{count}")
    client.force_login(leader)
    # Mid-month edges on both sides: the monthly roll-up and the daily rows are both read.
    period = {"agency": city.code, "from": "2026-02-15", "to": "2026-04-05"}
    with django_assert_max_num_queries(QUERIES):
        response = client.get(URL, period)
    assert response.status_code == 200
    assert len(response.context["table"]) == 1 + 2 * count
    with django_assert_max_num_queries(QUERIES):
        assert client.get(URL, {**period, "format": "xlsx"}).status_code == 200


QUERIES = 36


def test_the_page_reads_the_dossier_table_only_through_an_index(client, city_leader):
    """The one dossier query (open and past due now) is planned on an index, never a scan of
    the table; on PostgreSQL with sequential scans off, so the tiny test table does not tempt
    the planner (tests/office/test_query_plans.py does the same at 20,000 dossiers)."""
    client.force_login(city_leader)
    with CaptureQueriesContext(connection) as context:
        assert client.get(URL, MARCH).status_code == 200
    found = [q["sql"] for q in context.captured_queries if '"dossiers_dossier"' in q["sql"]]
    assert len(found) == 1
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + found[0])
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + found[0])
        plan = "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
    assert not re.search(r"Seq Scan on dossiers_dossier(?:\s|$)", plan), plan
    assert not re.search(r"\bSCAN dossiers_dossier(?! USING)", plan), plan
