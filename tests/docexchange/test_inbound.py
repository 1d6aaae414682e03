"""Receiving letters: the answer to a consultation matched to its dossier and step, the clock
resumed through the lifecycle with exact due moments; everything else in the clerk's queue;
bad envelopes refused over HTTP with a reason and nothing stored."""

from __future__ import annotations

from datetime import datetime

import pytest

from motcua.core.models import AuditEvent
from motcua.core.worktime import TZ
from motcua.docexchange.models import OfficialDocument
from motcua.docexchange.services import consultation_ask
from motcua.dossiers.models import Dossier, DossierEvent, State
from tests.docexchange.conftest import PEER_CODE

URL = "/truc-van-ban/den/"
MONDAY_2PM = datetime(2026, 3, 2, 14, 0, tzinfo=TZ)
WEDNESDAY_2PM = datetime(2026, 3, 4, 14, 0, tzinfo=TZ)


def _post(client, body: bytes, content_type: str = "application/xml"):
    return client.post(URL, data=body, content_type=content_type)


@pytest.fixture
def consulted(walker, specialist, province_key, peer_key, clock):
    """A dossier at its second step, paused on Monday 14:00 by a consultation to the peer."""
    dossier = walker.dossier_in(State.IN_PROGRESS)
    clock(MONDAY_2PM)
    asked = consultation_ask(
        actor=specialist,
        dossier_code=dossier.public_code,
        recipient=PEER_CODE,
        subject="Xin ý kiến về lý lịch tư pháp của người nộp",
    )
    return Dossier.objects.get(pk=dossier.pk), asked


def test_asking_an_opinion_sends_a_numbered_letter_and_pauses_the_clock(consulted, specialist):
    dossier, asked = consulted

    assert dossier.state == State.SUSPENDED
    assert dossier.paused_at == MONDAY_2PM
    assert (asked.number, asked.notation, asked.status) == (1, "CV-000.00.11.H99", "queued")
    assert asked.recipients == [PEER_CODE]
    assert asked.step_id == dossier.current_step_id
    assert asked.signer_name == specialist.full_name
    event = dossier.events.order_by("-seq").first()
    assert (event.action, event.payload["consultation"]) == ("suspend", "1/CV-000.00.11.H99")


def test_the_answer_resumes_the_dossier_and_moves_its_deadlines(consulted, signed, client, clock):
    dossier, asked = consulted
    due_before, step_due_before = dossier.due_at, dossier.step_due_at
    clock(WEDNESDAY_2PM)

    answer = _post(
        client,
        signed(response_organ="000.00.11.H99", response_code="1/CV-000.00.11.H99"),
    )

    assert answer.status_code == 201
    assert answer.json()["status"] == "matched"
    assert answer.json()["resumed"] is True
    dossier.refresh_from_db()
    assert dossier.state == State.IN_PROGRESS
    assert dossier.paused_at is None
    resume = dossier.events.order_by("-seq").first()
    assert resume.action == "resume"
    assert resume.actor == asked.created_by
    # Monday 14:00 → Wednesday 14:00 is two working days of 8 hours.
    assert resume.payload["paused_working_minutes"] == 960
    assert dossier.due_at == _plus_working(dossier, due_before, 960)
    assert dossier.step_due_at == _plus_working(dossier, step_due_before, 960)
    letter = OfficialDocument.objects.get(direction="in")
    assert (letter.dossier_id, letter.step_id, letter.answers_id) == (
        dossier.pk,
        asked.step_id,
        asked.pk,
    )
    asked.refresh_from_db()
    assert asked.awaits_answer is False
    assert (
        AuditEvent.objects.filter(action="docexchange.receive", object_id=str(letter.pk)).count()
        == 1
    )


def _plus_working(dossier: Dossier, due: datetime, minutes: int) -> datetime:
    from datetime import timedelta

    from motcua.core.calendar import working_calendar

    return working_calendar(dossier.agency.office_hours).add(due, timedelta(minutes=minutes))


def test_a_second_answer_is_matched_but_moves_nothing(consulted, signed, client, clock):
    dossier, _asked = consulted
    clock(WEDNESDAY_2PM)
    quote = {"response_organ": "000.00.11.H99", "response_code": "1/CV-000.00.11.H99"}
    assert _post(client, signed(**quote)).status_code == 201
    version = Dossier.objects.get(pk=dossier.pk).version

    again = _post(client, signed(number=46, **quote))

    assert again.status_code == 201
    assert (again.json()["status"], again.json()["resumed"]) == ("matched", False)
    assert Dossier.objects.get(pk=dossier.pk).version == version


