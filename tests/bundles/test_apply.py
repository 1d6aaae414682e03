"""Applying for a bundle: one child dossier per member through the dossiers' write path, in
one transaction; a member that needs another's result waits — not received, no clock — until
that result is returned, and is withdrawn or released by the bundle's rule when it is not."""

from __future__ import annotations

from datetime import datetime

import pytest

from motcua.bundles.models import BundleApplication, BundlePart
from motcua.bundles.selectors import application_status
from motcua.bundles.services import bundle_apply, bundle_shape
from motcua.core.audit import AuditEvent
from motcua.core.calendar import working_calendar
from motcua.core.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from motcua.core.worktime import TZ
from motcua.demo.bundles import (
    BIRTH_ANSWERS,
    DEATH_ANSWERS,
    _Clock,
    bundle_demo_apply,
    bundle_demo_play,
    demo_bundles_load,
)
from motcua.dossiers.lifecycle import Action, dossier_transition
from motcua.dossiers.models import Dossier, DossierDocument, DossierEvent, State
from tests.bundles.conftest import INSURANCE, POLICE, WARD
from tests.factories import CitizenFactory

MONDAY = datetime(2026, 11, 16, 8, 0, tzinfo=TZ)


def _children(application: BundleApplication) -> list[Dossier]:
    return [
        p.dossier
        for p in BundlePart.objects.filter(application=application)
        .select_related("dossier__agency")
        .order_by("member__position")
    ]


def test_one_application_makes_one_submitted_child_per_member(world):
    application = bundle_demo_apply(
        bundle=world.birth, applicant=world.citizen, answers=BIRTH_ANSWERS, at=MONDAY
    )

    birth, residence, card = _children(application)
    assert [d.procedure.code for d in (birth, residence, card)] == [
        "1.001193",
        "1.004222",
        "1.013201",
    ]
    assert [d.agency.code for d in (birth, residence, card)] == [WARD, POLICE, INSURANCE]
    assert [d.state for d in (birth, residence, card)] == [State.SUBMITTED] * 3
    assert [d.submitted_at for d in (birth, residence, card)] == [MONDAY] * 3
    assert [d.waits_for_id for d in (birth, residence, card)] == [None, birth.pk, birth.pk]
    assert [d.due_at for d in (birth, residence, card)] == [None, None, None]
    assert application.fee_total == 10_000  # the residence's online fee; the others are free
    assert [d.fee_amount for d in (birth, residence, card)] == [0, 10_000, 0]
    assert list(residence.events.order_by("seq").values_list("action", flat=True)) == [
        "create",
        "form_save",
        "attach",
        "submit",
        "wait",
    ]
    # Its three papers the e-form does not replace (proof of lodging and two optional ones).
    assert residence.documents.filter(kind=DossierDocument.Kind.SUBMITTED).count() == 3
    # The child's name, asked once, goes into each declaration that asks it.
    assert birth.form_data["child_full_name"] == card.form_data["child_full_name"]
    assert card.form_data["child_full_name"] == "Nguyễn Minh Khang"
    assert "child_full_name" not in residence.form_data
    assert residence.form_data["applicant_full_name"] == birth.form_data["applicant_full_name"]
    assert AuditEvent.objects.filter(action="bundle.apply", object_id=application.pk).count() == 1


def test_a_waiting_child_is_not_received_until_its_dependency_returns(world):
    application = bundle_demo_apply(
        bundle=world.birth, applicant=world.citizen, answers=BIRTH_ANSWERS, at=MONDAY
    )
    birth, residence, _card = _children(application)
    police = world.reception[POLICE]
    version = residence.version

    with pytest.raises(TransitionNotAllowed) as refused:
        dossier_transition(
            actor=police, dossier=residence, action=Action.RECEIVE, at=MONDAY.replace(hour=9)
        )

    assert refused.value.message == (
        f"Hồ sơ liên thông đang chờ kết quả của hồ sơ {birth.public_code}; chỉ tiếp nhận khi "
        "đã có kết quả đó."
    )
    residence.refresh_from_db()
    assert (residence.state, residence.version, residence.due_at) == (
        State.SUBMITTED,
        version,
        None,
    )

    clock = _Clock(MONDAY)
    birth = bundle_demo_play(birth, State.RETURNED, clock)
    returned_at = birth.returned_at
    residence.refresh_from_db()
    assert residence.wait_released_at == returned_at
    assert residence.events.order_by("-seq").values_list("action", flat=True)[0] == (
        "wait_released"
    )
    assert residence.due_at is None  # released, not yet received: the clock has not started

    received_at = clock.next(residence.agency, 1)
    residence = dossier_transition(
        actor=police, dossier=residence, action=Action.RECEIVE, at=received_at
    )
    calendar = working_calendar(residence.agency.office_hours)
    assert residence.received_at == received_at
    assert residence.due_at == calendar.add(received_at, residence.procedure.duration.delta)


