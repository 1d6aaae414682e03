"""The leaders' drill-down: from an indicator to the dossiers that lost points, a dossier's
steps against their budgets, each officer's share of the delays, and the early warnings.

Dossiers are played through the real lifecycle with explicit moments in the working week of
Monday 2026-03-02 (no holidays; office hours 07:30–11:30, 13:00–17:00). The procedure's time
limit is 3 working days = 1,440 working minutes, its steps Thẩm định 50 % (720 min), Trình ký
20 % (288 min) and Phê duyệt 30 % (432 min).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.catalog.models import Publication
from motcua.core.models import AuditEvent
from motcua.core.worktime import TZ
from motcua.directory.models import Agency, Role, User
from motcua.directory.services import agency_merge
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier
from motcua.index.drilldown import officer_lines, steps_in_period, warnings_for, working_text
from motcua.index.engine import Period, index_compute
from tests.dossiers.conftest import Walker
from tests.factories import (
    AgencyFactory,
    CitizenFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
    UserFactory,
    staff,
)

pytestmark = pytest.mark.django_db

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2026 in Asia/Ho_Chi_Minh."""
    return datetime(2026, 3, day, hour, minute, tzinfo=TZ)


@dataclass
class Scenario:
    city: Agency
    agency: Agency
    leader: User
    reception: User
    slow: User
    quick: User
    approver: User
    citizen: User
    walker: Walker
    late: Dossier
    on_time: Dossier
    twice: Dossier

    def query(self, **extra: str) -> dict[str, str]:
        return {"agency": self.city.code, **MARCH, **extra}


def build_scenario() -> Scenario:
    """Three dossiers finished in March 2026 through the real services:

    - `late`: received Mon 09:00 (due Thu 09:00), suspended Tue 13:00 → Wed 13:00 (8 working
      hours, due moves to Fri 09:00); Thẩm định held by Trần Văn Chậm (assigned) from Mon 09:30
      to Thu 10:00 = 1,470 − 480 = 990 min against 720, over by 270; Trình ký by Phạm Thị
      Nhanh 90 min; Phê duyệt 390 min; approved Fri 10:00: one working hour late.
    - `on_time`: every step well inside its budget, finished on Monday.
    - `twice`: finished on Monday, inside its due moment, but with two supplement requests
      after reception, so not on time (§5).
    """
    city = AgencyFactory(
        code="000.00.00.H99", name="UBND tỉnh thử nghiệm", level=Agency.Level.PROVINCE
    )
    agency = AgencyFactory(code="000.00.11.H99", name="Sở Tư pháp thử nghiệm", parent=city)
    procedure = ProcedureFactory(
        code="2.000488",
        name="Cấp Phiếu lý lịch tư pháp",
        time_limit="3 d",
        agencies=[agency],
        workflow=[
            ("Thẩm định", Role.SPECIALIST, 50),
            ("Trình ký", Role.SPECIALIST, 20),
            ("Phê duyệt", Role.APPROVER, 30),
        ],
    )
    reception = staff(Role.RECEPTION, agency, username="tiepnhan_tn", full_name="Lê Thị Hà")
    slow = staff(Role.SPECIALIST, agency, username="cv_cham", full_name="Trần Văn Chậm")
    quick = staff(Role.SPECIALIST, agency, username="cv_nhanh", full_name="Phạm Thị Nhanh")
    approver = staff(Role.APPROVER, agency, username="pd_tn", full_name="Hoàng Đức Long")
    leader = staff(Role.LEADER, city, username="lanhdao_tn", full_name="Nguyễn Thanh Sơn")
    citizen = CitizenFactory(
        username="001090000001", personal_id="001090000001", full_name="Nguyễn Văn An"
    )
    walker = Walker(
        citizen=citizen,
        reception=reception,
        specialist=slow,
        approver=approver,
        procedure=procedure,
        agency=agency,
    )

    late = walker.create(at=at(2, 8, 0))
    late = walker.act(late, Action.SUBMIT, at=at(2, 8, 30))
    late = walker.act(late, Action.RECEIVE, at=at(2, 9, 0))
    late = walker.act(late, Action.FORWARD, at=at(2, 9, 30), assignee=slow)
    late = walker.act(late, Action.SUSPEND, at=at(3, 13, 0), reason="Chờ xác minh lý lịch.")
    late = walker.act(late, Action.RESUME, actor=slow, at=at(4, 13, 0))
    late = walker.act(late, Action.FORWARD, actor=slow, at=at(5, 10, 0))
    late = walker.act(late, Action.FORWARD, actor=quick, at=at(5, 13, 0))
    late = walker.act(late, Action.APPROVE, actor=approver, at=at(6, 10, 0))

    on_time = walker.create(at=at(2, 8, 10))
    on_time = walker.act(on_time, Action.SUBMIT, at=at(2, 8, 20))
    on_time = walker.act(on_time, Action.RECEIVE, at=at(2, 9, 10))
    on_time = walker.act(on_time, Action.FORWARD, at=at(2, 9, 20), assignee=slow)
    on_time = walker.act(on_time, Action.FORWARD, actor=slow, at=at(2, 11, 20))
    on_time = walker.act(on_time, Action.FORWARD, actor=quick, at=at(2, 13, 30))
    on_time = walker.act(on_time, Action.APPROVE, actor=approver, at=at(2, 15, 0))

    twice = walker.create(at=at(2, 9, 40))
    twice = walker.act(twice, Action.SUBMIT, at=at(2, 9, 50))
    twice = walker.act(twice, Action.RECEIVE, at=at(2, 10, 0))
    twice = walker.act(twice, Action.FORWARD, at=at(2, 10, 10), assignee=slow)
    twice = walker.act(twice, Action.REQUEST_SUPPLEMENT, at=at(2, 10, 30))
    twice = walker.act(twice, Action.PROVIDE_SUPPLEMENT, at=at(2, 11, 0))
    twice = walker.act(twice, Action.REQUEST_SUPPLEMENT, at=at(2, 13, 30))
    twice = walker.act(twice, Action.PROVIDE_SUPPLEMENT, at=at(2, 14, 0))
    twice = walker.act(twice, Action.FORWARD, actor=slow, at=at(2, 14, 30))
    twice = walker.act(twice, Action.FORWARD, actor=quick, at=at(2, 15, 0))
    twice = walker.act(twice, Action.APPROVE, actor=approver, at=at(2, 15, 30))

    return Scenario(
        city=city,
        agency=agency,
        leader=leader,
        reception=reception,
        slow=slow,
        quick=quick,
        approver=approver,
        citizen=citizen,
        walker=walker,
        late=Dossier.objects.get(pk=late.pk),
        on_time=Dossier.objects.get(pk=on_time.pk),
        twice=Dossier.objects.get(pk=twice.pk),
    )


