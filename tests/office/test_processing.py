"""The processing pages: the personal work queue, the dossier page and its actions, the apology
letter and the agency's day.

The walker's dossiers are received on Monday 2026-03-02 at 10:00 (due Thursday 03-05 10:00,
3 working days), sent to step 1 "Thẩm định" at 10:30 (50 %: due Tuesday 16:00) and, for
`dossier_in("in_progress")`, to step 2 "Trình ký" at 11:00 (20 % = 4 h 48 min: 11:00–11:30,
13:00–17:00, then 18 minutes on Tuesday → due Tuesday 07:48).
"""

from __future__ import annotations

import re
import threading
from datetime import date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from motcua.catalog.models import Procedure
from motcua.core.calendar import working_calendar
from motcua.core.worktime import TZ, OfficeHours, WorkingCalendar
from motcua.directory.models import Agency, Role
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, DossierEvent, State
from motcua.office.forms_processing import QueueFilterForm
from motcua.office.queues import DeadlineStatus, FastCalendar, format_working, time_left
from tests.factories import staff

QUEUE = "/mot-cua/xu-ly/"
TODAY = "/mot-cua/hom-nay/"


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def clock(monkeypatch):
    """`clock(moment)` makes `timezone.now()` answer `moment` (the library's clock, so
    sessions, the services' default moments and the pages agree)."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


def page_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def codes_in(html: str) -> list[str]:
    return re.findall(r'<tr data-code="([^"]+)"', html)


def dossier_url(dossier: Dossier, slug: str = "") -> str:
    return f"{QUEUE}{dossier.code}/" + (f"{slug}/" if slug else "")


def to_step(walker, *, forward_at: list[datetime], assignee=None) -> Dossier:
    """A received dossier forwarded once per moment (1 → step 1, 2 → step 2, …)."""
    dossier = walker.create()
    dossier = walker.act(dossier, Action.SUBMIT)
    dossier = walker.act(dossier, Action.RECEIVE)
    for i, moment in enumerate(forward_at):
        extra = {"assignee": assignee.pk} if assignee and i == len(forward_at) - 1 else {}
        dossier = walker.act(dossier, Action.FORWARD, at=moment, **extra)
    return Dossier.objects.get(pk=dossier.pk)


def snapshot(dossier: Dossier) -> tuple:
    fresh = Dossier.objects.get(pk=dossier.pk)
    return (
        fresh.state,
        fresh.version,
        fresh.current_step_id,
        fresh.assignee_id,
        fresh.e_result,
        fresh.apology_appointment_at,
        DossierEvent.objects.filter(dossier=dossier).count(),
    )


# --- working time left ---------------------------------------------------------------------


def test_working_time_reads_in_days_hours_and_minutes():
    assert format_working(timedelta(hours=8)) == "1 ngày"
    assert format_working(timedelta(hours=9)) == "1 ngày 1 giờ"
    assert format_working(timedelta(hours=17, minutes=30)) == "2 ngày 1 giờ 30 phút"
    assert format_working(timedelta(hours=8, minutes=15)) == "1 ngày 15 phút"
    assert format_working(timedelta(hours=3, minutes=48)) == "3 giờ 48 phút"
    assert format_working(timedelta(minutes=-72)) == "1 giờ 12 phút"
    assert format_working(timedelta(0)) == "0 phút"


@pytest.mark.django_db
def test_time_left_by_hand_computed_cases():
    calendar = working_calendar()
    step_due = at(3, 7, 48)  # Tuesday 07:48
    # Monday 16:00: 16:00–17:00 and 07:30–07:48 → 1 h 18 min, within one working day.
    left = time_left(calendar, at(2, 16), step_due)
    assert (left.delta, left.status, left.text) == (
        timedelta(hours=1, minutes=18),
        DeadlineStatus.DUE_SOON,
        "còn 1 giờ 18 phút làm việc",
    )
    # Exactly 8 working hours left (Monday 16:00 → Tuesday 16:00) is still "due within 1 day".
    left = time_left(calendar, at(2, 16), at(3, 16))
    assert (left.delta, left.status) == (timedelta(hours=8), DeadlineStatus.DUE_SOON)
    # Monday 15:00 → Tuesday 16:00: 9 working hours, on track.
    left = time_left(calendar, at(2, 15), at(3, 16))
    assert (left.text, left.label) == ("còn 1 ngày 1 giờ làm việc", "Trong hạn")
    # Tuesday 09:00, due 07:48: overdue by 1 h 12 min.
    left = time_left(calendar, at(3, 9), step_due)
    assert (left.delta, left.label, left.text) == (
        -timedelta(hours=1, minutes=12),
        "Quá hạn",
        "quá hạn 1 giờ 12 phút làm việc",
    )
    # Saturday 10:00 before a Monday 07:30 due moment: no working time left, not yet overdue.
    left = time_left(calendar, at(7, 10), at(9, 7, 30))
    assert (left.delta, left.status) == (timedelta(0), DeadlineStatus.DUE_SOON)


CALENDARS = {
    hours: FastCalendar(
        WorkingCalendar(
            hours=OfficeHours.parse(hours),
            extra_days_off=frozenset({date(2026, 6, 15)}),
            extra_working_days=frozenset({date(2026, 6, 20)}),
        )
    )
    for hours in ("07:30-11:30,13:00-17:00", "08:00-12:00", "00:00-23:59")
}


@settings(max_examples=150, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2027, 2, 1)),
    span=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=300)),
    hours=st.sampled_from(sorted(CALENDARS)),
)
def test_fast_between_equals_the_calendar(start, span, hours):
    """The queue's shortcut for long spans gives the calendar's own answer, to the
    microsecond (one FastCalendar per office hours, reused across examples)."""
    fast = CALENDARS[hours]
    begin = start.replace(tzinfo=TZ)
    assert fast.between(begin, begin + span) == fast.calendar.between(begin, begin + span)
    assert fast.between(begin + span, begin) == timedelta(0)


# --- the queue -----------------------------------------------------------------------------


@pytest.fixture
def queue_world(walker, agency, approver, specialist, clock):
    """Dossiers around the specialist's queue, named by what they test."""
    other_specialist = staff(Role.SPECIALIST, agency, username="chuyen_vien_2")
    world = {
        # step 2, due Tuesday 07:48
        "step2_early": to_step(walker, forward_at=[at(2, 10, 30), at(2, 11)]),
        # step 2 entered Monday 15:00: due Tuesday 10:18
        "step2_late": to_step(walker, forward_at=[at(2, 10, 30), at(2, 15)]),
        # step 1, due Tuesday 16:00
        "step1": to_step(walker, forward_at=[at(2, 10, 30)]),
        # step 2 assigned to me: due Tuesday 10:48
        "mine": to_step(walker, forward_at=[at(2, 10, 30), at(2, 15, 30)], assignee=specialist),
        # step 2 assigned to someone else: not mine
        "theirs": to_step(walker, forward_at=[at(2, 10, 30), at(2, 11)], assignee=other_specialist),
        # step 3, the approver's
        "approval": to_step(walker, forward_at=[at(2, 10, 30), at(2, 11), at(2, 11, 15)]),
        # received but not yet forwarded: the counter's, not in a processing queue
        "received": walker.dossier_in(State.RECEIVED),
        "suspended": walker.dossier_in(State.SUSPENDED),
        "transferred": walker.dossier_in(State.TRANSFERRED),
    }
    clock(at(2, 16))  # Monday 16:00
    return world


