"""Attachments with sniffed types, digitisation, reuse from the data store, the apology
letter and the PDFs."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.test import override_settings

from motcua.core.errors import PermissionDenied, ValidationFailed
from motcua.core.models import OutboxMessage
from motcua.core.worktime import TZ
from motcua.counters.models import DailyCounter
from motcua.counters.selectors import counters_snapshot
from motcua.counters.services import counters_rebuild
from motcua.directory.models import Role
from motcua.dossiers.documents import (
    document_attach,
    document_reuse,
    dossier_mark_digitized,
    issued_results,
    store_documents_for,
    store_documents_of,
)
from motcua.dossiers.letters import letter_kinds, letter_pdf
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, DossierDocument, DossierEvent, State
from motcua.dossiers.public import dossier_public
from motcua.dossiers.services import dossier_issue_apology
from motcua.office.queues.labels import EVENT_LABELS
from tests.factories import CitizenFactory, RequiredDocumentFactory, staff

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(data: bytes = PDF, name: str = "giay-khai-sinh.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def birth_certificate(three_step_procedure):
    # Results of the same procedure stand in for it (the walker's dossiers are all of one).
    return RequiredDocumentFactory(
        procedure=three_step_procedure,
        name="Giấy chứng sinh",
        position=1,
        accepts_results_of=[three_step_procedure.code],
    )


def test_the_applicant_attaches_a_pdf_to_their_draft(walker, citizen, birth_certificate):
    dossier = walker.create()
    document = document_attach(
        actor=citizen,
        dossier=dossier,
        upload=upload(),
        kind=DossierDocument.Kind.SUBMITTED,
        required_document=birth_certificate,
    )
    assert (document.content_type, document.size, document.name) == (
        "application/pdf",
        len(PDF),
        "giay-khai-sinh.pdf",
    )
    assert document.file.read() == PDF
    assert DossierEvent.objects.filter(dossier=dossier, action="attach").count() == 1


@pytest.mark.parametrize(
    ("data", "name", "field"),
    [
        (b"MZ\x90\x00 not a pdf", "to-khai.pdf", "type"),  # an executable named .pdf
        (b"plain text", "anh.png", "type"),
        (b"", "rong.pdf", "empty"),
    ],
)
def test_wrong_or_disguised_types_are_refused(walker, citizen, data, name, field):
    dossier = walker.create()
    with pytest.raises(ValidationFailed) as refused:
        document_attach(
            actor=citizen,
            dossier=dossier,
            upload=upload(data, name),
            kind=DossierDocument.Kind.SUBMITTED,
        )
    assert refused.value.fields == {"file": field}
    assert DossierDocument.objects.count() == 0


def test_a_file_over_the_limit_is_refused(walker, citizen):
    dossier = walker.create()
    with override_settings(MOTCUA_MAX_UPLOAD_BYTES=1024), pytest.raises(ValidationFailed) as e:
        document_attach(
            actor=citizen,
            dossier=dossier,
            upload=upload(PDF + b"0" * 2000),
            kind=DossierDocument.Kind.SUBMITTED,
        )
    assert e.value.fields == {"file": "too_large"}
    assert DossierDocument.objects.count() == 0


def test_another_citizen_cannot_attach(walker):
    dossier = walker.create()
    other = CitizenFactory(username="046090000555", personal_id="046090000555")
    with pytest.raises(PermissionDenied):
        document_attach(
            actor=other, dossier=dossier, upload=upload(), kind=DossierDocument.Kind.SUBMITTED
        )
    assert DossierDocument.objects.count() == 0


def test_digitisation_needs_a_scan_of_each_required_document(walker, reception, birth_certificate):
    dossier = walker.dossier_in(State.RECEIVED)
    with pytest.raises(ValidationFailed) as refused:
        dossier_mark_digitized(actor=reception, dossier=dossier)
    assert refused.value.message == "Còn thiếu bản quét: Giấy chứng sinh."
    document_attach(
        actor=reception,
        dossier=dossier,
        upload=upload(PNG, "scan.png"),
        kind=DossierDocument.Kind.SCAN,
        required_document=birth_certificate,
    )
    dossier = dossier_mark_digitized(actor=reception, dossier=Dossier.objects.get(pk=dossier.pk))
    assert dossier.digitized is True
    snapshot = counters_snapshot()
    counters_rebuild()
    assert counters_snapshot() == snapshot  # the digitized counter moved with the flag


def _draft_result(walker, dossier: Dossier) -> DossierDocument:
    return document_attach(
        actor=walker.specialist,
        dossier=dossier,
        upload=upload(),
        kind=DossierDocument.Kind.RESULT,
        at=walker.next_moment(dossier),
    )


def _issued_result(walker) -> tuple[Dossier, DossierDocument]:
    """An earlier dossier of the walker's citizen, approved with a result and returned."""
    earlier = walker.dossier_in(State.IN_PROGRESS)
    result = _draft_result(walker, earlier)
    earlier = walker.act(Dossier.objects.get(pk=earlier.pk), Action.FORWARD)
    earlier = walker.act(earlier, Action.APPROVE)
    earlier = walker.act(earlier, Action.RETURN)
    assert earlier.state == State.RETURNED
    return Dossier.objects.get(pk=earlier.pk), result


