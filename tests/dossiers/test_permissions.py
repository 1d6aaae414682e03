"""Who may act (§1): anonymous, another citizen, staff of another agency, staff without the
role, and the right person — every denial leaves the dossier and its events unchanged."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from motcua.core.errors import PermissionDenied
from motcua.directory.models import Role
from motcua.dossiers.lifecycle import ALLOWED, Action, Refusal, allowed_actions, dossier_permissions
from motcua.dossiers.models import Dossier, DossierEvent, State
from tests.factories import CitizenFactory, staff

pytestmark = pytest.mark.django_db

# (state, extra forwards to reach the step, action, the right person, staff without the role)
CASES = [
    (State.DRAFT, 0, Action.SUBMIT, "citizen", "reception"),
    (State.SUBMITTED, 0, Action.RECEIVE, "reception", "specialist"),
    (State.SUBMITTED, 0, Action.REFUSE, "reception", "approver"),
    (State.SUBMITTED, 0, Action.WITHDRAW, "citizen", "specialist"),
    (State.RECEIVED, 0, Action.FORWARD, "reception", "specialist"),
    (State.IN_PROGRESS, 0, Action.FORWARD, "specialist", "approver"),
    (State.IN_PROGRESS, 0, Action.SUSPEND, "specialist", "reception"),
    (State.IN_PROGRESS, 0, Action.REQUEST_SUPPLEMENT, "reception", "specialist"),
    (State.IN_PROGRESS, 1, Action.APPROVE, "approver", "specialist"),
    (State.SUSPENDED, 0, Action.RESUME, "specialist", "reception"),
    (State.SUPPLEMENT_REQUESTED, 0, Action.PROVIDE_SUPPLEMENT, "citizen", "specialist"),
    (State.TRANSFERRED, 0, Action.TRANSFER_BACK, "specialist", "reception"),
    (State.RESULT_READY, 0, Action.RETURN, "reception", "approver"),
]
IDS = [f"{state}-{action}" for state, _, action, _, _ in CASES]


@pytest.fixture
def outsiders(other_agency):
    outsider = staff(Role.RECEPTION, other_agency, username="ngoai_co_quan")
    for role in (Role.SPECIALIST, Role.APPROVER, Role.LEADER):
        outsider.staff_roles.create(agency=other_agency, role=role)
    return {
        "anonymous": AnonymousUser(),
        "nobody": None,
        "another citizen": CitizenFactory(username="046090000999", personal_id="046090000999"),
        "staff of another agency": outsider,
    }


def snapshot(dossier: Dossier) -> tuple:
    fresh = Dossier.objects.get(pk=dossier.pk)
    return (
        fresh.state,
        fresh.version,
        fresh.due_at,
        fresh.current_step_id,
        DossierEvent.objects.filter(dossier=dossier).count(),
    )


@pytest.mark.parametrize(("state", "forwards", "action", "right", "wrong"), CASES, ids=IDS)
def test_only_the_right_person_may_act(walker, outsiders, state, forwards, action, right, wrong):
    dossier = walker.dossier_in(state)
    for _ in range(forwards):
        dossier = walker.act(dossier, Action.FORWARD)
    before = snapshot(dossier)
    denied = {**outsiders, "staff without the role": getattr(walker, wrong)}
    for who, actor in denied.items():
        with pytest.raises(PermissionDenied):
            walker.act(dossier, action, actor=actor)
        assert snapshot(dossier) == before, who
        assert action not in allowed_actions(dossier, actor), who

    assert action in allowed_actions(Dossier.objects.get(pk=dossier.pk), getattr(walker, right))
    result = walker.act(dossier, action, actor=getattr(walker, right))
    assert result.version == before[1] + 1


def test_an_assigned_step_belongs_to_its_assignee(walker, agency, specialist):
    colleague = staff(Role.SPECIALIST, agency, username="chuyenvien_khac")
    dossier = walker.dossier_in(State.RECEIVED)
    dossier = walker.act(dossier, Action.FORWARD, assignee=specialist.pk)
    before = snapshot(dossier)
    with pytest.raises(PermissionDenied):
        walker.act(dossier, Action.FORWARD, actor=colleague)
    assert snapshot(dossier) == before
    assert walker.act(dossier, Action.FORWARD, actor=specialist).current_step.position == 2


def test_the_refusal_names_who_may_act(walker, outsiders):
    dossier = walker.dossier_in(State.SUBMITTED)
    with pytest.raises(PermissionDenied) as denied:
        walker.act(dossier, Action.RECEIVE, actor=outsiders["another citizen"])
    assert denied.value.message == (
        "Bạn không có quyền tiếp nhận hồ sơ đối với hồ sơ này; chỉ cán bộ một cửa của cơ quan "
        "được làm việc này."
    )


def test_staff_of_the_transfer_target_may_hand_it_back(walker, partner_agency):
    partner = staff(Role.SPECIALIST, partner_agency, username="chuyenvien_so_tai_chinh")
    dossier = walker.dossier_in(State.TRANSFERRED)
    assert walker.act(dossier, Action.TRANSFER_BACK, actor=partner).state == State.IN_PROGRESS


def test_dossier_permissions_tells_a_guard_held_back_from_not_yours(
    walker, citizen, reception, specialist
):
    dossier = walker.act(walker.dossier_in(State.RECEIVED), Action.FORWARD)  # the first step
    assert (dossier.state, dossier.current_step.position) == (State.IN_PROGRESS, 1)
    held = dossier_permissions(specialist, dossier)[Action.SEND_BACK]
    assert isinstance(held, Refusal)
    assert (held.held, held.code, held.message) == (
        True,
        "transition_not_allowed",
        "Hồ sơ đang ở bước đầu tiên, không có bước trước để trả lại.",
    )
    assert dossier_permissions(specialist, dossier)[Action.FORWARD] == ALLOWED
    # Neither the counter nor the applicant holds the step: refused, and not "held back".
    for other in (reception, citizen):
        refusal = dossier_permissions(other, dossier)[Action.SEND_BACK]
        assert isinstance(refusal, Refusal)
        assert (refusal.held, refusal.code) == (False, "forbidden")
    assert dossier_permissions(citizen, dossier)[Action.WITHDRAW] == ALLOWED
