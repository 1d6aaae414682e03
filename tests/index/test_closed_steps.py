"""Closed workflow steps are timed once, when the dossier leaves them (`index.steps`), and the
officer lines sum them instead of walking every event of the period.

- A transition stores each step the dossier has left, with its working time, budget and
  holder, and marks the dossier's window timed.
- `officer_lines_in_period` (stored steps summed in SQL, open ones walked) gives what the walk
  over every dossier gives, for two agencies, open and closed steps, late and on-time
  dossiers.
- An event written outside the lifecycle (an import, a shell) makes the trigger forget the
  dossier's stored steps, so the pages walk it; `motcua index_rebuild` times it again.

Runs on SQLite and, behind scripts/with-postgres.sh, on PostgreSQL (the trigger differs).
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from motcua.directory.models import Role
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.index.drilldown import (
    count_delayed,
    officer_lines,
    officer_lines_in_period,
    steps_in_period,
)
from motcua.index.engine import Period
from motcua.index.models import ClosedStep, StepDay, StepWindow
from motcua.index.steps import steps_rebuild
from tests.dossiers.conftest import Walker
from tests.factories import AgencyFactory, ProcedureFactory, staff
from tests.index.test_drilldown import Scenario, _received, at, build_scenario

pytestmark = pytest.mark.django_db

MARCH = Period(at(1, 0).date(), at(31, 0).date())
MINUTE = 60_000_000  # microseconds


@pytest.fixture
def s() -> Scenario:
    return build_scenario()


def _stored(dossier_id: int) -> list[tuple]:
    return list(
        ClosedStep.objects.filter(dossier_id=dossier_id)
        .order_by("started_at")
        .values_list("holder_id", "started_at", "ended_at", "worked", "budget", "over")
    )


def _lines(lines) -> list[tuple]:
    return [
        (line.officer, line.step_count, line.over_count, line.over_total, line.delayed_count)
        for line in lines
    ]


def _fast(scope: set[int], period, *, now):
    """The lines as the pages read them, every line's overdue dossiers counted."""
    lines = officer_lines_in_period(scope, period, now=now)
    count_delayed(lines, scope, period, now=now)
    return lines


def test_a_transition_stores_each_step_the_dossier_left_with_its_working_time(s):
    assert _stored(s.late.pk) == [
        # Thẩm định: Mon 09:30 → Thu 10:00, 1,470 working minutes less the 480 suspended.
        (s.slow.pk, at(2, 9, 30), at(5, 10, 0), 990 * MINUTE, 720 * MINUTE, 270 * MINUTE),
        # Trình ký: not assigned, so held by who forwarded it on.
        (s.quick.pk, at(5, 10, 0), at(5, 13, 0), 90 * MINUTE, 288 * MINUTE, 0),
        (s.approver.pk, at(5, 13, 0), at(6, 10, 0), 390 * MINUTE, 432 * MINUTE, 0),
    ]
    # Each dossier has left its workflow: whether it is late can no longer change.
    assert dict(ClosedStep.objects.values_list("dossier_id", "late").distinct()) == {
        s.late.pk: True,
        s.on_time.pk: False,
        s.twice.pk: True,  # two supplement requests after reception
    }
    assert set(ClosedStep.objects.values_list("agency_id", flat=True)) == {s.agency.pk}
    assert ClosedStep.objects.count() == 9
    assert StepWindow.objects.filter(timed_at__isnull=True).count() == 0


def _second_agency(s: Scenario):
    """Another agency of the province, its own officer, one dossier late at its only step
    and one still open there."""
    other = AgencyFactory(code="000.00.12.H99", name="Sở Xây dựng thử nghiệm", parent=s.city)
    procedure = ProcedureFactory(
        code="1.009999",
        name="Cấp giấy phép xây dựng",
        time_limit="1 d",
        agencies=[other],
        workflow=[("Thẩm định hồ sơ xây dựng", Role.SPECIALIST, 100)],
    )
    builder = staff(Role.SPECIALIST, other, username="cv_xd", full_name="Đỗ Văn Xây")
    walker = Walker(
        citizen=s.citizen,
        reception=staff(Role.RECEPTION, other, username="tn_xd"),
        specialist=builder,
        approver=staff(Role.APPROVER, other, username="pd_xd"),
        procedure=procedure,
        agency=other,
    )
    late = walker.create(at=at(9, 8, 0))
    late = walker.act(late, Action.SUBMIT, at=at(9, 8, 10))
    late = walker.act(late, Action.RECEIVE, at=at(9, 8, 20))
    late = walker.act(late, Action.FORWARD, at=at(9, 8, 30), assignee=builder)
    late = walker.act(late, Action.APPROVE, actor=builder, at=at(11, 9, 0))
    assert list(ClosedStep.objects.filter(dossier_id=late.pk).values_list("late")) == [(True,)]
    still = walker.create(at=at(12, 8, 0))
    still = walker.act(still, Action.SUBMIT, at=at(12, 8, 10))
    still = walker.act(still, Action.RECEIVE, at=at(12, 8, 20))
    still = walker.act(still, Action.FORWARD, at=at(12, 8, 30), assignee=builder)
    return other, builder, late, still