def _later_snapshot(dossier: Dossier) -> tuple:
    fresh = Dossier.objects.get(pk=dossier.pk)
    return (
        fresh.version,
        fresh.reused_data,
        fresh.documents.count(),
        list(fresh.events.values_list("action", flat=True)),
    )


def counter(metric: str) -> int:
    return DailyCounter.objects.filter(metric=metric).aggregate(v=Sum("value"))["v"] or 0


def test_a_draft_result_is_not_in_the_store_and_cannot_be_reused(
    walker, citizen, reception, birth_certificate
):
    earlier = walker.dossier_in(State.IN_PROGRESS)
    draft = _draft_result(walker, earlier)
    online, at_the_counter = walker.create(), walker.walk_in_draft()

    assert list(store_documents_of(citizen.personal_id)) == []
    for actor, later in ((citizen, online), (reception, at_the_counter)):
        before = _later_snapshot(later)
        with pytest.raises(ValidationFailed) as refused:
            document_reuse(
                actor=actor, dossier=later, source=draft, required_document=birth_certificate
            )
        assert refused.value.message == (
            "Chỉ sử dụng lại kết quả đã cấp của hồ sơ trước của chính người nộp."
        )
        assert _later_snapshot(later) == before
    assert DossierDocument.objects.filter(reused_from=draft).count() == 0


def test_the_result_of_a_refused_dossier_never_reaches_the_store(
    walker, citizen, birth_certificate
):
    earlier = walker.dossier_in(State.IN_PROGRESS)
    draft = _draft_result(walker, earlier)
    walker.act(Dossier.objects.get(pk=earlier.pk), Action.REFUSE)
    later = walker.create()
    before = _later_snapshot(later)

    assert list(store_documents_of(citizen.personal_id)) == []
    with pytest.raises(ValidationFailed):
        document_reuse(
            actor=citizen, dossier=later, source=draft, required_document=birth_certificate
        )
    assert _later_snapshot(later) == before


def test_a_returned_result_is_reused(walker, citizen, birth_certificate):
    earlier, result = _issued_result(walker)
    assert list(store_documents_of(citizen.personal_id)) == [result]
    later = walker.create()

    reused = document_reuse(
        actor=citizen, dossier=later, source=result, required_document=birth_certificate
    )

    assert (reused.reused_from, reused.sha256, reused.kind) == (
        result,
        result.sha256,
        DossierDocument.Kind.SUBMITTED,
    )
    later = Dossier.objects.get(pk=later.pk)
    assert later.reused_data is True
    assert list(later.events.values_list("action", flat=True)) == ["create", "reuse"]
    # A dossier cannot reuse its own result, and the copy is not a second result in the store.
    with pytest.raises(ValidationFailed):
        document_reuse(
            actor=walker.reception,
            dossier=earlier,
            source=result,
            required_document=birth_certificate,
        )
    assert list(store_documents_of(citizen.personal_id)) == [result]