def test_a_refused_dependency_withdraws_its_dependants_by_the_rule(world):
    application = bundle_demo_apply(
        bundle=world.birth, applicant=world.citizen, answers=BIRTH_ANSWERS, at=MONDAY
    )
    birth, residence, card = _children(application)

    bundle_demo_play(birth, State.REFUSED, _Clock(MONDAY), reason="Giấy chứng sinh không hợp lệ.")

    residence.refresh_from_db()
    card.refresh_from_db()
    assert (residence.state, card.state) == (State.WITHDRAWN, State.WITHDRAWN)
    withdrawal = residence.events.get(action=Action.WITHDRAW)
    assert withdrawal.payload["waited_for"] == birth.public_code
    assert withdrawal.payload["by"] == "bundle"


def test_a_dependant_released_by_the_rule_goes_on_when_its_dependency_is_refused(world):
    application = bundle_demo_apply(
        bundle=world.death, applicant=world.citizen, answers=DEATH_ANSWERS, at=MONDAY
    )
    death, removal, funeral = _children(application)
    # One set of attachments: the death notice, asked by two members, is one upload slot
    # stored in both dossiers.
    notice = next(s for s in bundle_shape(world.death).documents if "báo tử" in s.name)
    assert [d.procedure.code for d in notice.documents] == ["1.000656", "1.013202"]
    for child, document in zip((death, funeral), notice.documents, strict=True):
        assert child.documents.filter(required_document=document).count() == 1

    clock = _Clock(MONDAY)
    bundle_demo_play(death, State.REFUSED, clock, reason="Giấy báo tử không hợp lệ.")

    removal.refresh_from_db()
    funeral.refresh_from_db()
    assert removal.state == State.WITHDRAWN
    assert (funeral.state, funeral.wait_released_at) == (State.SUBMITTED, clock.at)
    funeral = bundle_demo_play(funeral, State.IN_PROGRESS, clock)
    assert funeral.state == State.IN_PROGRESS
    assert funeral.due_at is not None


def test_a_missing_document_refuses_the_application_and_writes_nothing(world, settings):
    shape = bundle_shape(world.birth)
    agencies = {m.pk: shape.agencies(m)[0] for m in shape.members}
    proof = next(s for s in shape.documents if "sở hữu chỗ ở" in s.name)

    with pytest.raises(ValidationFailed) as refused:
        bundle_apply(
            actor=world.citizen,
            bundle=world.birth,
            answers=BIRTH_ANSWERS,
            agencies=agencies,
            uploads={},  # no file at all: the residence's proof of lodging is required
            applicant={"applicant_name": "Nguyễn Văn An"},
            registry_used=False,
            at=MONDAY,
        )

    assert refused.value.code == "bundle_invalid"
    assert refused.value.fields[f"tep_{proof.key}"] == (
        "Chưa đính kèm giấy tờ bắt buộc này (Đăng ký thường trú)."
    )
    assert Dossier.objects.count() == 0
    assert DossierEvent.objects.count() == 0
    assert DossierDocument.objects.count() == 0
    assert BundleApplication.objects.count() == 0
    assert list(settings.MEDIA_ROOT.iterdir()) == []


def test_a_member_form_error_is_named_by_the_union_field_and_nothing_is_written(world):
    answers = {k: v for k, v in BIRTH_ANSWERS.items() if k != "household_head_personal_id"}

    with pytest.raises(ValidationFailed) as refused:
        bundle_demo_apply(bundle=world.birth, applicant=world.citizen, answers=answers, at=MONDAY)

    assert "household_head_personal_id" in refused.value.fields
    assert Dossier.objects.count() == 0
    assert BundleApplication.objects.count() == 0


@pytest.mark.parametrize("who", ["staff", "no_personal_id"])
def test_only_a_citizen_applies_and_a_refusal_writes_nothing(world, who):
    actor = world.reception[WARD]
    if who == "no_personal_id":
        actor = world.specialist[POLICE]

    with pytest.raises(PermissionDenied):
        bundle_demo_apply(bundle=world.birth, applicant=actor, answers=BIRTH_ANSWERS, at=MONDAY)

    assert Dossier.objects.count() == 0
    assert BundleApplication.objects.count() == 0


def test_the_demo_holds_both_bundles_in_several_states(world):
    CitizenFactory(username="046084005001", personal_id="046084005001")

    made = demo_bundles_load(now=datetime(2026, 11, 20, 10, 0, tzinfo=TZ))

    assert [(a.bundle.code, application_status(a).key) for a in made] == [
        (world.birth.code, "in_progress"),
        (world.birth.code, "in_progress"),
        (world.birth.code, "failed"),
        (world.death.code, "in_progress"),
        (world.death.code, "done"),
        (world.death.code, "partly_failed"),
    ]
    waiting = Dossier.objects.filter(waits_for__isnull=False, wait_released_at__isnull=True)
    # Two bundles just submitted, two parts each; three withdrawn by the rule.
    assert waiting.filter(state=State.SUBMITTED).count() == 4
    assert waiting.filter(state=State.WITHDRAWN).count() == 3
    assert demo_bundles_load(now=datetime(2026, 11, 20, 10, 0, tzinfo=TZ)) == []  # loaded once