@pytest.fixture
def s() -> Scenario:
    return build_scenario()


@pytest.fixture
def leader_client(client, s):
    client.force_login(s.leader)
    return client


def test_the_scenario_has_the_clock_the_docstring_says(s):
    assert s.late.due_at == at(6, 9, 0)  # Thu 09:00 moved by the 8 suspended working hours
    assert s.late.finished_at == at(6, 10, 0)
    assert s.on_time.due_at == at(5, 9, 10)
    assert s.twice.due_at == at(5, 11, 0)  # Thu 10:00 moved by two 30-minute waits
    assert s.twice.supplement_count == 2


# --- 1. the indicator drill-down ------------------------------------------------------------


def test_on_time_lists_the_late_and_the_twice_supplemented_dossiers_not_the_on_time_one(
    leader_client, s, django_assert_max_num_queries
):
    with django_assert_max_num_queries(24):
        response = leader_client.get("/chi-so/chi-tieu/on_time/", s.query())
    assert response.status_code == 200
    view = response.context["view"]
    assert (view.result["numerator"], view.result["denominator"]) == (1, 3)
    assert round(view.result["score"], 2) == 6.67
    rows = response.context["rows"]
    assert [row.dossier.code for row in rows] == [s.late.code, s.twice.code]
    assert [row.reason for row in rows] == [
        "Trễ hạn 1 giờ làm việc",
        "Yêu cầu bổ sung 2 lần sau tiếp nhận (chỉ được 1 lần)",
    ]
    text = response.content.decode()
    assert f'href="/chi-so/ho-so/{s.late.code}/?agency={s.city.code}' in text
    assert s.on_time.code not in text
    assert "6,67 / 20" in text
    # The same subtree, period and rule as the index itself.
    index = index_compute(agency=s.city, period=Period(at(1, 0).date(), at(31, 0).date()))
    on_time = index["groups"][1]["indicators"][0]
    assert (on_time["denominator"] - on_time["numerator"]) == len(rows)