def test_a_result_of_another_kind_is_not_reused_for_a_document(walker, citizen, birth_certificate):
    _earlier, result = _issued_result(walker)
    marriage = RequiredDocumentFactory(
        procedure=birth_certificate.procedure,
        name="Giấy chứng nhận kết hôn",
        position=2,
        accepts_results_of=["1.000894"],
    )
    later = walker.create()
    before = _later_snapshot(later)
    assert list(store_documents_for(citizen.personal_id, marriage)) == []
    assert list(store_documents_for(citizen.personal_id, birth_certificate)) == [result]

    with pytest.raises(ValidationFailed) as refused:
        document_reuse(actor=citizen, dossier=later, source=result, required_document=marriage)

    assert refused.value.message == (
        f"Kết quả “{result.name}” ({result.dossier.procedure.name}) không phải loại giấy tờ "
        "“Giấy chứng nhận kết hôn” yêu cầu; hãy chọn kết quả phù hợp hoặc tải tệp lên."
    )
    assert refused.value.fields == {"source": "kind"}
    assert _later_snapshot(later) == before


def test_without_an_id_number_there_is_no_store(walker, citizen):
    earlier, result = _issued_result(walker)
    Dossier.objects.filter(pk=earlier.pk).update(applicant_id_number="")
    # Issued, but a store is keyed by an ID number: an empty one is nobody's.
    assert list(issued_results()) == [result]
    assert list(store_documents_of("")) == []
    assert list(store_documents_of(citizen.personal_id)) == []


def test_only_the_same_persons_results_can_be_reused(walker, citizen, birth_certificate):
    earlier, result = _issued_result(walker)
    Dossier.objects.filter(pk=earlier.pk).update(applicant_id_number="046090000123")
    result.refresh_from_db()
    later = walker.create()
    before = _later_snapshot(later)
    with pytest.raises(ValidationFailed):
        document_reuse(
            actor=citizen, dossier=later, source=result, required_document=birth_certificate
        )
    assert _later_snapshot(later) == before


def test_attaching_a_result_is_a_draft_nobody_outside_hears_of(walker):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    notices = OutboxMessage.objects.filter(topic="dossier.notify").count()

    result = _draft_result(walker, dossier)

    dossier = Dossier.objects.get(pk=dossier.pk)
    event = dossier.events.order_by("-seq").first()
    assert (event.action, event.payload["document_id"], event.from_state, event.to_state) == (
        "result_drafted",
        result.pk,
        State.IN_PROGRESS,
        State.IN_PROGRESS,
    )
    assert (dossier.e_result, dossier.result_to_store) == (False, False)
    assert OutboxMessage.objects.filter(topic="dossier.notify").count() == notices
    public = dossier_public(dossier.public_code)
    assert "result_drafted" not in [e["action"] for e in public["events"]]
    assert EVENT_LABELS["result_drafted"] == "Dự thảo kết quả"


def test_approval_with_a_result_makes_it_an_e_result_and_moves_the_counters(walker):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    _draft_result(walker, dossier)
    dossier = walker.act(Dossier.objects.get(pk=dossier.pk), Action.FORWARD)
    assert (counter("finished"), counter("e_result"), counter("e_result_to_store")) == (0, 0, 0)

    dossier = walker.act(dossier, Action.APPROVE)

    dossier = Dossier.objects.get(pk=dossier.pk)
    assert (dossier.state, dossier.e_result, dossier.result_to_store) == (
        State.RESULT_READY,
        True,
        True,
    )
    assert (counter("finished"), counter("e_result"), counter("e_result_to_store")) == (1, 1, 1)
    snapshot = counters_snapshot()
    counters_rebuild()
    assert counters_snapshot() == snapshot


def test_approval_without_a_result_is_no_e_result(walker):
    dossier = walker.dossier_in(State.RESULT_READY)
    assert (dossier.e_result, dossier.result_to_store) == (False, False)
    assert (counter("finished"), counter("e_result")) == (1, 0)


def test_a_draft_of_a_dossier_refused_after_processing_is_no_e_result(walker):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    _draft_result(walker, dossier)

    dossier = walker.act(Dossier.objects.get(pk=dossier.pk), Action.REFUSE)

    assert (dossier.state, dossier.e_result) == (State.REFUSED, False)
    assert (counter("finished"), counter("e_result")) == (1, 0)
    snapshot = counters_snapshot()
    counters_rebuild()
    assert counters_snapshot() == snapshot