def test_the_stored_lines_equal_the_walk_for_each_agency_and_the_province(s):
    other, builder, late, still = _second_agency(s)
    now = at(13, 9, 0)
    for scope in ({s.agency.pk}, {other.pk}, {s.city.pk, s.agency.pk, other.pk}):
        fast = _fast(scope, MARCH, now=now)
        walked = officer_lines(steps_in_period(scope, MARCH, now=now, windows=False), now=now)
        assert _lines(fast) == _lines(walked)
    lines = _fast({other.pk}, MARCH, now=now)
    # One step of 16 h 30 min against its 8-hour budget (Mon 08:30 → Wed 09:00), one still
    # open for 8 h 30 min (Thu 08:30 → Fri 09:00): 9 hours over in all; the open dossier is
    # overdue too (due Fri 08:20).
    assert _lines(lines) == [(builder, 2, 2, timedelta(hours=9), 2)]
    # The late dossier left its workflow: counted in SQL; the open one is read by key.
    assert (lines[0].stored_delayed, set(lines[0].delayed)) == (1, {still.pk})
    walked = officer_lines(steps_in_period({other.pk}, MARCH, now=now, windows=False), now=now)
    assert set(walked[0].delayed) == {late.pk, still.pk}
    assert [(str(line.officer), line.step_count) for line in _province(s, other, now)] == [
        ("Đỗ Văn Xây", 2),
        ("Trần Văn Chậm", 3),
        ("Hoàng Đức Long", 3),
        ("Phạm Thị Nhanh", 3),
    ]


def test_open_steps_either_side_of_their_bound_are_counted_as_the_walk_counts_them(s):
    """The officer lines time only the open steps started before their bound (the first
    moment from which a step cannot have worked past its budget by now) and count the rest
    in SQL: steps over by a minute, exactly at their budget and after the bound, at two
    agencies whose steps have different budgets, give the walk's lines."""
    other, builder, _late, _still = _second_agency(s)  # its open step: Thu 08:30, 480 min
    # Thẩm định's budget is 720 working minutes: at Fri 13/03 09:00 its bound is Wed 14:30,
    # and a step started before is over it.
    for day, hour, minute in ((11, 13, 0), (11, 14, 29), (11, 14, 30), (11, 16, 0), (12, 7, 30)):
        dossier = _received(s, at(day, hour, minute) - timedelta(minutes=10))
        s.walker.act(dossier, Action.FORWARD, at=at(day, hour, minute), assignee=s.slow)
    week = Period(at(9, 0).date(), at(13, 0).date())
    now = at(13, 9, 0)
    for scope in ({s.agency.pk}, {other.pk}, {s.city.pk, s.agency.pk, other.pk}):
        lines = officer_lines_in_period(scope, week, now=now)
        count_delayed(lines, scope, week, now=now)
        walked = officer_lines(steps_in_period(scope, week, now=now, windows=False), now=now)
        assert _lines(lines) == _lines(walked)
    # Over by 90 minutes and by one; Đỗ Văn Xây's closed step 8 h 30 min over and his open
    # one 30 minutes; none of Trần Văn Chậm's dossiers is due yet.
    assert _lines(lines) == [
        (builder, 2, 2, timedelta(hours=9), 2),
        (s.slow, 5, 2, timedelta(minutes=91), 0),
    ]


def _province(s: Scenario, other, now):
    return _fast({s.city.pk, s.agency.pk, other.pk}, MARCH, now=now)


