"""The clerk's queue (attach, dismiss; every wrong actor denied with nothing changed) and the
letters that go out: issued with a number, sent through the outbox to the stand-in service,
retried while it is down, received once."""

from __future__ import annotations

import pytest
import requests

from motcua.core.models import AuditEvent, OutboxMessage
from motcua.core.outbox import outbox_deliver
from motcua.directory.models import Role
from motcua.docexchange.models import OfficialDocument
from motcua.docexchange.services import letter_issue
from motcua.dossiers.models import State
from tests.docexchange.conftest import PEER_CODE
from tests.factories import staff
from tests.standins_server import StandIns


@pytest.fixture
def unmatched(db, agency, signed, client):
    assert (
        client.post("/truc-van-ban/den/", signed(), content_type="application/xml").status_code
        == 201
    )
    return OfficialDocument.objects.get()


def _snapshot(letter: OfficialDocument) -> tuple:
    letter.refresh_from_db()
    return (
        letter.status,
        letter.dossier_id,
        letter.dismiss_reason,
        AuditEvent.objects.filter(action__startswith="docexchange.").count(),
    )


def test_the_clerk_sees_the_letter_and_attaches_it(unmatched, walker, reception, client):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    client.force_login(reception)

    queue = client.get("/mot-cua/van-ban/")
    answer = client.post(
        f"/mot-cua/van-ban/{unmatched.pk}/gan-ho-so/", {"dossier": dossier.public_code}
    )

    assert "45/STP-VP" in queue.content.decode()
    assert answer.status_code == 302
    unmatched.refresh_from_db()
    assert (unmatched.status, unmatched.dossier_id, unmatched.handled_by) == (
        "attached",
        dossier.pk,
        reception,
    )
    page = client.get(f"/mot-cua/xu-ly/{dossier.public_code}/").content.decode()
    assert 'data-letter="45/STP-VP"' in page
    assert "45/STP-VP" not in client.get("/mot-cua/van-ban/").content.decode()
    assert AuditEvent.objects.filter(action="docexchange.attach").count() == 1


def test_the_clerk_dismisses_a_letter_with_a_reason(unmatched, reception, client):
    client.force_login(reception)

    empty = client.post(f"/mot-cua/van-ban/{unmatched.pk}/loai/", {"reason": " "})
    done = client.post(
        f"/mot-cua/van-ban/{unmatched.pk}/loai/", {"reason": "Không liên quan hồ sơ"}
    )

    assert empty.status_code == 400
    assert "Phải ghi lý do loại văn bản." in empty.content.decode()
    assert done.status_code == 302
    unmatched.refresh_from_db()
    assert (unmatched.status, unmatched.dismiss_reason) == ("dismissed", "Không liên quan hồ sơ")


def test_a_dossier_of_another_agency_is_refused(unmatched, reception, client, other_agency):
    from motcua.dossiers.models import Channel
    from motcua.dossiers.services import dossier_create
    from tests.factories import ProcedureFactory

    elsewhere = staff(Role.RECEPTION, other_agency, username="elsewhere")
    elsewhere_dossier = dossier_create(
        actor=elsewhere,
        procedure=ProcedureFactory(agencies=[other_agency]),
        agency=other_agency,
        channel=Channel.DIRECT,
        applicant_name="Lê Văn A",
        applicant_id_number="001090000009",
    )
    staff(Role.RECEPTION, other_agency, username="both").staff_roles.create(
        agency=unmatched.agency, role=Role.RECEPTION
    )
    from motcua.directory.models import User

    client.force_login(User.objects.get(username="both"))
    before = _snapshot(unmatched)

    answer = client.post(
        f"/mot-cua/van-ban/{unmatched.pk}/gan-ho-so/",
        {"dossier": elsewhere_dossier.public_code or elsewhere_dossier.reference},
    )

    assert answer.status_code == 400
    assert _snapshot(unmatched) == before


@pytest.mark.parametrize("who", ["anonymous", "citizen", "other_agency", "leader"])
def test_the_wrong_people_cannot_attach_or_dismiss(
    unmatched, walker, client, citizen, other_agency, agency, who
):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    user = {
        "anonymous": None,
        "citizen": citizen,
        "other_agency": staff(Role.RECEPTION, other_agency, username="other"),
        "leader": staff(Role.LEADER, agency, username="leader"),
    }[who]
    if user is not None:
        client.force_login(user)
    before = _snapshot(unmatched)

    attach = client.post(
        f"/mot-cua/van-ban/{unmatched.pk}/gan-ho-so/", {"dossier": dossier.public_code}
    )
    dismiss = client.post(f"/mot-cua/van-ban/{unmatched.pk}/loai/", {"reason": "x"})
    queue = client.get("/mot-cua/van-ban/")

    expected = {"anonymous": 302, "citizen": 403, "other_agency": 404, "leader": 403}[who]
    assert (attach.status_code, dismiss.status_code) == (expected, expected)
    assert "45/STP-VP" not in queue.content.decode()
    assert _snapshot(unmatched) == before


@pytest.fixture
def refused(walker):
    return walker.dossier_in(State.REFUSED)