def test_the_apology_sets_a_new_appointment_but_not_the_due_moment(walker, specialist):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    due = dossier.due_at
    new = datetime(2026, 3, 12, 16, 0, tzinfo=TZ)
    after_due = due.replace(hour=16)
    dossier = dossier_issue_apology(
        actor=specialist,
        dossier=dossier,
        new_appointment=new,
        reason="Chờ kết quả xác minh của cơ quan khác.",
        at=after_due,
    )
    assert (dossier.due_at, dossier.apology_appointment_at, dossier.appointment_at) == (
        due,
        new,
        new,
    )
    assert letter_kinds(dossier) == ["receipt", "apology"]
    assert letter_pdf(dossier, "apology").startswith(b"%PDF")


def test_an_apology_needs_a_later_date_and_a_reason(walker, specialist, citizen):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    with pytest.raises(ValidationFailed):
        dossier_issue_apology(
            actor=specialist,
            dossier=dossier,
            new_appointment=dossier.due_at,
            reason="Lý do",
            at=dossier.due_at,
        )
    with pytest.raises(ValidationFailed):
        dossier_issue_apology(
            actor=specialist,
            dossier=dossier,
            new_appointment=datetime(2026, 4, 1, 9, tzinfo=TZ),
            reason=" ",
            at=dossier.due_at,
        )
    with pytest.raises(PermissionDenied):
        dossier_issue_apology(
            actor=citizen,
            dossier=dossier,
            new_appointment=datetime(2026, 4, 1, 9, tzinfo=TZ),
            reason="x",
        )
    assert Dossier.objects.get(pk=dossier.pk).apology_appointment_at is None


def test_the_receipt_pdf_holds_the_code_and_appointment(walker):
    dossier = walker.dossier_in(State.RECEIVED)
    pdf = letter_pdf(dossier, "receipt")
    assert pdf.startswith(b"%PDF")
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert dossier.code in text
    assert "Hẹn trả kết quả\n10 giờ 00, ngày 05/03/2026" in text  # received Mon 10:00 + 3 d


# Attaching a result: only the officer holding the current step, while the dossier is processed.

HOLDER_ONLY = "Chỉ cán bộ được giao bước xử lý hiện tại được đính kèm kết quả cho hồ sơ này."


def _at_assigned_step(walker) -> Dossier:
    """In progress at Trình ký (the specialist's step), assigned by name to `walker.specialist`."""
    dossier = walker.dossier_in(State.RECEIVED)
    dossier = walker.act(dossier, Action.FORWARD)
    dossier = walker.act(dossier, Action.FORWARD, assignee=walker.specialist)
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert (dossier.current_step.name, dossier.assignee_id) == ("Trình ký", walker.specialist.pk)
    return dossier


def _attach_result(actor, dossier: Dossier, data: bytes = PDF) -> DossierDocument:
    return document_attach(
        actor=actor,
        dossier=dossier,
        upload=upload(data, "ket-qua.pdf"),
        kind=DossierDocument.Kind.RESULT,
        at=datetime(2026, 3, 3, 9, 0, tzinfo=TZ),
    )


def _unchanged(dossier: Dossier, media) -> tuple:
    """What a refused attachment must leave as it was: the row, its events, its documents and
    the files in storage."""
    fresh = Dossier.objects.get(pk=dossier.pk)
    return (
        fresh.version,
        fresh.e_result,
        list(fresh.events.order_by("seq").values_list("seq", "action")),
        list(DossierDocument.objects.order_by("pk").values_list("pk", flat=True)),
        sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()),
    )


def _actor(name: str, walker, other_agency):
    return {
        "none": lambda: None,
        "anonymous": AnonymousUser,
        "owner": lambda: walker.citizen,
        "another citizen": lambda: CitizenFactory(
            username="046090000777", personal_id="046090000777"
        ),
        "staff of another agency": lambda: staff(
            Role.SPECIALIST, other_agency, username="xaydung_specialist"
        ),
        "reception of the agency": lambda: walker.reception,
        "a specialist who is not the assignee": lambda: staff(
            Role.SPECIALIST, walker.agency, username="motcua_specialist_2"
        ),
        "the approver at the specialist's step": lambda: walker.approver,
    }[name]()