def test_queue_shows_the_dossiers_at_my_step_nearest_due_first(queue_world, specialist):
    w = queue_world
    response = page_for(specialist).get(QUEUE)
    assert response.status_code == 200
    assert codes_in(response.content.decode()) == [
        w["step2_early"].code,  # Tue 07:48
        w["step2_late"].code,  # Tue 10:18
        w["mine"].code,  # Tue 10:48
        w["step1"].code,  # Tue 16:00 (step 1 entered 10:30)
        w["suspended"].code,  # step 1 due Tue 16:00, later id
        w["transferred"].code,  # step 1 due Tue 16:00, later id
    ]


def test_queue_of_the_approver_and_of_another_agency(queue_world, approver, other_agency):
    w = queue_world
    response = page_for(approver).get(QUEUE)
    assert codes_in(response.content.decode()) == [w["approval"].code]
    outsider = staff(Role.SPECIALIST, other_agency, username="chuyen_vien_khac")
    assert codes_in(page_for(outsider).get(QUEUE).content.decode()) == []


def test_queue_shows_transferred_dossiers_to_the_partner_agency(queue_world, partner_agency):
    partner = staff(Role.SPECIALIST, partner_agency, username="chuyen_vien_tai_chinh")
    html = page_for(partner).get(QUEUE).content.decode()
    assert codes_in(html) == [queue_world["transferred"].code]
    assert "Đang liên thông: Sở Tài chính thử nghiệm" in html