def test_the_responsibility_page_reads_the_stored_steps(client, s):
    _second_agency(s)
    client.force_login(s.leader)
    response = client.get(
        "/chi-so/trach-nhiem/", {"agency": s.city.code, "from": "2026-03-01", "to": "2026-03-31"}
    )
    assert response.status_code == 200
    ranked = [
        (str(line.officer), line.step_count, line.over_count, line.delayed_count)
        for line in response.context["officers"]
    ]
    assert ranked == [
        ("Đỗ Văn Xây", 2, 2, 2),
        ("Trần Văn Chậm", 3, 1, 1),
        ("Hoàng Đức Long", 3, 0, 0),
        ("Phạm Thị Nhanh", 3, 0, 0),
    ]
    assert response.context["totals"] == {"officers": 4, "steps": 11, "over": 3}


def _send_back_outside_the_lifecycle(s: Scenario) -> None:
    """A send-back of the late dossier written by an import or a shell, not by a transition:
    nothing times it."""
    DossierEvent.objects.create(
        dossier=s.late,
        seq=99,
        at=at(6, 11, 0),
        action="send_back",
        actor=s.approver,
        to_state="in_progress",
        payload={"step": 1, "assignee_id": s.slow.pk},
    )


def test_an_event_written_outside_the_lifecycle_forgets_the_stored_steps(s):
    now = timezone.now()
    before = _lines(_fast({s.agency.pk}, MARCH, now=now))
    kept = _stored(s.on_time.pk)
    _send_back_outside_the_lifecycle(s)
    assert _stored(s.late.pk) == []
    assert StepWindow.objects.get(dossier_id=s.late.pk).timed_at is None
    assert _stored(s.on_time.pk) == kept  # other dossiers keep theirs
    walked = officer_lines(steps_in_period({s.agency.pk}, MARCH, now=now, windows=False), now=now)
    fast = _fast({s.agency.pk}, MARCH, now=now)
    assert _lines(fast) == _lines(walked) != before  # the late dossier is walked again
    # The send-back opened a step in a dossier already finished: a rebuild leaves it to the
    # walk (its three closed steps unstored) and times the others again.
    assert steps_rebuild() == 6
    assert _stored(s.late.pk) == []
    untimed = StepWindow.objects.filter(timed_at__isnull=True).values_list("dossier_id")
    assert list(untimed) == [(s.late.pk,)]
    assert _lines(_fast({s.agency.pk}, MARCH, now=now)) == _lines(walked)


def test_index_rebuild_times_every_dossier_again(s):
    expected = sorted(ClosedStep.objects.values_list("dossier_id", "step_id", "worked", "over"))
    ClosedStep.objects.all().delete()
    StepWindow.objects.update(timed_at=None)
    out = StringIO()
    call_command("index_rebuild", stdout=out)
    assert "và 9 bước xử lý đã xong" in out.getvalue()
    found = sorted(ClosedStep.objects.values_list("dossier_id", "step_id", "worked", "over"))
    assert found == expected


def test_a_dossier_still_inside_its_workflow_is_found_late_when_it_becomes_late(s):
    """Its closed step is stored without a lateness (`late` None); the officer lines read it
    from the dossier, so the same step delays a dossier once it is past due."""
    dossier = _received(s, at(9, 8, 0))  # due Thu 12/03 08:00
    dossier = s.walker.act(dossier, Action.FORWARD, at=at(9, 8, 10), assignee=s.slow)
    s.walker.act(dossier, Action.FORWARD, actor=s.slow, at=at(11, 17, 0))
    # Mon 08:10 → Wed 17:00: 1,400 working minutes against Thẩm định's 720.
    assert _stored(dossier.pk) == [
        (s.slow.pk, at(9, 8, 10), at(11, 17, 0), 1400 * MINUTE, 720 * MINUTE, 680 * MINUTE)
    ]
    assert ClosedStep.objects.get(dossier_id=dossier.pk).late is None
    for now, delayed in ((at(11, 17, 30), False), (at(13, 9, 0), True)):
        fast = _fast({s.agency.pk}, MARCH, now=now)
        walked = officer_lines(
            steps_in_period({s.agency.pk}, MARCH, now=now, windows=False), now=now
        )
        assert _lines(fast) == _lines(walked)
        slow = next(line for line in fast if line.officer == s.slow)
        assert (dossier.pk in slow.delayed) is delayed