def test_an_answer_after_the_officer_resumed_leaves_the_clock_alone(
    consulted, signed, client, clock, walker
):
    dossier, _asked = consulted
    clock(datetime(2026, 3, 3, 9, 0, tzinfo=TZ))
    walker.act(dossier, "resume", at=datetime(2026, 3, 3, 9, 0, tzinfo=TZ))
    resumed = Dossier.objects.get(pk=dossier.pk)
    clock(WEDNESDAY_2PM)

    answer = _post(
        client, signed(response_organ="000.00.11.H99", response_code="1/CV-000.00.11.H99")
    )

    assert answer.json()["resumed"] is False
    letter = OfficialDocument.objects.get(direction="in")
    assert letter.status == "matched"
    assert letter.outcome == "Hồ sơ không còn tạm dừng chờ văn bản này; không thay đổi thời hạn."
    assert Dossier.objects.get(pk=dossier.pk).due_at == resumed.due_at


def test_an_answer_from_an_organ_not_consulted_waits_for_a_clerk(
    consulted, signed, client, clock, peer_key
):
    from motcua.docexchange.models import Peer

    Peer.objects.filter(code=PEER_CODE).update(code="000.00.99.H46")
    from motcua.docexchange.envelope import envelope_build
    from tests.docexchange.conftest import a_letter

    body = envelope_build(
        a_letter(
            sender_code="000.00.99.H46",
            response_organ="000.00.11.H99",
            response_code="1/CV-000.00.11.H99",
        ),
        key=peer_key,
    )
    clock(WEDNESDAY_2PM)

    answer = _post(client, body)

    assert answer.status_code == 201
    assert answer.json() == {
        "receipt": answer.json()["receipt"],
        "status": "unmatched",
        "dossier": None,
        "resumed": False,
    }
    assert Dossier.objects.get(pk=consulted[0].pk).state == State.SUSPENDED


def test_a_letter_quoting_nothing_lands_in_the_queue(db, agency, signed, client):
    answer = _post(client, signed())

    assert answer.status_code == 201
    letter = OfficialDocument.objects.get()
    assert (letter.status, letter.dossier_id, letter.agency_id) == ("unmatched", None, agency.pk)
    assert letter.code == "45/STP-VP"


def test_a_duplicate_answers_409_with_the_first_receipt(db, agency, signed, client):
    body = signed(envelope_id="env-1")
    first = _post(client, body)

    again = _post(client, body)

    assert again.status_code == 409
    assert again.json()["code"] == "duplicate"
    assert again.json()["receipt"] == first.json()["receipt"]
    assert OfficialDocument.objects.count() == 1


BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>'
)


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        (lambda signed: signed().replace(b"STP-VP", b"STP-XX"), 400, "bad_signature"),
        (lambda signed: signed(sender_code="123.45"), 400, "unknown_sender"),
        (lambda signed: signed(recipients=("999.00.00.Z00",)), 400, "unknown_recipient"),
        (lambda signed: b"<edXML:edXMLEnvelope", 400, "malformed"),
        (lambda signed: BOMB, 400, "forbidden_markup"),
    ],
    ids=["bad-signature", "unknown-sender", "unknown-recipient", "malformed", "xml-bomb"],
)
def test_bad_envelopes_are_refused_with_a_reason_and_nothing_stored(
    db, agency, signed, client, make, status, code
):
    answer = _post(client, make(signed))

    assert answer.status_code == status
    assert answer.json()["code"] == code
    assert answer.json()["message"]
    assert OfficialDocument.objects.count() == 0
    assert DossierEvent.objects.count() == 0


def test_an_oversized_body_is_refused_before_it_is_read(db, client, settings):
    from motcua.docexchange.envelope import MAX_ENVELOPE_BYTES

    answer = _post(client, b"<" + b"a" * MAX_ENVELOPE_BYTES)

    assert answer.status_code == 413
    assert answer.json()["code"] == "too_large"
    assert OfficialDocument.objects.count() == 0


def test_other_media_types_and_methods_are_refused(db, client, signed):
    assert _post(client, signed(), "application/json").status_code == 415
    assert client.get(URL).status_code == 405
    assert OfficialDocument.objects.count() == 0