def row_of(html: str, code: str) -> str:
    start = html.index(f'<tr data-code="{code}"')
    return html[start : html.index("</tr>", start)]


def cell(row: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">([^<]*)<', row)
    assert match, row
    return match.group(1).strip()


def test_queue_rows_show_time_left_and_status_in_text_and_colour(queue_world, specialist, clock):
    w = queue_world
    html = page_for(specialist).get(QUEUE).content.decode()  # Monday 16:00
    row = row_of(html, w["step2_early"].code)
    assert cell(row, "left") == "còn 1 giờ 18 phút làm việc"
    assert cell(row, "status") == "Đến hạn trong 1 ngày làm việc"
    assert 'class="badge status-due_soon"' in row
    row = row_of(html, w["step1"].code)
    assert (cell(row, "left"), cell(row, "status")) == (
        "còn 1 ngày làm việc",
        "Đến hạn trong 1 ngày làm việc",
    )
    # The suspended dossier's clock stopped at 11:00 on Monday: 0.5 + 4 + 4 + 3 = 11.5 h left.
    row = row_of(html, w["suspended"].code)
    assert (cell(row, "left"), cell(row, "status")) == (
        "còn 1 ngày 3 giờ 30 phút làm việc",
        "Tạm dừng",
    )

    clock(at(2, 15, 45))  # Monday 15:45: step 1 (Tuesday 16:00) has 8 h 15 min left
    html = page_for(specialist).get(QUEUE).content.decode()
    row = row_of(html, w["step1"].code)
    assert (cell(row, "left"), cell(row, "status")) == ("còn 1 ngày 15 phút làm việc", "Trong hạn")
    assert 'class="badge status-on_track"' in row

    clock(at(3, 9))  # Tuesday 09:00
    html = page_for(specialist).get(QUEUE).content.decode()
    row = row_of(html, w["step2_early"].code)
    assert (cell(row, "left"), cell(row, "status")) == ("quá hạn 1 giờ 12 phút làm việc", "Quá hạn")
    assert 'class="badge status-overdue"' in row


def test_queue_counts_and_status_filters(queue_world, specialist, clock):
    w = queue_world
    clock(at(3, 9))  # Tuesday 09:00: step2_early is overdue (07:48)
    client = page_for(specialist)
    html = client.get(QUEUE).content.decode()
    assert 'data-testid="count-overdue"><span class="badge status-overdue">Quá hạn: 1<' in html
    assert codes_in(client.get(QUEUE, {"status": "overdue"}).content.decode()) == [
        w["step2_early"].code
    ]
    assert codes_in(client.get(QUEUE, {"status": "due_soon"}).content.decode()) == [
        w["step2_late"].code,
        w["mine"].code,
        w["step1"].code,
        w["transferred"].code,
    ]
    assert codes_in(client.get(QUEUE, {"status": "on_track"}).content.decode()) == []
    assert codes_in(client.get(QUEUE, {"status": "suspended"}).content.decode()) == [
        w["suspended"].code
    ]
    assert codes_in(client.get(QUEUE, {"status": "transferred"}).content.decode()) == [
        w["transferred"].code
    ]


def test_queue_search_and_filters(queue_world, specialist, procedure, agency):
    w = queue_world
    client = page_for(specialist)
    # The procedure's name without diacritics.
    assert len(codes_in(client.get(QUEUE, {"q": "ly lich tu PHAP"}).content.decode())) == 6
    assert codes_in(client.get(QUEUE, {"q": "khai sinh"}).content.decode()) == []
    assert codes_in(client.get(QUEUE, {"q": w["mine"].code}).content.decode()) == [w["mine"].code]
    assert len(codes_in(client.get(QUEUE, {"procedure": procedure.code}).content.decode())) == 6
    assert len(codes_in(client.get(QUEUE, {"agency": agency.code}).content.decode())) == 6


def test_queue_refuses_bad_filters_with_a_message(queue_world, specialist):
    client = page_for(specialist)
    response = client.get(QUEUE, {"status": "xyz"})
    assert response.status_code == 400
    assert "Tình trạng lọc “xyz” không hợp lệ." in response.content.decode()
    response = client.get(QUEUE, {"agency": "000.00.12.H99"})
    assert response.status_code == 400
    assert "Bạn không xử lý hồ sơ của cơ quan mã “000.00.12.H99”." in response.content.decode()
    assert client.get(QUEUE, {"q": "\x00"}).status_code == 400
    assert client.get(QUEUE, {"page": "abc"}).status_code == 200


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"status": "overdue", "procedure": "2.000<1>", "agency": "A&B"},
        {"status": "xyz", "procedure": "nope", "agency": ""},
    ],
)
def test_the_queue_filters_selects_are_written_as_djangos_widget_writes_them(data):
    """The queue writes its `<select>`s itself (cheaper than the widget's template per
    option): the same HTML as the widget's, selection, escaping and error attributes too."""
    agencies = [Agency(code="A&B", name="Sở <Tư pháp> & “Nội vụ”"), Agency(code="C", name="UB")]
    procedures = [Procedure(code="2.000<1>", name="Cấp 'bản sao'"), Procedure(code="1", name="x")]
    form = QueueFilterForm(data, agencies=agencies, procedures=procedures)
    form.is_valid()
    for name in ("status", "procedure", "agency"):
        assert form.select(name) == str(form[name])


