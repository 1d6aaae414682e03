"""Builders that walk a dossier through the real services to any state (fixtures `walker`,
`three_step_procedure`, `partner_agency`, available to every test package)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from motcua.core.worktime import TZ
from motcua.directory.models import Role
from motcua.dossiers.lifecycle import Action, dossier_transition
from motcua.dossiers.models import Channel, Dossier, State
from motcua.dossiers.services import dossier_create
from tests.factories import AgencyFactory

# Monday 2026-03-02 09:00 (Asia/Ho_Chi_Minh): a plain working morning.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)

PAYLOADS = {
    Action.REFUSE: {"reason": "Không đủ điều kiện."},
    Action.REQUEST_SUPPLEMENT: {"missing": ["Giấy khai sinh"]},
    Action.SUSPEND: {"kind": "other", "reason": "Chờ xác minh."},
    Action.SEND_BACK: {"reason": "Thiếu ý kiến thẩm định."},
    Action.TRANSFER: {"agency": "000.00.13.H99"},  # the `partner_agency` fixture
    Action.RETURN: {"method": "in_person"},
    Action.WITHDRAW: {"reason": "Không còn nhu cầu."},
    Action.CANCEL: {"reason": "Quá hạn bổ sung."},
}

# How to reach each state from a fresh online draft (the actor is resolved per step).
PATHS: dict[str, list[str]] = {
    State.DRAFT: [],
    State.SUBMITTED: [Action.SUBMIT],
    State.RECEIVED: [Action.SUBMIT, Action.RECEIVE],
    State.IN_PROGRESS: [Action.SUBMIT, Action.RECEIVE, Action.FORWARD, Action.FORWARD],
    State.SUPPLEMENT_REQUESTED: [
        Action.SUBMIT,
        Action.RECEIVE,
        Action.FORWARD,
        Action.REQUEST_SUPPLEMENT,
    ],
    State.SUSPENDED: [Action.SUBMIT, Action.RECEIVE, Action.FORWARD, Action.SUSPEND],
    State.TRANSFERRED: [Action.SUBMIT, Action.RECEIVE, Action.FORWARD, Action.TRANSFER],
    State.RESULT_READY: [
        Action.SUBMIT,
        Action.RECEIVE,
        Action.FORWARD,
        Action.FORWARD,
        Action.FORWARD,
        Action.APPROVE,
    ],
    State.RETURNED: [
        Action.SUBMIT,
        Action.RECEIVE,
        Action.FORWARD,
        Action.FORWARD,
        Action.FORWARD,
        Action.APPROVE,
        Action.RETURN,
    ],
    State.REFUSED: [Action.SUBMIT, Action.REFUSE],
    State.WITHDRAWN: [Action.SUBMIT, Action.WITHDRAW],
    State.CANCELLED: [
        Action.SUBMIT,
        Action.RECEIVE,
        Action.FORWARD,
        Action.REQUEST_SUPPLEMENT,
        Action.CANCEL,
    ],
}


_DEFAULT = object()


class Walker:
    """Plays actions one working half-hour apart, as the right person for each."""

    def __init__(self, *, citizen, reception, specialist, approver, procedure, agency):
        self.citizen = citizen
        self.reception = reception
        self.specialist = specialist
        self.approver = approver
        self.procedure = procedure
        self.agency = agency
        self.minutes = 0

    def create(self, at: datetime = T0) -> Dossier:
        return dossier_create(
            actor=self.citizen,
            procedure=self.procedure,
            agency=self.agency,
            channel=Channel.ONLINE,
            applicant_name=self.citizen.full_name,
            applicant_id_number=self.citizen.personal_id,
            at=at,
        )

    def walk_in_draft(self, at: datetime = T0) -> Dossier:
        """The counter's own draft of the citizen's papers (an online draft is the
        applicant's alone until submitted)."""
        return dossier_create(
            actor=self.reception,
            procedure=self.procedure,
            agency=self.agency,
            channel=Channel.DIRECT,
            applicant_name=self.citizen.full_name,
            applicant_id_number=self.citizen.personal_id,
            at=at,
        )

    def actor_for(self, dossier: Dossier, action: str):
        if action in (Action.SUBMIT, Action.PROVIDE_SUPPLEMENT, Action.WITHDRAW):
            return self.citizen
        if action in (Action.RECEIVE, Action.REQUEST_SUPPLEMENT, Action.CANCEL, Action.RETURN):
            return self.reception
        if action == Action.REFUSE and dossier.state == State.SUBMITTED:
            return self.reception
        if action == Action.FORWARD and dossier.state == State.RECEIVED:
            return self.reception
        if action in (Action.RESUME, Action.TRANSFER_BACK):
            return self.specialist
        step = dossier.current_step
        return self.approver if step is not None and step.role == Role.APPROVER else self.specialist

    def next_moment(self, dossier: Dossier) -> datetime:
        last = dossier.events.order_by("-seq").values_list("at", flat=True).first() or T0
        return last + timedelta(minutes=30)

    def act(self, dossier: Dossier, action: str, *, actor=_DEFAULT, **payload) -> Dossier:
        return dossier_transition(
            actor=self.actor_for(dossier, action) if actor is _DEFAULT else actor,
            dossier=dossier,
            action=action,
            at=payload.pop("at", None) or self.next_moment(dossier),
            payload={**PAYLOADS.get(action, {}), **payload},
        )

    def dossier_in(self, state: str) -> Dossier:
        dossier = self.create()
        for action in PATHS[state]:
            dossier = self.act(dossier, action)
        assert dossier.state == state
        return Dossier.objects.get(pk=dossier.pk)


@pytest.fixture
def three_step_procedure(procedure):
    """Thẩm định (specialist 50 %) → Trình ký (specialist 20 %) → Phê duyệt (approver 30 %)."""
    procedure.steps.all().delete()
    for position, (name, role, share) in enumerate(
        [
            ("Thẩm định", Role.SPECIALIST, 50),
            ("Trình ký", Role.SPECIALIST, 20),
            ("Phê duyệt", Role.APPROVER, 30),
        ],
        start=1,
    ):
        procedure.steps.create(position=position, name=name, role=role, share_percent=share)
    return procedure


@pytest.fixture
def partner_agency(db):
    """Where the walker transfers dossiers (liên thông)."""
    return AgencyFactory(code="000.00.13.H99", name="Sở Tài chính thử nghiệm")


@pytest.fixture
def walker(citizen, reception, specialist, approver, three_step_procedure, agency, partner_agency):
    return Walker(
        citizen=citizen,
        reception=reception,
        specialist=specialist,
        approver=approver,
        procedure=three_step_procedure,
        agency=agency,
    )