def test_on_time_shows_the_officers_ranked_by_over_budget_steps(leader_client, s):
    response = leader_client.get("/chi-so/chi-tieu/on_time/", s.query())
    officers = response.context["officers"]
    assert [(str(line.officer), line.step_count, line.over_count) for line in officers] == [
        ("Trần Văn Chậm", 3, 1),
        ("Hoàng Đức Long", 3, 0),
        ("Phạm Thị Nhanh", 3, 0),
    ]
    assert f'href="/chi-so/can-bo/{s.slow.pk}/?agency={s.city.code}' in response.content.decode()


def test_more_late_dossiers_cost_no_more_queries(leader_client, s):
    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert leader_client.get(url, s.query()).status_code == 200
        return len(queries)

    urls = ["/chi-so/chi-tieu/on_time/", "/chi-so/trach-nhiem/", f"/chi-so/can-bo/{s.slow.pk}/"]
    before = [count(url) for url in urls]
    for day in (9, 10, 11):
        late = _received(s, at(day, 8, 0))
        late = s.walker.act(late, Action.FORWARD, at=at(day, 8, 10), assignee=s.slow)
        late = s.walker.act(late, Action.FORWARD, actor=s.slow, at=at(day + 7, 8, 0))
        late = s.walker.act(late, Action.FORWARD, actor=s.quick, at=at(day + 7, 9, 0))
        s.walker.act(late, Action.APPROVE, actor=s.approver, at=at(day + 7, 10, 0))
    assert [count(url) for url in urls] == before
    response = leader_client.get("/chi-so/chi-tieu/on_time/", s.query())
    assert len(response.context["rows"]) == 5


def test_a_dossier_without_a_time_limit_is_never_late(leader_client, s):
    unlimited = ProcedureFactory(
        code="1.000002",
        time_limit=None,
        agencies=[s.agency],
        workflow=[("Thẩm định", Role.SPECIALIST, 70), ("Phê duyệt", Role.APPROVER, 30)],
    )
    walker = Walker(
        citizen=s.citizen,
        reception=s.reception,
        specialist=s.quick,
        approver=s.approver,
        procedure=unlimited,
        agency=s.agency,
    )
    dossier = walker.create(at=at(9, 8, 0))
    for action in (Action.SUBMIT, Action.RECEIVE, Action.FORWARD, Action.FORWARD):
        dossier = walker.act(dossier, action)
    dossier = walker.act(dossier, Action.APPROVE, at=at(30, 16, 0))
    assert dossier.due_at is None
    response = leader_client.get("/chi-so/chi-tieu/on_time/", s.query())
    assert [row.dossier.code for row in response.context["rows"]] == [s.late.code, s.twice.code]
    assert response.context["view"].result["numerator"] == 2


def test_a_period_without_the_late_dossier_lists_nothing(leader_client, s):
    response = leader_client.get(
        "/chi-so/chi-tieu/on_time/", s.query(**{"from": "2026-04-01", "to": "2026-04-30"})
    )
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert response.context["view"].result["applicable"] is False


def test_synced_lists_every_dossier_received_and_not_synced(leader_client, s):
    Dossier.objects.filter(pk=s.on_time.pk).update(synced=True)
    response = leader_client.get("/chi-so/chi-tieu/synced/", s.query())
    assert [row.dossier.code for row in response.context["rows"]] == [s.twice.code, s.late.code]
    assert response.context["view"].missing_text == "Chưa đồng bộ lên Cổng Dịch vụ công quốc gia"