@pytest.mark.django_db
def test_queue_access(citizen, agency):
    response = page_for(None).get(QUEUE)
    assert (response.status_code, response["Location"]) == (302, f"/dang-nhap/?next={QUEUE}")
    assert page_for(citizen).get(QUEUE).status_code == 403
    leader = staff(Role.LEADER, agency, username="lanh_dao")
    response = page_for(leader).get(QUEUE)
    assert response.status_code == 403
    assert "dành cho chuyên viên xử lý và lãnh đạo phê duyệt" in response.content.decode()


# --- the dossier page ------------------------------------------------------------------------


def test_dossier_page_shows_actions_steps_and_history(walker, specialist, reception):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    response = page_for(specialist).get(dossier_url(dossier))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'name="version" value="{dossier.version}"' in html
    for slug in ("chuyen-buoc", "tra-lai", "de-nghi-bo-sung", "tam-dung", "lien-thong", "ket-qua"):
        assert f'data-action="{slug}"' in html
    assert 'data-action="phe-duyet"' not in html  # not the last step
    assert "Chuyển bước tiếp theo: Phê duyệt" in html
    assert "Trả lại bước trước: Thẩm định" in html
    # Step deadlines: Thẩm định entered 10:30, due Tuesday 16:00, left 11:00; Trình ký due 07:48.
    assert "02/03/2026 10:30" in html and "03/03/2026 16:00" in html
    assert 'data-testid="step-due">03/03/2026 07:48<' in html
    assert "chưa đến bước này" in html  # Phê duyệt
    assert html.count('<tr data-action="forward">') == 2
    # The counter sees the dossier but has no processing action on it.
    html = page_for(reception).get(dossier_url(dossier)).content.decode()
    assert 'data-testid="no-actions"' in html


@pytest.mark.django_db
def test_dossier_page_refusals(walker, specialist, citizen, other_agency):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    response = page_for(None).get(dossier_url(dossier))
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")
    assert page_for(citizen).get(dossier_url(dossier)).status_code == 403
    outsider = staff(Role.SPECIALIST, other_agency, username="ngoai_co_quan")
    response = page_for(outsider).get(dossier_url(dossier))
    assert response.status_code == 404
    assert f"Không tìm thấy hồ sơ {dossier.code}." in response.content.decode()
    assert page_for(specialist).get(f"{QUEUE}KHONG-CO/").status_code == 404
    client = page_for(specialist)
    assert client.get(dossier_url(dossier, "chuyen-buoc")).status_code == 405
    assert (
        client.post(dossier_url(dossier, "bay-bong"), {"version": dossier.version}).status_code
        == 404
    )


def pdf_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "ket-qua.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"
    )


def in_future(days: int) -> str:
    return f"{timezone.localdate() + timedelta(days=days):%d/%m/%Y}"


