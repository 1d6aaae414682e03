"""The §12.1 MESSAGE built from a dossier: every state's national status (§12), the two
meanings of a suspension and of a refusal, the codes, the moments and the facts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, State
from motcua.sync.message import (
    applicant_of,
    message_id,
    national_message,
    national_moment,
    national_status,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("state", "status"),
    [
        (State.SUBMITTED, 1),
        (State.RECEIVED, 2),
        (State.IN_PROGRESS, 4),
        (State.TRANSFERRED, 4),
        (State.SUPPLEMENT_REQUESTED, 5),
        (State.SUSPENDED, 8),  # the walker suspends for another reason
        (State.WITHDRAWN, 7),
        (State.CANCELLED, 8),
        (State.RESULT_READY, 9),
        (State.RETURNED, 10),
        (State.REFUSED, 3),  # the walker refuses at reception
    ],
)
def test_each_state_has_its_national_status(walker, state, status):
    dossier = walker.dossier_in(state)
    assert national_status(dossier) == status
    assert national_message(dossier, [], province="46")["dossier"]["status"] == status


def test_a_suspension_awaiting_a_financial_obligation_is_status_6(walker):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    dossier = walker.act(dossier, Action.SUSPEND, kind="financial", reason="Chờ nộp thuế.")
    assert (dossier.suspend_kind, national_status(dossier)) == ("financial", 6)
    progress = national_message(dossier, list(dossier.events.all()), province="46")["progress"]
    assert [p["status"] for p in progress] == [1, 2, 4, 4, 6]


def test_a_refusal_after_processing_is_status_8_and_at_reception_3(walker):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    refused = walker.act(dossier, Action.REFUSE)
    assert (refused.refused_stage, national_status(refused)) == ("processing", 8)
    at_counter = walker.dossier_in(State.REFUSED)
    assert (at_counter.refused_stage, national_status(at_counter)) == ("reception", 3)
    body = national_message(refused, list(refused.events.all()), province="46")
    assert body["dossier"]["refused_at"] == national_moment(refused.closed_at)
    assert [p["status"] for p in body["progress"]] == [1, 2, 4, 4, 8]
    at_counter_body = national_message(at_counter, list(at_counter.events.all()), province="46")
    assert [p["status"] for p in at_counter_body["progress"]] == [1, 3]


def test_an_imported_refusal_without_its_stage_reads_the_finishing_moment(walker):
    dossier = walker.dossier_in(State.REFUSED)
    Dossier.objects.filter(pk=dossier.pk).update(refused_stage="")
    dossier.refresh_from_db()
    assert national_status(dossier) == 3
    dossier.finished_at = dossier.closed_at
    assert national_status(dossier) == 8


def test_a_draft_is_never_sent(walker):
    draft = walker.dossier_in(State.DRAFT)
    assert national_status(draft) is None
    with pytest.raises(ValueError):
        national_message(draft, [], province="46")


def test_moments_travel_in_hanoi_time_to_the_second():
    assert national_moment(datetime(2026, 3, 2, 2, 30, 5, 999, tzinfo=UTC)) == "20260302093005"
    assert national_moment(datetime(2026, 12, 31, 17, 0, tzinfo=UTC)) == "20270101000000"
    assert national_moment(None) is None


def test_applicant_id_kinds(walker):
    dossier = walker.dossier_in(State.SUBMITTED)
    assert applicant_of(dossier) == {"kind": 1, "id_kind": "personal_id", "id": "001090000001"}
    dossier.applicant_kind, dossier.applicant_id_number = 2, "0312345678"
    assert applicant_of(dossier) == {"kind": 2, "id_kind": "enterprise_code", "id": "0312345678"}
    dossier.applicant_id_number = "0312345678-001"[:13]
    assert applicant_of(dossier)["id_kind"] is None
    dossier.applicant_id_number = ""
    assert applicant_of(dossier) == {"kind": 2, "id_kind": None, "id": None}


def test_a_returned_dossier_in_full(walker, reception, specialist, approver):
    dossier = walker.dossier_in(State.RETURNED)
    events = list(dossier.events.all())

    message = national_message(dossier, events, province="46")

    assert message["id"] == str(message_id("46", dossier.reference, dossier.version))
    assert message["dossier"] == {
        "code": dossier.code,
        "version": dossier.version,
        "procedure_code": "2.000488",
        "agency_code": "000.00.11.H99",
        "channel": 2,
        "status": 10,
        "procedure_name": "Cấp Phiếu lý lịch tư pháp",
        "sector": "Hộ tịch",
        "agency_name": "Sở Tư pháp thử nghiệm",
        "applicant": {"kind": 1, "id_kind": "personal_id", "id": "001090000001"},
        "submitted_at": "20260302093000",
        "received_at": "20260302100000",
        "due_at": national_moment(dossier.due_at),
        "finished_at": "20260302120000",
        "returned_at": "20260302123000",
        "refused_at": None,
        "supplements": 0,
        "digitized": False,
        "e_result": dossier.e_result,
        "result_to_store": dossier.result_to_store,
        "fee_amount": 0,
        "paid_online": False,
        "rating": None,
        "rated_at": None,
        "reused_data": False,
        "registry_used": False,
        "vneid_verified": False,
        "paid_online_at": None,
    }
    assert dossier.due_at is not None and message["dossier"]["due_at"][:8] >= "20260302"
    assert message["progress"] == [
        {"handler": "Người nộp hồ sơ", "at": "20260302093000", "status": 1, "step_due_at": None},
        {"handler": reception.full_name, "at": "20260302100000", "status": 2, "step_due_at": None},
        {"handler": reception.full_name, "at": "20260302103000", "status": 4, "step_due_at": None},
        {"handler": specialist.full_name, "at": "20260302110000", "status": 4, "step_due_at": None},
        {"handler": specialist.full_name, "at": "20260302113000", "status": 4, "step_due_at": None},
        {"handler": approver.full_name, "at": "20260302120000", "status": 9, "step_due_at": None},
        {"handler": reception.full_name, "at": "20260302123000", "status": 10, "step_due_at": None},
    ]


def test_a_dossier_in_progress_carries_its_step_due_moment(walker):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    progress = national_message(dossier, list(dossier.events.all()), province="46")["progress"]
    assert progress[-1]["step_due_at"] == national_moment(dossier.step_due_at)
    assert dossier.step_due_at is not None
    assert [p["step_due_at"] for p in progress[:-1]] == [None, None, None]