def test_a_refusal_is_issued_numbered_and_signed(refused, reception, province_key, peer_key):
    letter = letter_issue(
        actor=reception, dossier_code=refused.public_code, kind="refusal", recipient=PEER_CODE
    )

    assert (letter.number, letter.notation, letter.status) == (1, "PTC-000.00.11.H99", "queued")
    assert letter.signer_name == reception.full_name
    assert letter.attachments[0]["name"] == f"refusal-{refused.public_code}.pdf"
    assert (
        OutboxMessage.objects.filter(
            topic="docexchange.send", payload={"document_id": letter.pk}
        ).count()
        == 1
    )
    from motcua.docexchange.envelope import envelope_read, public_key_load

    read = envelope_read(bytes(letter.envelope), key_for=lambda code: public_key_load(province_key))
    assert (read.code, read.recipients) == ("1/PTC-000.00.11.H99", (PEER_CODE,))


def test_a_letter_the_dossier_does_not_have_is_refused(refused, reception, province_key, peer_key):
    from motcua.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as error:
        letter_issue(
            actor=reception, dossier_code=refused.public_code, kind="apology", recipient=PEER_CODE
        )

    assert error.value.fields == {"kind": "not_available"}
    assert OfficialDocument.objects.count() == 0


def test_issuing_twice_to_the_same_organ_is_refused(refused, reception, province_key, peer_key):
    from motcua.core.errors import ValidationFailed

    letter_issue(
        actor=reception, dossier_code=refused.public_code, kind="refusal", recipient=PEER_CODE
    )
    with pytest.raises(ValidationFailed):
        letter_issue(
            actor=reception, dossier_code=refused.public_code, kind="refusal", recipient=PEER_CODE
        )

    assert OfficialDocument.objects.count() == 1


def test_a_citizen_cannot_issue(refused, citizen, province_key, peer_key):
    from motcua.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        letter_issue(
            actor=citizen, dossier_code=refused.public_code, kind="refusal", recipient=PEER_CODE
        )

    assert OfficialDocument.objects.count() == 0


@pytest.fixture
def service(settings, standins: StandIns, province_key):
    """The portal pointed at the stand-in service, which checks our signature."""
    folder = standins.var_dir / "docexchange"
    folder.mkdir(exist_ok=True)
    (folder / "sender_public.pem").write_text(province_key)
    settings.MOTCUA_DOCEXCHANGE = {"url": standins.url, "timeout": 5}
    return standins


def _received(service: StandIns, envelope_id: str) -> list[dict]:
    lines = requests.get(f"{service.url}/van-ban/da-nhan/", timeout=5).json()["received"]
    return [line for line in lines if line["envelope_id"] == envelope_id]


def test_the_letter_reaches_the_service_through_the_outbox(refused, reception, peer_key, service):
    letter = letter_issue(
        actor=reception, dossier_code=refused.public_code, kind="refusal", recipient=PEER_CODE
    )
    message = OutboxMessage.objects.get(topic="docexchange.send")

    assert outbox_deliver.call(message.pk) == "sent"

    letter.refresh_from_db()
    assert (letter.status, letter.receipt) == ("sent", f"R-{letter.envelope_id}")
    [kept] = _received(service, letter.envelope_id)
    assert (kept["code"], kept["to"], kept["from"]) == (
        "1/PTC-000.00.11.H99",
        [PEER_CODE],
        "000.00.11.H99",
    )


def test_while_the_service_is_down_the_letter_waits_and_goes_after(
    refused, reception, peer_key, service, settings
):
    from datetime import timedelta

    from django.utils import timezone

    letter = letter_issue(
        actor=reception, dossier_code=refused.public_code, kind="refusal", recipient=PEER_CODE
    )
    message = OutboxMessage.objects.get(topic="docexchange.send")
    settings.MOTCUA_DOCEXCHANGE = {"url": "http://127.0.0.1:9", "timeout": 1}

    assert outbox_deliver.call(message.pk) == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 1)
    assert "unreachable" in message.last_error
    letter.refresh_from_db()
    assert (letter.status, letter.sent_at) == ("queued", None)

    settings.MOTCUA_DOCEXCHANGE = {"url": service.url, "timeout": 5}
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert outbox_deliver.call(message.pk) == "sent"
    letter.refresh_from_db()
    assert letter.status == "sent"
    assert len(_received(service, letter.envelope_id)) == 1


def test_the_service_keeps_an_envelope_once(refused, reception, peer_key, service):
    from motcua.docexchange.delivery import envelope_post

    letter = letter_issue(
        actor=reception, dossier_code=refused.public_code, kind="refusal", recipient=PEER_CODE
    )
    first = envelope_post(service.url, bytes(letter.envelope), timeout=5)
    again = envelope_post(service.url, bytes(letter.envelope), timeout=5)

    assert first == again == f"R-{letter.envelope_id}"
    assert len(_received(service, letter.envelope_id)) == 1


def test_the_service_refuses_an_envelope_we_did_not_sign(refused, reception, peer_key, service):
    from motcua.docexchange.delivery import SendFailed, envelope_post

    letter = letter_issue(
        actor=reception, dossier_code=refused.public_code, kind="refusal", recipient=PEER_CODE
    )
    forged = bytes(letter.envelope).replace(b"PTC-000", b"PTX-000")

    with pytest.raises(SendFailed, match="HTTP 400"):
        envelope_post(service.url, forged, timeout=5)


def test_without_a_service_the_letter_is_held_not_lost(
    refused, reception, province_key, peer_key, settings
):
    settings.MOTCUA_DOCEXCHANGE = {"url": "", "timeout": 5}
    letter_issue(
        actor=reception, dossier_code=refused.public_code, kind="refusal", recipient=PEER_CODE
    )
    message = OutboxMessage.objects.get(topic="docexchange.send")

    assert outbox_deliver.call(message.pk) == "held"
