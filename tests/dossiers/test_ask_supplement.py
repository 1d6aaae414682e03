"""The processing officer asks the counter to request a supplement
(`dossier_ask_supplement`): only whoever holds the current step, decided on the locked row."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from motcua.core.errors import Conflict, PermissionDenied, TransitionNotAllowed, ValidationFailed
from motcua.core.models import OutboxMessage
from motcua.directory.models import Role
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, DossierEvent, State
from motcua.dossiers.services import dossier_ask_supplement
from tests.factories import CitizenFactory, staff

pytestmark = pytest.mark.django_db

NOTE = "Bản sao Giấy khai sinh có chứng thực"


def snapshot(dossier: Dossier) -> tuple:
    fresh = Dossier.objects.get(pk=dossier.pk)
    return (
        fresh.state,
        fresh.version,
        fresh.paused_at,
        fresh.due_at,
        list(DossierEvent.objects.filter(dossier=fresh).values_list("action", flat=True)),
        OutboxMessage.objects.count(),
    )


@pytest.fixture
def in_progress(walker) -> Dossier:
    """At step 2 (Trình ký, a specialist's), not assigned to anyone."""
    return walker.dossier_in(State.IN_PROGRESS)


def test_the_step_holder_asks_and_the_counter_sees_it(walker, in_progress):
    before = snapshot(in_progress)

    dossier = dossier_ask_supplement(
        actor=walker.specialist,
        dossier=in_progress,
        note=f"  {NOTE}  ",
        expected_version=in_progress.version,
    )

    assert (dossier.state, dossier.version, dossier.paused_at, dossier.due_at) == (
        State.IN_PROGRESS,
        before[1] + 1,
        None,
        before[3],
    )
    event = DossierEvent.objects.filter(dossier=dossier).order_by("-seq").first()
    assert (event.action, event.actor, event.note, event.payload, event.to_state) == (
        "ask_supplement",
        walker.specialist,
        NOTE,
        {"missing": NOTE},
        State.IN_PROGRESS,
    )
    # Internal to the agency: no notification to the applicant.
    assert not OutboxMessage.objects.filter(
        topic="dossier.notify", payload__event_id=event.pk
    ).exists()


@pytest.mark.parametrize(
    "who",
    [
        "nobody",
        "anonymous",
        "owner",
        "other_citizen",
        "specialist_of_another_agency",
        "reception_of_the_agency",
        "approver_of_the_agency",
    ],
)
def test_no_one_else_may_ask_and_nothing_changes(walker, in_progress, other_agency, who):
    actor = {
        "nobody": None,
        "anonymous": AnonymousUser(),
        "owner": walker.citizen,
        "other_citizen": CitizenFactory(username="079090000123", personal_id="079090000123"),
        "specialist_of_another_agency": staff(Role.SPECIALIST, other_agency, username="cv_khac"),
        "reception_of_the_agency": walker.reception,
        "approver_of_the_agency": walker.approver,
    }[who]
    before = snapshot(in_progress)

    with pytest.raises(PermissionDenied) as refused:
        dossier_ask_supplement(actor=actor, dossier=in_progress, note=NOTE)

    assert refused.value.message == (
        "Chỉ cán bộ được giao bước xử lý hiện tại được đề nghị yêu cầu bổ sung."
    )
    assert snapshot(in_progress) == before


def test_when_the_step_is_assigned_only_the_assignee_may_ask(walker, agency):
    colleague = staff(Role.SPECIALIST, agency, username="cv_duoc_giao")
    dossier = walker.dossier_in(State.RECEIVED)
    dossier = walker.act(dossier, Action.FORWARD, assignee=colleague.pk)
    before = snapshot(dossier)

    with pytest.raises(PermissionDenied):
        dossier_ask_supplement(actor=walker.specialist, dossier=dossier, note=NOTE)
    assert snapshot(dossier) == before

    done = dossier_ask_supplement(actor=colleague, dossier=dossier, note=NOTE)
    assert done.events.order_by("-seq").values_list("action", "actor")[0] == (
        "ask_supplement",
        colleague.pk,
    )


def test_the_decision_is_taken_on_the_row_as_it_is_now(walker, in_progress):
    """A screen drawn while the specialist held the step: the step moved on to the approver
    meanwhile, so the specialist no longer holds it."""
    stale = Dossier.objects.get(pk=in_progress.pk)
    walker.act(in_progress, Action.FORWARD)
    before = snapshot(in_progress)

    with pytest.raises(PermissionDenied):
        dossier_ask_supplement(actor=walker.specialist, dossier=stale, note=NOTE)
    with pytest.raises(Conflict):
        dossier_ask_supplement(
            actor=walker.approver, dossier=stale, note=NOTE, expected_version=stale.version
        )
    assert snapshot(in_progress) == before


@pytest.mark.parametrize("state", [State.RECEIVED, State.SUSPENDED, State.RESULT_READY])
def test_only_while_processing(walker, state):
    dossier = walker.dossier_in(state)
    before = snapshot(dossier)
    with pytest.raises(TransitionNotAllowed):
        dossier_ask_supplement(actor=walker.specialist, dossier=dossier, note=NOTE)
    assert snapshot(dossier) == before


@pytest.mark.parametrize(
    ("note", "message", "field"),
    [
        ("", "Phải ghi rõ giấy tờ cần bổ sung.", "required"),
        ("   ", "Phải ghi rõ giấy tờ cần bổ sung.", "required"),
        ("x" * 2001, "Nội dung đề nghị quá dài (tối đa 2000 ký tự).", "too_long"),
    ],
)
def test_the_note_says_what_is_missing(walker, in_progress, note, message, field):
    before = snapshot(in_progress)
    with pytest.raises(ValidationFailed) as refused:
        dossier_ask_supplement(actor=walker.specialist, dossier=in_progress, note=note)
    assert (refused.value.message, refused.value.fields) == (message, {"note": field})
    assert snapshot(in_progress) == before