# slug, state to reach, the right person, staff of the agency without the role, data, check
SP, RE, AP, LE = "specialist", "reception", "approver", "leader"
APOLOGY = {"new_date": "future", "new_time": "16:00", "reason": "Chờ xác minh"}
ACTIONS = [
    ("chuyen-buoc", "in_progress", SP, RE, {}, "step3"),
    ("tra-lai", "in_progress", SP, RE, {"reason": "Thiếu ý kiến"}, "step1"),
    ("de-nghi-bo-sung", "in_progress", SP, RE, {"note": "Giấy khai sinh"}, "note"),
    ("tam-dung", "in_progress", SP, RE, {"kind": "financial", "reason": "Thuế"}, "suspended"),
    ("tiep-tuc", "suspended", SP, RE, {}, "in_progress"),
    ("lien-thong", "in_progress", SP, RE, {"agency": "000.00.13.H99"}, "transferred"),
    ("nhan-lai", "transferred", SP, RE, {}, "in_progress"),
    ("ket-qua", "in_progress", SP, RE, {"file": "pdf"}, "result_drafted"),
    ("phe-duyet", "last_step", AP, SP, {}, "result_ready"),
    ("tu-choi", "in_progress", SP, RE, {"reason": "Không đủ điều kiện"}, "refused"),
    ("xin-loi", "in_progress", SP, LE, APOLOGY, "apology"),
]


@pytest.mark.parametrize(("slug", "state", "right", "wrong", "data", "check"), ACTIONS)
def test_permission_matrix(
    slug, state, right, wrong, data, check, walker, citizen, other_agency, agency
):
    people = {
        "specialist": walker.specialist,
        "approver": walker.approver,
        "reception": walker.reception,
        "leader": staff(Role.LEADER, agency, username="lanh_dao_so"),
    }
    if state == "last_step":
        dossier = walker.act(walker.dossier_in(State.IN_PROGRESS), Action.FORWARD)
    else:
        dossier = walker.dossier_in(state)
    outsider = staff(Role(right), other_agency, username="can_bo_co_quan_khac")

    def post(user, client=None):
        body = {**data, "version": Dossier.objects.get(pk=dossier.pk).version}
        if body.get("file") == "pdf":
            body["file"] = pdf_upload()
        if body.get("new_date") == "future":
            body["new_date"] = in_future(30)
        return (client or page_for(user)).post(dossier_url(dossier, slug), body)

    before = snapshot(dossier)
    response = post(None)
    assert response.status_code == 302 and response["Location"].startswith("/dang-nhap/")
    assert snapshot(dossier) == before
    for user, status in ((citizen, 403), (outsider, 404), (people[wrong], 403)):
        response = post(user)
        assert response.status_code == status, (user, response.content.decode()[:2000])
        assert snapshot(dossier) == before, user

    client = page_for(people[right])
    response = post(people[right], client)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == dossier_url(dossier)
    after = Dossier.objects.get(pk=dossier.pk)
    assert after.version == before[1] + 1
    assert DossierEvent.objects.filter(dossier=dossier).count() == before[-1] + 1
    if check in State.values:
        assert after.state == check
    elif check.startswith("step"):
        assert (after.state, after.current_step.position) == ("in_progress", int(check[-1]))
    elif check == "note":
        event = DossierEvent.objects.filter(dossier=dossier).order_by("-seq").first()
        assert (event.action, event.note, after.state) == (
            "ask_supplement",
            "Giấy khai sinh",
            "in_progress",
        )
    elif check == "result_drafted":
        # A draft until approval: no e-result yet, nothing for the applicant.
        event = DossierEvent.objects.filter(dossier=dossier).order_by("-seq").first()
        assert (event.action, after.e_result) == ("result_drafted", False)
        assert after.documents.get(kind="result").name == "ket-qua.pdf"
    elif check == "apology":
        assert after.apology_appointment_at is not None
    # The page it leads to says what happened.
    html = client.get(response["Location"]).content.decode()
    assert '<p class="alert success" role="status">Đã ' in html


def test_the_counter_returns_the_result_from_its_own_page(walker, reception, specialist):
    dossier = walker.dossier_in(State.RESULT_READY)
    html = page_for(reception).get(dossier_url(dossier)).content.decode()
    assert f'href="/mot-cua/ho-so/{dossier.code}/tra-ket-qua/" data-testid="return-link"' in html
    assert 'data-testid="no-actions"' not in html
    html = page_for(specialist).get(dossier_url(dossier)).content.decode()
    assert 'data-testid="return-link"' not in html
    assert 'data-testid="no-actions"' in html