def test_content_full_names_what_each_procedure_lacks(leader_client, s):
    complete = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", agencies=[s.agency])
    RequiredDocumentFactory(procedure=complete, name="Giấy chứng sinh")
    ProcedureFactory(
        code="1.000001", name="Thủ tục thiếu", agencies=[s.agency], time_limit=None, legal_basis=""
    )
    response = leader_client.get("/chi-so/chi-tieu/content_full/", s.query())
    rows = [(row.procedure.code, row.missing) for row in response.context["rows"]]
    assert rows == [
        ("1.000001", ["thời hạn giải quyết", "thành phần hồ sơ", "căn cứ pháp lý"]),
        ("2.000488", ["thành phần hồ sơ"]),
    ]


def test_publish_on_time_lists_late_publications_with_their_dates(leader_client, s):
    procedure = s.late.procedure
    # Decided Monday 2 March: the 5th working day after is Monday 9 March.
    for decision, public_day in (("QĐ 1", 9), ("QĐ 2", 10)):
        Publication.objects.create(
            procedure=procedure,
            kind=Publication.Kind.NEW,
            decision=decision,
            decided_on=at(2, 0).date(),
            public_on=at(public_day, 0).date(),
        )
    response = leader_client.get("/chi-so/chi-tieu/publish_on_time/", s.query())
    rows = response.context["rows"]
    assert [(r.publication.decision, r.deadline) for r in rows] == [("QĐ 2", at(9, 0).date())]
    text = response.content.decode()
    assert "02/03/2026" in text and "09/03/2026" in text and "10/03/2026" in text


def test_the_list_is_paginated_by_fifty(leader_client, s):
    response = leader_client.get("/chi-so/chi-tieu/synced/", s.query(page="abc"))
    assert response.context["page"].number == 1
    assert response.context["page"].paginator.per_page == 50


# --- 2. the dossier's story -------------------------------------------------------------------