def _days() -> dict[tuple, tuple]:
    """`StepDay` without the rows fallen to zero."""
    fields = ("ended_steps", "ended_over_steps", "ended_over")
    fields += ("started_steps", "started_over_steps", "started_over")
    rows = StepDay.objects.values_list("agency_id", "holder_id", "day", *fields)
    return {tuple(row[:3]): tuple(row[3:]) for row in rows if any(row[3:])}


def _recount() -> dict[tuple, tuple]:
    """What `StepDay` should hold: the stored steps by the local day they ended and the local
    day they started."""
    days: dict[tuple, list[int]] = {}
    for agency, holder, started, ended, over in ClosedStep.objects.values_list(
        "agency_id", "holder_id", "started_at", "ended_at", "over"
    ):
        for day, first in ((timezone.localdate(ended), 0), (timezone.localdate(started), 3)):
            sums = days.setdefault((agency, holder or 0, day), [0] * 6)
            sums[first] += 1
            sums[first + 1] += 1 if over > 0 else 0
            sums[first + 2] += over
    return {key: tuple(sums) for key, sums in days.items()}


def test_the_days_follow_every_writer_of_the_stored_steps(s):
    other, builder, _late, _still = _second_agency(s)
    assert len(_days()) > 4
    assert _days() == _recount()
    # A step that ends after local midnight counts on that local day (UTC is 7 hours behind).
    late_step = ClosedStep.objects.get(agency_id=other.pk)
    assert _days()[(other.pk, builder.pk, timezone.localdate(late_step.ended_at))][:3] == (
        1,
        1,
        late_step.over,
    )
    # The event trigger forgets a dossier's steps; a rebuild stores them again.
    _send_back_outside_the_lifecycle(s)
    assert _days() == _recount()
    steps_rebuild()
    assert _days() == _recount()
    # A bulk update (a shell, a repair) moves the sums from one holder to another.
    ClosedStep.objects.filter(holder_id=s.slow.pk).update(holder_id=None)
    assert _days() == _recount()
    assert any(holder == 0 for _agency, holder, _day in _days())
    ClosedStep.objects.all().delete()
    assert _days() == {}
    # The days emptied before the steps (a flush takes the tables in any order): taking the
    # steps away leaves no row behind.
    steps_rebuild()
    StepDay.objects.all().delete()
    ClosedStep.objects.all().delete()
    assert StepDay.objects.count() == 0


@pytest.mark.parametrize(
    "first, last",
    [(1, 31), (2, 4), (5, 5), (6, 6), (1, 5), (6, 12), (10, 11), (12, 31), (3, 3)],
)
def test_periods_cutting_through_steps_give_the_walk(s, first, last):
    """The stored sums of a period are the steps ended on or after its first day less those
    started after its last day: periods that begin or end inside steps give the walk."""
    other, *_ = _second_agency(s)
    now = at(13, 9, 0)
    period = Period(at(first, 0).date(), at(last, 0).date())
    scope = {s.city.pk, s.agency.pk, other.pk}
    fast = _fast(scope, period, now=now)
    walked = officer_lines(steps_in_period(scope, period, now=now, windows=False), now=now)
    assert _lines(fast) == _lines(walked)


def _open(dossier_id: int) -> tuple:
    window = StepWindow.objects.get(dossier_id=dossier_id)
    return (
        window.timed_at is not None,
        window.last_at,
        window.open_position,
        window.open_assignee_id,
        window.open_paused,
        window.open_pause_since,
    )


