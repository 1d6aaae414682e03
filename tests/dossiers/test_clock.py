"""Derived clock and workflow fields written by the transitions (§5, §6)."""

from __future__ import annotations

from datetime import datetime

import pytest

from motcua.core.errors import TransitionNotAllowed, ValidationFailed
from motcua.core.worktime import TZ
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, State

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def received(walker, when: datetime) -> Dossier:
    dossier = walker.create(at=when)
    dossier = walker.act(dossier, Action.SUBMIT, at=when)
    return walker.act(dossier, Action.RECEIVE, at=when)


def test_reception_issues_the_code_and_the_due_moment(walker):
    # Fri 13/02/2026 16:30 + 3 d over Tết (16–20/02) → Wed 25/02 16:30 (§5's example).
    dossier = received(walker, at(13, 16, 30, month=2))
    assert dossier.code == "000.00.11.H99-260213-0001"
    assert dossier.received_at == at(13, 16, 30, month=2)
    assert dossier.due_at == at(25, 16, 30, month=2)


def test_codes_count_per_agency_per_day(walker):
    first = received(walker, at(2, 9))
    second = received(walker, at(2, 10))
    next_day = received(walker, at(3, 9))
    assert [first.code, second.code, next_day.code] == [
        "000.00.11.H99-260302-0001",
        "000.00.11.H99-260302-0002",
        "000.00.11.H99-260303-0001",
    ]


def test_the_day_of_the_code_is_the_local_day(walker):
    # 23:30 UTC on 2 March is 06:30 on 3 March in Hà Nội: the code carries 260303.
    dossier = received(walker, datetime.fromisoformat("2026-03-02T23:30:00+00:00"))
    assert dossier.code.endswith("-260303-0001")


def test_forward_enters_the_first_step_with_its_share_of_the_time_limit(walker):
    dossier = received(walker, at(2, 9))  # due Thu 05/03 09:00 (3 d)
    dossier = walker.act(dossier, Action.FORWARD, at=at(2, 9, 30))
    assert dossier.state == State.IN_PROGRESS
    assert dossier.current_step.position == 1
    # 50 % of 24 h = 12 h from Mon 09:30: Mon 2 h + 4 h, Tue 07:30–11:30 4 h, then 2 h → 15:00.
    assert dossier.step_due_at == at(3, 15, 0)
    assert dossier.assignee is None
    dossier = walker.act(dossier, Action.FORWARD, at=at(3, 8))
    assert dossier.current_step.position == 2
    # 20 % of 24 h = 4.8 h from Tue 08:00 → 11:30 is 3.5 h, then 1.3 h from 13:00 → 14:18.
    assert dossier.step_due_at == at(3, 14, 18)


def test_forward_can_name_the_assignee_who_then_holds_the_step(walker, specialist):
    dossier = received(walker, at(2, 9))
    dossier = walker.act(dossier, Action.FORWARD, at=at(2, 9, 30), assignee=specialist.pk)
    assert dossier.assignee == specialist


def test_forward_refuses_an_assignee_without_the_step_role(walker, approver):
    dossier = received(walker, at(2, 9))
    with pytest.raises(ValidationFailed):
        walker.act(dossier, Action.FORWARD, at=at(2, 9, 30), assignee=approver.pk)
    assert Dossier.objects.get(pk=dossier.pk).state == State.RECEIVED


def test_send_back_returns_to_the_previous_step(walker):
    dossier = received(walker, at(2, 9))
    dossier = walker.act(dossier, Action.FORWARD, at=at(2, 9, 30))
    with pytest.raises(TransitionNotAllowed):
        walker.act(dossier, Action.SEND_BACK, at=at(2, 10))
    dossier = walker.act(dossier, Action.FORWARD, at=at(2, 10))
    dossier = walker.act(dossier, Action.SEND_BACK, at=at(2, 11))
    assert dossier.current_step.position == 1


def test_approve_only_at_the_last_step_and_forward_not_past_it(walker):
    dossier = received(walker, at(2, 9))
    dossier = walker.act(dossier, Action.FORWARD, at=at(2, 9, 30))
    with pytest.raises(TransitionNotAllowed):
        walker.act(dossier, Action.APPROVE, at=at(2, 10))
    dossier = walker.act(dossier, Action.FORWARD, at=at(2, 10))
    dossier = walker.act(dossier, Action.FORWARD, at=at(2, 11))
    with pytest.raises(TransitionNotAllowed):
        walker.act(dossier, Action.FORWARD, at=at(2, 14))
    dossier = walker.act(dossier, Action.APPROVE, at=at(2, 15))
    assert (dossier.state, dossier.finished_at, dossier.current_step) == (
        State.RESULT_READY,
        at(2, 15),
        None,
    )
    dossier = walker.act(dossier, Action.RETURN, at=at(3, 8), method="post")
    assert (dossier.state, dossier.returned_at) == (State.RETURNED, at(3, 8))