@pytest.mark.parametrize(
    "who",
    [
        "none",
        "anonymous",
        "owner",
        "another citizen",
        "staff of another agency",
        "reception of the agency",
        "a specialist who is not the assignee",
        "the approver at the specialist's step",
    ],
)
def test_only_the_step_holder_attaches_a_result(walker, other_agency, tmp_path, who):
    dossier = _at_assigned_step(walker)
    actor = _actor(who, walker, other_agency)
    before = _unchanged(dossier, tmp_path)

    with pytest.raises(PermissionDenied) as refused:
        _attach_result(actor, dossier)

    assert refused.value.message == HOLDER_ONLY
    assert _unchanged(dossier, tmp_path) == before


def test_the_step_holder_attaches_a_result(walker, tmp_path):
    dossier = _at_assigned_step(walker)

    result = _attach_result(walker.specialist, dossier)

    fresh = Dossier.objects.get(pk=dossier.pk)
    assert fresh.version == dossier.version + 1
    assert list(fresh.events.order_by("-seq").values_list("action", "actor_id")[:1]) == [
        ("result_drafted", walker.specialist.pk)
    ]
    assert list(fresh.documents.values_list("pk", "kind", "uploaded_by_id")) == [
        (result.pk, DossierDocument.Kind.RESULT, walker.specialist.pk)
    ]
    assert (tmp_path / result.file.name).read_bytes() == PDF


@pytest.mark.parametrize("state", [State.RECEIVED, State.SUSPENDED, State.RESULT_READY])
def test_no_result_outside_processing(walker, tmp_path, state):
    dossier = walker.dossier_in(state)
    before = _unchanged(dossier, tmp_path)

    with pytest.raises(ValidationFailed) as refused:
        _attach_result(walker.specialist, dossier)

    assert refused.value.message == (
        "Chỉ đính kèm kết quả khi hồ sơ đang được xử lý; hồ sơ đang ở trạng thái "
        f"“{State(state).label}”."
    )
    assert refused.value.fields == {"state": "invalid"}
    assert _unchanged(dossier, tmp_path) == before


def test_the_locked_row_decides_when_the_step_moved_on(walker, tmp_path):
    # The specialist's page read the dossier at their step; before they attach, it is
    # forwarded to the approver.
    seen = _at_assigned_step(walker)
    walker.act(Dossier.objects.get(pk=seen.pk), Action.FORWARD)
    before = _unchanged(seen, tmp_path)

    with pytest.raises(PermissionDenied) as refused:
        _attach_result(walker.specialist, seen)

    assert refused.value.message == HOLDER_ONLY
    assert _unchanged(seen, tmp_path) == before


def test_a_refused_actor_is_refused_before_the_file_is_read(walker, tmp_path):
    dossier = _at_assigned_step(walker)
    before = _unchanged(dossier, tmp_path)

    # Not a PDF, but the refusal is about who, not what: the upload is never looked at.
    with pytest.raises(PermissionDenied):
        _attach_result(walker.approver, dossier, data=b"plain text")

    assert _unchanged(dossier, tmp_path) == before


def test_the_holder_of_a_step_at_another_agency_attaches_the_result(
    walker, partner_agency, tmp_path
):
    step = walker.procedure.steps.get(name="Trình ký")
    step.agency = partner_agency
    step.save(update_fields=["agency"])
    dossier = walker.dossier_in(State.IN_PROGRESS)
    assert dossier.current_step == step
    partner = staff(Role.SPECIALIST, partner_agency, username="taichinh_specialist")
    before = _unchanged(dossier, tmp_path)

    # The dossier's own specialist does not hold a step worked at the partner agency.
    with pytest.raises(PermissionDenied):
        _attach_result(walker.specialist, dossier)
    assert _unchanged(dossier, tmp_path) == before

    result = _attach_result(partner, dossier)
    assert result.uploaded_by == partner
