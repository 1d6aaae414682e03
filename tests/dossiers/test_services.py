"""Creating dossiers, the event trail and the outbox rows written with each transition."""

from __future__ import annotations

import pytest

from motcua.core.errors import NotFound, PermissionDenied, ValidationFailed
from motcua.core.models import AuditEvent, OutboxMessage
from motcua.core.outbox import outbox_deliver, outbox_handler
from motcua.directory.models import Role
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Channel, Dossier, DossierEvent, State
from motcua.dossiers.selectors import dossier_get_for_actor
from motcua.dossiers.services import dossier_create
from tests.dossiers.conftest import T0
from tests.factories import CitizenFactory, FeeLineFactory, ProcedureFactory, staff

pytestmark = pytest.mark.django_db


def test_a_citizen_creates_an_online_draft_with_the_procedure_fees(citizen, procedure, agency):
    FeeLineFactory(procedure=procedure, name="Lệ phí cấp phiếu", amount=200000)
    FeeLineFactory(procedure=procedure, name="Phí bưu chính", amount=25000)
    dossier = dossier_create(
        actor=citizen,
        procedure=procedure,
        agency=agency,
        channel=Channel.ONLINE,
        applicant_name="Nguyễn Văn An",
        at=T0,
    )
    assert (dossier.state, dossier.applicant, dossier.fee_amount, dossier.code) == (
        State.DRAFT,
        citizen,
        225000,
        None,
    )
    assert dossier.reference.startswith("TN-260302-")
    event = DossierEvent.objects.get(dossier=dossier)
    assert (event.seq, event.action, event.to_state, event.actor) == (1, "create", "draft", citizen)


def test_online_needs_an_online_procedure(citizen, agency):
    offline = ProcedureFactory(online="none", agencies=[agency])
    with pytest.raises(ValidationFailed) as refused:
        dossier_create(
            actor=citizen,
            procedure=offline,
            agency=agency,
            channel=Channel.ONLINE,
            applicant_name="Nguyễn Văn An",
        )
    assert refused.value.message == "Thủ tục này chưa cung cấp dịch vụ công trực tuyến."
    assert Dossier.objects.count() == 0


def test_a_walk_in_is_entered_only_by_the_counter_of_that_agency(
    citizen, specialist, reception, procedure, agency, other_agency
):
    outsider = staff(Role.RECEPTION, other_agency, username="mot_cua_khac")
    for actor in (citizen, specialist, outsider):
        with pytest.raises(PermissionDenied):
            dossier_create(
                actor=actor,
                procedure=procedure,
                agency=agency,
                channel=Channel.DIRECT,
                applicant_name="Trần Thị Bình",
            )
    assert Dossier.objects.count() == 0
    dossier = dossier_create(
        actor=reception,
        procedure=procedure,
        agency=agency,
        channel=Channel.DIRECT,
        applicant_name="Trần Thị Bình",
        applicant_id_number=citizen.personal_id,
    )
    assert (dossier.channel, dossier.applicant) == (Channel.DIRECT, citizen)


def test_the_agency_must_handle_the_procedure(citizen, procedure, other_agency):
    with pytest.raises(ValidationFailed) as refused:
        dossier_create(
            actor=citizen,
            procedure=procedure,
            agency=other_agency,
            channel=Channel.ONLINE,
            applicant_name="Nguyễn Văn An",
        )
    assert refused.value.fields == {"agency": "invalid"}


def test_an_empty_applicant_name_is_refused(citizen, procedure, agency):
    with pytest.raises(ValidationFailed) as refused:
        dossier_create(
            actor=citizen,
            procedure=procedure,
            agency=agency,
            channel=Channel.ONLINE,
            applicant_name="   ",
        )
    assert refused.value.fields == {"applicant_name": "required"}


def test_events_are_immutable(walker):
    dossier = walker.dossier_in(State.SUBMITTED)
    event = DossierEvent.objects.filter(dossier=dossier).last()
    event.note = "sửa lén"
    with pytest.raises(ValueError):
        event.save()


def test_transitions_write_sync_and_notification_rows(walker):
    dossier = walker.dossier_in(State.RECEIVED)
    rows = list(
        OutboxMessage.objects.filter(payload__dossier_id=dossier.pk).values_list(
            "topic", "payload__state"
        )
    )
    assert rows == [
        ("national.sync", "submitted"),
        ("national.sync", "received"),
        ("dossier.notify", None),
    ]


@pytest.fixture
def notify_handler(monkeypatch):
    """Replace the "dossier.notify" handler for one test; the real one is back afterwards."""
    from motcua.core import outbox

    monkeypatch.setattr(outbox, "_HANDLERS", dict(outbox._HANDLERS))
    return outbox_handler("dossier.notify")


def test_outbox_delivery_is_idempotent(walker, django_capture_on_commit_callbacks, notify_handler):
    delivered: list[dict] = []
    notify_handler(delivered.append)
    with django_capture_on_commit_callbacks(execute=True):
        walker.dossier_in(State.RECEIVED)
    message = OutboxMessage.objects.get(topic="dossier.notify")
    assert message.status == OutboxMessage.Status.SENT  # delivered after commit
    assert outbox_deliver.call(message.pk) == "skipped"
    assert len(delivered) == 1


def test_a_failing_handler_keeps_the_message_for_a_retry(
    walker, django_capture_on_commit_callbacks, notify_handler
):
    def broken(payload: dict) -> None:
        raise ConnectionError("gateway down")

    notify_handler(broken)
    with django_capture_on_commit_callbacks(execute=True):
        walker.dossier_in(State.RECEIVED)
    message = OutboxMessage.objects.get(topic="dossier.notify")
    assert (message.status, message.attempts) == (OutboxMessage.Status.FAILED, 1)
    assert message.last_error == "ConnectionError: gateway down"


def test_readers_see_their_own_or_their_agencys_dossiers(walker, citizen, reception, other_agency):
    dossier = walker.dossier_in(State.RECEIVED)
    stranger = CitizenFactory(username="046090000777", personal_id="046090000777")
    outsider = staff(Role.RECEPTION, other_agency, username="mot_cua_ngoai")
    for actor in (None, stranger, outsider):
        with pytest.raises(NotFound):
            dossier_get_for_actor(actor, dossier.code)
    assert dossier_get_for_actor(citizen, dossier.code) == dossier
    assert AuditEvent.objects.filter(action="dossier.read").count() == 0
    assert dossier_get_for_actor(reception, dossier.reference) == dossier
    read = AuditEvent.objects.get(action="dossier.read")
    assert (read.actor, read.object_id) == (reception, str(dossier.pk))


def test_a_leader_reads_the_agencies_below(walker, agency):
    from tests.factories import AgencyFactory

    city = AgencyFactory(code="000.00.00.H99", name="UBND thử nghiệm", level="province")
    agency.parent = city
    agency.save()
    leader = staff(Role.LEADER, city, username="lanh_dao_tinh")
    dossier = walker.dossier_in(State.RECEIVED)
    assert dossier_get_for_actor(leader, dossier.code) == dossier


def test_an_unknown_action_is_refused(walker):
    dossier = walker.dossier_in(State.SUBMITTED)
    with pytest.raises(ValidationFailed):
        walker.act(dossier, "teleport", actor=walker.reception)
    assert Action.RECEIVE in [a for a in Action.values]