def test_suspension_moves_the_due_moment_by_the_paused_working_time(walker):
    dossier = received(walker, at(2, 9))  # due Thu 05/03 09:00
    dossier = walker.act(dossier, Action.FORWARD, at=at(2, 9, 30))
    dossier = walker.act(dossier, Action.SUSPEND, at=at(2, 16))
    assert dossier.suspend_kind == "other"
    # Paused Mon 16:00 → Tue 10:00: 1 h on Monday + 2.5 h on Tuesday = 3.5 working hours.
    dossier = walker.act(dossier, Action.RESUME, at=at(3, 10))
    assert dossier.state == State.IN_PROGRESS
    assert dossier.due_at == at(5, 14, 0)  # Thu 09:00 + 3.5 h: 11:30 is 2.5 h, then 13:00 + 1 h
    assert dossier.supplement_count == 0


def test_a_supplement_after_reception_pauses_the_clock_and_is_counted(walker):
    dossier = received(walker, at(2, 9))
    dossier = walker.act(dossier, Action.FORWARD, at=at(2, 9, 30))
    dossier = walker.act(
        dossier,
        Action.REQUEST_SUPPLEMENT,
        at=at(2, 10),
        supplement_due_at="2026-03-16T17:00:00+07:00",
    )
    assert dossier.supplement_count == 1
    assert dossier.supplement_due_at == at(16, 17)
    # Paused Mon 10:00 → Wed 10:00 = 5.5 + 8 + 2.5 = 16 working hours. Due Thu 05/03 09:00
    # + 16 h: Thu 6.5 h, Fri 8 h, then 1.5 h from Mon 09/03 07:30 → 09:00.
    dossier = walker.act(dossier, Action.PROVIDE_SUPPLEMENT, at=at(4, 10))
    assert (dossier.state, dossier.due_at) == (State.IN_PROGRESS, at(9, 9))
    assert dossier.current_step.position == 1


def test_a_supplement_before_reception_neither_pauses_nor_counts(walker):
    dossier = walker.create(at=at(2, 8))
    dossier = walker.act(dossier, Action.SUBMIT, at=at(2, 8))
    dossier = walker.act(dossier, Action.REQUEST_SUPPLEMENT, at=at(2, 9))
    dossier = walker.act(dossier, Action.PROVIDE_SUPPLEMENT, at=at(3, 9))
    assert (dossier.state, dossier.supplement_count, dossier.due_at) == (State.SUBMITTED, 0, None)


def test_transfer_goes_to_another_agency_and_comes_back(walker, partner_agency):
    dossier = received(walker, at(2, 9))
    dossier = walker.act(dossier, Action.FORWARD, at=at(2, 9, 30))
    dossier = walker.act(dossier, Action.TRANSFER, at=at(2, 10))
    assert (dossier.state, dossier.transfer_agency) == (State.TRANSFERRED, partner_agency)
    dossier = walker.act(dossier, Action.TRANSFER_BACK, at=at(3, 10))
    assert (dossier.state, dossier.transfer_agency) == (State.IN_PROGRESS, None)


def test_transfer_to_its_own_agency_is_refused(walker, agency):
    dossier = received(walker, at(2, 9))
    dossier = walker.act(dossier, Action.FORWARD, at=at(2, 9, 30))
    with pytest.raises(ValidationFailed):
        walker.act(dossier, Action.TRANSFER, at=at(2, 10), agency=agency.code)


def test_refusal_after_processing_is_finished_and_needs_a_reason(walker):
    dossier = received(walker, at(2, 9))
    dossier = walker.act(dossier, Action.FORWARD, at=at(2, 9, 30))
    with pytest.raises(ValidationFailed):
        walker.act(dossier, Action.REFUSE, at=at(2, 10), reason="")
    dossier = walker.act(dossier, Action.REFUSE, at=at(2, 10))
    assert (dossier.state, dossier.refused_stage, dossier.finished_at) == (
        State.REFUSED,
        "processing",
        at(2, 10),
    )


def test_refusal_at_reception_is_not_a_finished_dossier(walker):
    dossier = walker.create(at=at(2, 8))
    dossier = walker.act(dossier, Action.SUBMIT, at=at(2, 8))
    dossier = walker.act(dossier, Action.REFUSE, at=at(2, 9))
    assert (dossier.refused_stage, dossier.finished_at, dossier.code) == ("reception", None, None)


def test_a_moment_before_the_last_event_is_refused(walker):
    dossier = walker.create(at=at(2, 9))
    with pytest.raises(ValidationFailed):
        walker.act(dossier, Action.SUBMIT, at=at(2, 8))
    assert Dossier.objects.get(pk=dossier.pk).state == State.DRAFT


def test_a_procedure_without_time_limit_has_no_due_moment(walker, three_step_procedure):
    three_step_procedure.time_limit = None
    three_step_procedure.save()
    dossier = received(walker, at(2, 9))
    assert dossier.due_at is None
    dossier = walker.act(dossier, Action.FORWARD, at=at(2, 9, 30))
    assert dossier.step_due_at is None