def test_forward_with_an_assignee(walker, specialist, agency):
    colleague = staff(Role.SPECIALIST, agency, username="chuyen_vien_b")
    dossier = to_step(walker, forward_at=[at(2, 10, 30)])
    client = page_for(specialist)
    html = client.get(dossier_url(dossier)).content.decode()
    assert f'<option value="{colleague.pk}">{colleague.full_name}</option>' in html
    response = client.post(
        dossier_url(dossier, "chuyen-buoc"),
        {"version": dossier.version, "assignee": walker.approver.pk},
    )
    assert response.status_code == 400
    assert "Người được giao không giữ vai trò của bước tiếp theo." in response.content.decode()
    response = client.post(
        dossier_url(dossier, "chuyen-buoc"),
        {"version": dossier.version, "assignee": colleague.pk, "note": "Anh xem giúp"},
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert (dossier.current_step.position, dossier.assignee_id) == (2, colleague.pk)
    assert codes_in(page_for(specialist).get(QUEUE).content.decode()) == []
    assert codes_in(page_for(colleague).get(QUEUE).content.decode()) == [dossier.code]


def test_bad_input_is_refused_with_a_message_and_nothing_changes(walker, specialist):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    client = page_for(specialist)
    before = snapshot(dossier)
    cases = [
        ("tra-lai", {"reason": "  "}, 400, "Phải ghi rõ lý do."),
        ("tam-dung", {"kind": "vui", "reason": "x"}, 400, "Loại tạm dừng không hợp lệ."),
        ("lien-thong", {"agency": "KHONG-CO"}, 400, "Không tìm thấy cơ quan “KHONG-CO”"),
        ("lien-thong", {"agency": "000.00.11.H99"}, 400, "đang giải quyết hồ sơ này"),
        ("ket-qua", {}, 400, "Phải chọn tệp kết quả."),
        ("phe-duyet", {}, 409, "Chỉ phê duyệt kết quả ở bước cuối"),
        ("tiep-tuc", {}, 409, "Không thể tiếp tục xử lý khi hồ sơ đang ở trạng thái “Đang xử lý”."),
    ]
    for slug, data, status, message in cases:
        response = client.post(dossier_url(dossier, slug), {**data, "version": dossier.version})
        assert response.status_code == status, (slug, response.content.decode()[:1500])
        assert message in response.content.decode(), slug
        assert snapshot(dossier) == before, slug
    response = client.post(
        dossier_url(dossier, "ket-qua"),
        {"version": dossier.version, "file": SimpleUploadedFile("a.pdf", b"MZ not a pdf")},
    )
    assert response.status_code == 400
    assert "không phải PDF, JPEG hoặc PNG" in response.content.decode()
    for version in ("", "abc", "-1"):
        response = client.post(dossier_url(dossier, "chuyen-buoc"), {"version": version})
        assert response.status_code == 400
        assert "phiên bản hồ sơ" in response.content.decode().lower()
    assert snapshot(dossier) == before


def test_two_officers_post_the_same_version(walker, specialist, agency):
    colleague = staff(Role.SPECIALIST, agency, username="chuyen_vien_b")
    dossier = walker.dossier_in(State.IN_PROGRESS)
    events = DossierEvent.objects.filter(dossier=dossier).count()
    body = {"version": dossier.version}
    first = page_for(specialist).post(dossier_url(dossier, "chuyen-buoc"), body)
    second = page_for(colleague).post(dossier_url(dossier, "tra-lai"), {**body, "reason": "x"})
    assert (first.status_code, second.status_code) == (302, 409)
    assert (
        f"Hồ sơ {dossier.code} vừa được người khác cập nhật. Vui lòng tải lại rồi thao tác lại."
        in second.content.decode()
    )
    assert DossierEvent.objects.filter(dossier=dossier).count() == events + 1
    dossier.refresh_from_db()
    assert (dossier.current_step.position, dossier.version) == (3, body["version"] + 1)


@pytest.mark.django_db(transaction=True)
def test_two_officers_at_the_same_moment(walker, specialist, agency):
    """Two threads, two connections, one version: one forward applies, the other is a 409."""
    colleague = staff(Role.SPECIALIST, agency, username="chuyen_vien_b")
    dossier = walker.dossier_in(State.IN_PROGRESS)
    events = DossierEvent.objects.filter(dossier=dossier).count()
    clients = [page_for(specialist), page_for(colleague)]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def run(client):
        try:
            barrier.wait()
            response = client.post(
                dossier_url(dossier, "chuyen-buoc"), {"version": dossier.version}
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [302, 409]
    assert DossierEvent.objects.filter(dossier=dossier).count() == events + 1
    assert DossierEvent.objects.filter(dossier=dossier, action="forward").count() == 3


def test_send_back_suspend_resume_and_transfer_round_trip(walker, specialist, partner_agency):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    client = page_for(specialist)

    def post(slug, **data):
        version = Dossier.objects.get(pk=dossier.pk).version
        response = client.post(dossier_url(dossier, slug), {**data, "version": version})
        assert response.status_code == 302, response.content.decode()[:2000]
        return Dossier.objects.get(pk=dossier.pk)

    assert post("tam-dung", kind="other", reason="Chờ xác minh").state == "suspended"
    assert post("tiep-tuc").state == "in_progress"
    assert post("lien-thong", agency=partner_agency.code).transfer_agency == partner_agency
    partner = staff(Role.SPECIALIST, partner_agency, username="chuyen_vien_tai_chinh")
    version = Dossier.objects.get(pk=dossier.pk).version
    response = page_for(partner).post(dossier_url(dossier, "nhan-lai"), {"version": version})
    assert response.status_code == 302
    after = post("tra-lai", reason="Cần thẩm định lại")
    assert (after.state, after.current_step.position, after.transfer_agency) == (
        "in_progress",
        1,
        None,
    )
    html = client.get(dossier_url(dossier)).content.decode()
    assert "Lý do: Cần thẩm định lại" not in html  # the reason is the note, shown once
    assert "Cần thẩm định lại" in html
    assert "Cơ quan nhận: Sở Tài chính thử nghiệm" in html
    assert "Nhận lại từ: Sở Tài chính thử nghiệm" in html


# --- the apology letter -----------------------------------------------------------------------


def test_apology_flow(walker, specialist):
    dossier = walker.dossier_in(State.IN_PROGRESS)  # due 05/03/2026: overdue today
    client = page_for(specialist)
    html = client.get(dossier_url(dossier)).content.decode()
    assert '<details open id="xin-loi">' in html
    assert 'data-testid="apology-pdf"' not in html
    before = snapshot(dossier)

    # Bad input: not a date; a date before now → a message, nothing written.
    for new_date, message in (
        ("31/02/2027", "Ngày hẹn phải có dạng dd/mm/yyyy"),
        ("01/03/2026", "Ngày hẹn mới phải sau hạn giải quyết ban đầu"),
    ):
        response = client.post(
            dossier_url(dossier, "xin-loi"),
            {"version": dossier.version, "new_date": new_date, "new_time": "16:00", "reason": "x"},
        )
        assert response.status_code == 400
        assert message in response.content.decode()
        assert snapshot(dossier) == before

    day = timezone.localdate() + timedelta(days=20)
    response = client.post(
        dossier_url(dossier, "xin-loi"),
        {
            "version": dossier.version,
            "new_date": f"{day:%d/%m/%Y}",
            "new_time": "15:30",
            "reason": "Chờ kết quả xác minh của công an xã",
        },
    )
    assert response.status_code == 302
    after = Dossier.objects.get(pk=dossier.pk)
    assert after.apology_appointment_at == datetime(day.year, day.month, day.day, 15, 30, tzinfo=TZ)
    assert after.due_at == dossier.due_at  # the index keeps the original due moment
    event = after.events.order_by("-seq").first()
    assert (event.action, event.note) == ("apology", "Chờ kết quả xác minh của công an xã")

    html = client.get(dossier_url(dossier)).content.decode()
    assert f'href="/ho-so/{dossier.code}/van-ban/apology.pdf"' in html
    assert f'data-testid="new-appointment">{day:%d/%m/%Y} 15:30<' in html
    pdf = client.get(f"/ho-so/{dossier.code}/van-ban/apology.pdf")
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")


def test_no_apology_form_for_a_finished_dossier(walker, specialist):
    dossier = walker.dossier_in(State.RESULT_READY)
    html = page_for(specialist).get(dossier_url(dossier)).content.decode()
    assert 'id="xin-loi"' not in html


# --- the agency's day -------------------------------------------------------------------------


def received_on(walker, moment: datetime, *, steps: int = 0, assignee=None) -> Dossier:
    dossier = walker.create(at=moment - timedelta(minutes=30))
    dossier = walker.act(dossier, Action.SUBMIT, at=moment - timedelta(minutes=15))
    dossier = walker.act(dossier, Action.RECEIVE, at=moment)
    for i in range(steps):
        extra = {"assignee": assignee.pk} if assignee and i == steps - 1 else {}
        dossier = walker.act(dossier, Action.FORWARD, at=moment + timedelta(minutes=5 + i), **extra)
    return Dossier.objects.get(pk=dossier.pk)


@pytest.fixture
def day_world(walker, specialist, clock):
    """Tuesday 2026-03-03 14:00 at the agency."""
    world = {
        # received today, at the counter still
        "today": received_on(walker, at(3, 9)),
        # received Thursday 26/02 16:00: due today 16:00; at step 1, assigned to the specialist
        "due_today": received_on(walker, at(26, 16, month=2), steps=1, assignee=specialist),
        # received Wednesday 25/02 10:00: due Monday 02/03 10:00; at step 1, unassigned
        "overdue": received_on(walker, at(25, 10, month=2), steps=1),
        # received the same moment but suspended on Friday, before its due moment: not late
        "paused": received_on(walker, at(25, 10, month=2), steps=1),
    }
    walker.act(world["paused"], Action.SUSPEND, at=at(27, 9, month=2))
    assert world["due_today"].due_at == at(3, 16)
    assert world["overdue"].due_at == at(2, 10)
    clock(at(3, 14))
    return world


def test_agency_day(day_world, reception, agency, specialist):
    w = day_world
    client = page_for(reception)
    response = client.get(TODAY, {"agency": agency.code})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Công việc hôm nay, 03/03/2026" in html
    totals = dict(re.findall(r'data-testid="total-(\w+)">(\d+)<', html))
    assert totals == {"received": "1", "due_today": "1", "overdue": "1"}
    overdue = html[html.index('data-testid="section-overdue"') :]
    assert "Thẩm định" in overdue
    assert '<tr data-officer="none"><td>Chưa phân công</td>' in overdue
    due = html[html.index('data-testid="section-due_today"') : html.index("section-overdue")]
    assert f'<tr data-officer="{specialist.pk}"><td>{specialist.full_name}</td>' in due
    received = html[html.index('data-testid="section-received"') : html.index("section-due")]
    assert "Đã tiếp nhận" in received

    # The lists behind the numbers link to the dossiers.
    listing = client.get(TODAY, {"agency": agency.code, "section": "overdue"}).content.decode()
    assert codes_in(listing) == [w["overdue"].code]
    assert f'href="/mot-cua/xu-ly/{w["overdue"].code}/"' in listing
    by_officer = client.get(
        TODAY, {"agency": agency.code, "section": "due_today", "officer": specialist.pk}
    ).content.decode()
    assert codes_in(by_officer) == [w["due_today"].code]
    by_state = client.get(
        TODAY, {"agency": agency.code, "section": "received", "state": "received"}
    ).content.decode()
    assert codes_in(by_state) == [w["today"].code]
    by_step = client.get(
        TODAY, {"agency": agency.code, "section": "overdue", "step": "Thẩm định"}
    ).content.decode()
    assert codes_in(by_step) == [w["overdue"].code]
    # Without ?agency= the user's own agency is shown.
    assert client.get(TODAY).content.decode().count('data-testid="total-') == 3


def test_agency_day_access_and_bad_input(day_world, agency, other_agency, citizen, reception):
    response = page_for(None).get(TODAY, {"agency": agency.code})
    assert response.status_code == 302
    assert page_for(citizen).get(TODAY, {"agency": agency.code}).status_code == 403
    outsider = staff(Role.RECEPTION, other_agency, username="mot_cua_khac")
    response = page_for(outsider).get(TODAY, {"agency": agency.code})
    assert response.status_code == 403
    assert "Bạn không phải cán bộ của Sở Tư pháp thử nghiệm" in response.content.decode()
    client = page_for(reception)
    assert client.get(TODAY, {"agency": "KHONG-CO"}).status_code == 404
    for params in ({"section": "xyz"}, {"section": "overdue", "officer": "abc"}, {"state": "?"}):
        response = client.get(TODAY, {"agency": agency.code, **params})
        assert response.status_code == 400, params
        assert "không hợp lệ" in response.content.decode()
    leader_above = staff(Role.LEADER, other_agency, username="lanh_dao_khac")
    agency.parent = other_agency
    agency.save(update_fields=["parent"])
    assert page_for(leader_above).get(TODAY, {"agency": agency.code}).status_code == 200