def test_the_step_table_times_each_step_against_its_budget(leader_client, s):
    before = AuditEvent.objects.filter(action="dossier.read").count()
    response = leader_client.get(f"/chi-so/ho-so/{s.late.code}/", s.query())
    assert response.status_code == 200
    story = response.context["story"]
    rows = [
        (
            seg.name,
            str(seg.holder),
            int(seg.worked.total_seconds() // 60),
            None if seg.budget is None else int(seg.budget.total_seconds() // 60),
            int(seg.over.total_seconds() // 60),
        )
        for seg in story.segments
    ]
    assert rows == [
        ("Tiếp nhận, chuyển xử lý (một cửa)", "Lê Thị Hà", 30, None, 0),
        ("Thẩm định", "Trần Văn Chậm", 990, 720, 270),
        ("Trình ký", "Phạm Thị Nhanh", 90, 288, 0),
        ("Phê duyệt", "Hoàng Đức Long", 390, 432, 0),
    ]
    assert story.segments[1].paused == timedelta(minutes=480)
    assert story.late == timedelta(hours=1)
    assert [(p.kind, p.paused) for p in story.pauses] == [("suspend", timedelta(hours=8))]
    text = response.content.decode()
    assert "Trễ hạn 1 giờ làm việc" in text
    assert 'class="over-row"' in text
    assert "Vượt định mức 4 giờ 30 phút" in text
    assert "2 ngày 30 phút" in text  # 990 minutes worked
    assert f'href="/chi-so/can-bo/{s.slow.pk}/?agency={s.city.code}&amp;from=2026-03-01' in text
    # §10: the applicant's name, never their identification number.
    assert "Nguyễn Văn An" in text
    assert s.citizen.personal_id not in text
    assert AuditEvent.objects.filter(action="dossier.read").count() == before + 1


def test_the_step_table_takes_supplement_waits_out(leader_client, s):
    response = leader_client.get(f"/chi-so/ho-so/{s.twice.code}/")
    story = response.context["story"]
    first = story.segments[1]
    assert (first.worked, first.paused) == (timedelta(minutes=110), timedelta(minutes=60))
    assert [p.kind for p in story.pauses] == ["supplement", "supplement"]
    assert story.is_late is True
    assert "Yêu cầu bổ sung 2 lần sau tiếp nhận" in response.content.decode()


def test_the_dossier_page_query_count_is_bounded(leader_client, s, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        assert leader_client.get(f"/chi-so/ho-so/{s.late.code}/").status_code == 200


def test_staff_of_the_agency_read_the_story_without_officer_links(client, s):
    client.force_login(s.quick)
    response = client.get(f"/chi-so/ho-so/{s.late.code}/")
    assert response.status_code == 200
    assert response.context["officer_query"] == ""
    assert "/chi-so/can-bo/" not in response.content.decode()


# --- 3. responsibility per officer -------------------------------------------------------------


def test_the_officer_page_counts_their_steps_and_the_dossiers_they_delayed(
    leader_client, s, django_assert_max_num_queries
):
    with django_assert_max_num_queries(29):
        response = leader_client.get(f"/chi-so/can-bo/{s.slow.pk}/", s.query())
    assert response.status_code == 200
    line = response.context["line"]
    assert (line.step_count, line.over_count, line.over_minutes) == (3, 1, 270)
    assert [d.code for d in response.context["delayed"].object_list] == [s.late.code]
    steps = response.context["page"].object_list
    assert (steps[0].dossier.code, steps[0].is_over) == (s.late.code, True)
    text = response.content.decode()
    assert "4 giờ 30 phút" in text
    assert f'href="/chi-so/ho-so/{s.late.code}/' in text


def test_an_officer_without_delays_has_none(leader_client, s):
    response = leader_client.get(f"/chi-so/can-bo/{s.quick.pk}/", s.query())
    line = response.context["line"]
    assert (line.step_count, line.over_count, line.over_minutes, line.delayed) == (3, 0, 0, {})


def test_the_responsibility_table_ranks_officers(leader_client, s, django_assert_max_num_queries):
    with django_assert_max_num_queries(19):
        response = leader_client.get("/chi-so/trach-nhiem/", s.query())
    ranked = [
        (str(line.officer), line.step_count, line.over_count, line.over_minutes)
        for line in response.context["officers"]
    ]
    assert ranked == [
        ("Trần Văn Chậm", 3, 1, 270),
        ("Hoàng Đức Long", 3, 0, 0),
        ("Phạm Thị Nhanh", 3, 0, 0),
    ]


def test_a_step_still_open_and_unassigned_is_shown_apart(s):
    open_dossier = s.walker.create(at=at(9, 8, 0))
    open_dossier = s.walker.act(open_dossier, Action.SUBMIT, at=at(9, 8, 10))
    open_dossier = s.walker.act(open_dossier, Action.RECEIVE, at=at(9, 8, 20))
    s.walker.act(open_dossier, Action.FORWARD, at=at(9, 8, 30))
    now = at(9, 10, 30)
    period = Period(at(9, 0).date(), at(9, 0).date())
    lines = officer_lines(steps_in_period({s.agency.pk}, period, now=now), now=now)
    assert [(line.officer, line.step_count, line.over_count) for line in lines] == [(None, 1, 0)]
    assert lines[0].steps[0].worked == timedelta(hours=2)


# --- 4. early warnings ----------------------------------------------------------------------


def _received(s: Scenario, when: datetime) -> Dossier:
    dossier = s.walker.create(at=when - timedelta(minutes=20))
    dossier = s.walker.act(dossier, Action.SUBMIT, at=when - timedelta(minutes=10))
    return s.walker.act(dossier, Action.RECEIVE, at=when)


def test_warnings_list_the_overdue_and_those_due_within_a_working_day(s):
    now = at(5, 14, 0)  # Thursday; the next working day ends Friday 14:00
    overdue = _received(s, at(2, 11, 0))  # due Thu 11:00
    overdue = s.walker.act(overdue, Action.FORWARD, at=at(2, 11, 10), assignee=s.slow)
    due_soon = _received(s, at(3, 14, 0))  # due Fri 14:00, exactly 8 working hours ahead
    _received(s, at(3, 14, 30))  # due Fri 14:30: not yet
    paused = _received(s, at(2, 13, 0))  # due Thu 13:00, but suspended with time left
    paused = s.walker.act(paused, Action.FORWARD, at=at(2, 13, 10))
    s.walker.act(paused, Action.SUSPEND, at=at(2, 14, 0), reason="Chờ nộp lệ phí.")

    groups, cut = warnings_for({s.agency.pk}, now=now)

    assert cut is False
    assert [g.agency.code for g in groups] == [s.agency.code]
    found = [
        (holder.label, row.dossier.code, row.overdue, working_text(row.gap))
        for holder in groups[0].holder_list
        for row in holder.rows
    ]
    assert found == [
        ("Trần Văn Chậm", overdue.code, True, "1 giờ 30 phút"),
        ("Bộ phận một cửa — Sở Tư pháp thử nghiệm", due_soon.code, False, "1 ngày"),
    ]


def _long_overdue(s: Scenario) -> Dossier:
    start = timezone.now() - timedelta(days=40)
    dossier = _received(s, start)
    return s.walker.act(dossier, Action.FORWARD, at=start + timedelta(minutes=10), assignee=s.slow)


def test_the_warnings_page_for_a_leader(leader_client, s, django_assert_max_num_queries):
    overdue = _long_overdue(s)
    _received(s, timezone.now() - timedelta(minutes=1))  # three working days ahead
    with django_assert_max_num_queries(14):
        response = leader_client.get("/chi-so/canh-bao/")
    assert response.status_code == 200
    assert response.context["total"] == 1
    text = response.content.decode()
    assert f'href="/chi-so/ho-so/{overdue.code}/"' in text
    assert "Trần Văn Chậm" in text
    assert "Quá hạn" in text


def test_the_warnings_page_for_staff_of_the_agency(client, s):
    overdue = _long_overdue(s)
    client.force_login(s.quick)
    response = client.get("/chi-so/canh-bao/", {"agency": s.agency.code})
    assert response.status_code == 200
    assert overdue.code in response.content.decode()
    assert client.get("/chi-so/canh-bao/", {"agency": s.city.code}).status_code == 403


def test_the_warnings_page_for_staff_of_another_agency(client, s):
    overdue = _long_overdue(s)
    other = AgencyFactory(code="000.00.12.H99", name="Sở Xây dựng thử nghiệm")
    client.force_login(staff(Role.SPECIALIST, other, username="cv_khac"))
    response = client.get("/chi-so/canh-bao/")
    assert response.status_code == 200
    assert response.context["total"] == 0
    assert overdue.code not in response.content.decode()


# --- access and bad input ---------------------------------------------------------------------

PAGES = [
    "/chi-so/chi-tieu/on_time/?agency=000.00.00.H99",
    "/chi-so/trach-nhiem/?agency=000.00.00.H99",
    "/chi-so/canh-bao/",
]


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_people_are_sent_to_sign_in(client, s, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=")


def test_anonymous_people_cannot_open_a_dossier_or_an_officer(client, s):
    before = AuditEvent.objects.count()
    for url in (f"/chi-so/ho-so/{s.late.code}/", f"/chi-so/can-bo/{s.slow.pk}/"):
        assert client.get(url).status_code == 302
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    "url",
    [
        "/chi-so/chi-tieu/on_time/?agency=000.00.00.H99",
        "/chi-so/chi-tieu/on_time/",
        "/chi-so/trach-nhiem/?agency=000.00.11.H99",
        "/chi-so/can-bo/{slow}/?agency=000.00.11.H99",
        "/chi-so/canh-bao/",
    ],
)
def test_a_citizen_is_refused(client, s, url):
    client.force_login(s.citizen)
    response = client.get(url.format(slow=s.slow.pk))
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.content.decode()


def test_a_citizen_cannot_read_the_internal_story_of_their_own_dossier(client, s):
    before = AuditEvent.objects.count()
    client.force_login(s.citizen)
    assert client.get(f"/chi-so/ho-so/{s.late.code}/").status_code == 403
    assert AuditEvent.objects.count() == before


def test_a_specialist_is_not_a_leader(client, s):
    client.force_login(s.slow)
    assert client.get("/chi-so/chi-tieu/on_time/", s.query()).status_code == 403
    assert client.get(f"/chi-so/can-bo/{s.slow.pk}/", s.query()).status_code == 403


def test_a_leader_of_another_agency_is_refused(client, s):
    other = AgencyFactory(code="000.00.12.H99", name="Sở Xây dựng thử nghiệm")
    client.force_login(staff(Role.LEADER, other, username="lanhdao_khac"))
    before = AuditEvent.objects.count()
    assert client.get("/chi-so/chi-tieu/on_time/", s.query()).status_code == 403
    assert client.get("/chi-so/trach-nhiem/", s.query()).status_code == 403
    assert client.get("/chi-so/canh-bao/", {"agency": s.city.code}).status_code == 403
    # The dossier is not theirs to read: the same answer as a code that does not exist.
    assert client.get(f"/chi-so/ho-so/{s.late.code}/").status_code == 404
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/chi-so/chi-tieu/khong_co/?agency=000.00.00.H99", 404),
        ("/chi-so/chi-tieu/on_time/?agency=KHONG.CO", 403),
        ("/chi-so/chi-tieu/on_time/?agency=000.00.00.H99&from=hom-qua", 400),
        ("/chi-so/chi-tieu/on_time/?agency=000.00.00.H99&from=2026-02-30", 400),
        ("/chi-so/chi-tieu/on_time/?agency=000.00.00.H99&from=2026-03-10&to=2026-03-01", 400),
        ("/chi-so/chi-tieu/on_time/?agency=000.00.00.H99&from=0001-01-01&to=9999-12-31", 400),
        ("/chi-so/trach-nhiem/?agency=000.00.00.H99&to=9999-12-31", 400),
        ("/chi-so/ho-so/KHONG-CO/", 404),
        ("/chi-so/can-bo/999999/?agency=000.00.00.H99", 404),
        ("/chi-so/can-bo/99999999999999999999999/?agency=000.00.00.H99", 404),
        ("/chi-so/canh-bao/?agency=KHONG.CO", 403),
    ],
)
def test_bad_input_is_a_clear_answer_not_a_500(leader_client, s, url, status):
    assert leader_client.get(url).status_code == status


def test_an_indicator_without_detail_says_so(leader_client, s):
    response = leader_client.get("/chi-so/chi-tieu/petitions_on_time/", s.query())
    assert response.status_code == 200
    assert "Chưa có dữ liệu chi tiết" in response.content.decode()


def test_a_citizen_account_is_not_an_officer(leader_client, s):
    assert leader_client.get(f"/chi-so/can-bo/{s.citizen.pk}/", s.query()).status_code == 404


def test_working_text_reads_in_working_days_hours_and_minutes():
    assert working_text(timedelta(minutes=990)) == "2 ngày 30 phút"
    assert working_text(timedelta(minutes=270)) == "4 giờ 30 phút"
    assert working_text(timedelta(minutes=480)) == "1 ngày"
    assert working_text(timedelta(minutes=750)) == "1 ngày 4 giờ 30 phút"
    assert working_text(timedelta(0)) == "0 phút"
    assert working_text(None) == "—"


# --- working clock and bounded pages --------------------------------------------------------


def test_the_working_clock_agrees_with_the_calendar_moment_by_moment():
    """The clock the period pages use answers exactly what `WorkingCalendar.between` does,
    across weekends, lunch breaks, the Tết holidays of 2026 and moments given out of order
    (an earlier moment moves the clock's first day)."""
    import random

    from motcua.core.worktime import WorkingCalendar
    from motcua.index.drilldown.timing import WorkingClock

    calendar = WorkingCalendar()
    clock = WorkingClock(calendar)
    draw = random.Random(766)
    origin = datetime(2026, 1, 1, 0, 0, tzinfo=TZ)
    for _ in range(400):
        start = origin + timedelta(minutes=draw.randrange(0, 60 * 24 * 120))
        end = start + timedelta(minutes=draw.randrange(-600, 60 * 24 * 40))
        assert clock.between(start, end) == calendar.between(start, end), (start, end)
    assert clock.between(at(2, 11, 0), at(2, 13, 30)) == timedelta(minutes=60)


def test_the_clock_names_the_first_moment_from_which_a_step_cannot_be_over_its_budget():
    """`WorkingClock.moment_reaching`, the bound the officer lines use to leave most open
    steps untimed: a step started then has worked exactly its budget by now (at most, when
    the bound is the clock's first day), one started a minute earlier in working time more;
    a bound falls in working time or at the end of a working period."""
    import random

    from motcua.core.worktime import WorkingCalendar
    from motcua.index.drilldown.timing import WorkingClock

    calendar = WorkingCalendar()
    clock = WorkingClock(calendar)
    now = datetime(2026, 3, 20, 15, 10, tzinfo=TZ)  # a Friday: 6 h 10 min worked today
    reading = clock.reading(now)
    # Office hours 07:30–11:30, 13:00–17:00.
    # The first moment reading as much as Friday 00:00 is Thursday 17:00.
    assert clock.moment_reaching(reading - timedelta(hours=6, minutes=10)) == at(19, 17, 0)
    assert clock.moment_reaching(reading - timedelta(hours=6, minutes=11)) == at(19, 16, 59)
    assert clock.moment_reaching(reading - timedelta(hours=6, minutes=9)) == at(20, 7, 31)
    assert clock.moment_reaching(reading - timedelta(hours=2, minutes=10)) == at(20, 11, 30)
    assert clock.moment_reaching(reading - timedelta(hours=2)) == at(20, 13, 10)
    assert clock.moment_reaching(reading) == now
    draw = random.Random(767)
    for _ in range(300):
        budget = timedelta(minutes=draw.randrange(0, 60 * 8 * 60))
        bound = clock.moment_reaching(clock.reading(now) - budget)
        if bound.date() > date(2026, 2, 17):  # the clock's first day: 31 days before now
            assert calendar.between(bound, now) == budget, budget
            earlier = bound - timedelta(minutes=1)
            assert calendar.between(earlier, now) == budget + timedelta(minutes=1), budget
        else:
            assert calendar.between(bound, now) <= budget, budget


def at_day(day: int) -> datetime:
    return datetime(2026, 3, day, tzinfo=TZ)


def test_the_drilldown_pages_make_the_same_bounded_queries_for_more_dossiers(leader_client, s):
    """Two data sizes, the same number of queries, under a fixed bound, and pages of at most
    50 rows whatever the number of dossiers."""

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert leader_client.get(url, s.query()).status_code == 200
        return len(queries)

    urls = ["/chi-so/chi-tieu/on_time/", "/chi-so/trach-nhiem/"]
    small = [count(url) for url in urls]
    for day in range(9, 21):  # twelve more dossiers, each step inside its budget
        more = _received(s, at(day, 8, 0))
        more = s.walker.act(more, Action.FORWARD, at=at(day, 8, 10), assignee=s.slow)
        more = s.walker.act(more, Action.FORWARD, actor=s.slow, at=at(day, 16, 0))
        more = s.walker.act(more, Action.FORWARD, actor=s.quick, at=at(day, 16, 30))
        s.walker.act(more, Action.APPROVE, actor=s.approver, at=at(day, 16, 50))
    assert [count(url) for url in urls] == small
    assert small[0] <= 24 and small[1] <= 19
    response = leader_client.get("/chi-so/trach-nhiem/", s.query())
    assert response.context["totals"] == {"officers": 3, "steps": 45, "over": 1}
    assert len(response.context["officers"]) == 3


def test_the_officer_lines_follow_a_merger_to_the_successor(client, s):
    """Sở Tư pháp thử nghiệm merged into another department from 01/03/2026: the successor's
    leader sees its officers' March steps (the organisation as it stands at the period's
    end); February reads as before the merger, with nothing under the successor."""

    successor = AgencyFactory(code="000.00.12.H99", name="Sở Nội vụ thử nghiệm", parent=s.city)
    admin = UserFactory(username="quantri_tn", is_superuser=True, is_staff=True)
    agency_merge(actor=admin, agency=s.agency, successor=successor, on=datetime(2026, 3, 1).date())
    client.force_login(staff(Role.LEADER, successor, username="lanhdao_moi"))
    march = {"agency": successor.code, **MARCH}

    lines = client.get("/chi-so/trach-nhiem/", march).context["officers"]
    assert [(str(line.officer), line.step_count, line.over_count) for line in lines] == [
        ("Trần Văn Chậm", 3, 1),
        ("Hoàng Đức Long", 3, 0),
        ("Phạm Thị Nhanh", 3, 0),
    ]
    page = client.get(f"/chi-so/can-bo/{s.slow.pk}/", march)
    assert (page.context["line"].step_count, page.context["line"].over_count) == (3, 1)
    february = {"agency": successor.code, "from": "2026-02-01", "to": "2026-02-28"}
    assert list(client.get("/chi-so/trach-nhiem/", february).context["officers"]) == []