def test_the_step_a_dossier_is_in_is_kept_on_its_window_with_its_pauses(s):
    """The pages time an open step from its window, not its events: the pauses already over
    inside it are kept in working time, a pause still running by its start."""
    dossier = _received(s, at(9, 8, 0))
    dossier = s.walker.act(dossier, Action.FORWARD, at=at(9, 8, 10), assignee=s.slow)
    assert _open(dossier.pk) == (True, at(9, 8, 10), 1, s.slow.pk, 0, None)
    # Its procedure too: the officer lines find its budget from the window alone.
    window = StepWindow.objects.get(dossier_id=dossier.pk)
    assert window.open_procedure_id == dossier.procedure_id
    dossier = s.walker.act(dossier, Action.SUSPEND, at=at(9, 9, 0), reason="Chờ xác minh.")
    assert _open(dossier.pk) == (True, at(9, 8, 10), 1, s.slow.pk, 0, at(9, 9, 0))
    dossier = s.walker.act(dossier, Action.RESUME, actor=s.slow, at=at(9, 10, 0))
    assert _open(dossier.pk) == (True, at(9, 8, 10), 1, s.slow.pk, 60 * MINUTE, None)
    dossier = s.walker.act(dossier, Action.SUSPEND, at=at(10, 14, 0), reason="Chờ ý kiến.")
    assert _open(dossier.pk) == (True, at(9, 8, 10), 1, s.slow.pk, 60 * MINUTE, at(10, 14, 0))
    for now in (at(10, 13, 0), at(10, 15, 30), at(13, 9, 0)):
        fast = _fast({s.agency.pk}, MARCH, now=now)
        walked = officer_lines(
            steps_in_period({s.agency.pk}, MARCH, now=now, windows=False), now=now
        )
        assert _lines(fast) == _lines(walked)
    [step] = [
        segment
        for segment in steps_in_period({s.agency.pk}, MARCH, now=at(13, 9, 0))
        if segment.dossier.pk == dossier.pk
    ]
    # Office hours 07:30–11:30, 13:00–17:00. Worked: Mon 08:10 → Tue 14:00 (740 minutes)
    # less the hour suspended on Monday. Paused: that hour, and Tue 14:00 → Fri 09:00 (1,230).
    assert (step.is_open, step.holder, step.budget) == (True, s.slow, timedelta(minutes=720))
    assert (step.worked, step.paused) == (timedelta(minutes=680), timedelta(minutes=1290))


def test_an_imported_end_leaves_the_dossier_to_the_walk(s):
    """`import-dossiers` finishing a dossier whose step is still open (its `import_update`)
    makes the trigger forget the timing, and a rebuild leaves it untimed: the officer lines
    count a timed open window without reading its dossier, and this one has ended."""
    dossier = _received(s, at(9, 8, 0))
    dossier = s.walker.act(dossier, Action.FORWARD, at=at(9, 8, 10), assignee=s.slow)
    assert _open(dossier.pk)[0] is True
    Dossier.objects.filter(pk=dossier.pk).update(
        state="returned", finished_at=at(10, 9, 0), closed_at=at(10, 9, 0)
    )
    DossierEvent.objects.create(
        dossier=dossier, seq=99, at=at(10, 9, 0), action="import_update", payload={}
    )
    now = at(13, 9, 0)
    after = Period(at(11, 0).date(), at(31, 0).date())  # begins after it was finished
    for timed in (False, True):  # as the import left it, then after a rebuild
        assert _open(dossier.pk)[0] is False
        for period in (MARCH, after):
            scope = {s.agency.pk}
            walked = officer_lines(steps_in_period(scope, period, now=now, windows=False), now=now)
            assert _lines(_fast(scope, period, now=now)) == _lines(walked), (timed, period)
        steps_rebuild()


def test_a_clock_event_written_outside_the_lifecycle_forgets_the_timing(s):
    dossier = _received(s, at(9, 8, 0))
    dossier = s.walker.act(dossier, Action.FORWARD, at=at(9, 8, 10), assignee=s.slow)
    dossier = s.walker.act(dossier, Action.FORWARD, actor=s.slow, at=at(9, 15, 0))
    assert len(_stored(dossier.pk)) == 1
    DossierEvent.objects.create(
        dossier=dossier,
        seq=99,
        at=at(10, 9, 0),
        action="suspend",
        actor=s.quick,
        to_state="suspended",
        payload={"reason": "Nhập từ hệ thống khác."},
    )
    assert _stored(dossier.pk) == []
    assert _open(dossier.pk)[0] is False
    now = at(13, 9, 0)
    walked = officer_lines(steps_in_period({s.agency.pk}, MARCH, now=now, windows=False), now=now)
    assert _lines(_fast({s.agency.pk}, MARCH, now=now)) == _lines(walked)
    steps_rebuild()
    assert len(_stored(dossier.pk)) == 1
    assert _open(dossier.pk)[0] is True
    assert _open(dossier.pk)[5] == at(10, 9, 0)
    assert _lines(_fast({s.agency.pk}, MARCH, now=now)) == _lines(walked)
