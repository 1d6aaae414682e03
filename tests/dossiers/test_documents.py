"""Attachments with sniffed types, digitisation, reuse from the data store, the apology
letter and the PDFs."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from motcua.core.errors import PermissionDenied, ValidationFailed
from motcua.core.worktime import TZ
from motcua.dossiers.documents import document_attach, document_reuse, dossier_mark_digitized
from motcua.dossiers.letters import letter_kinds, letter_pdf
from motcua.dossiers.models import Dossier, DossierDocument, DossierEvent, State
from motcua.dossiers.services import dossier_issue_apology
from motcua.index.metrics import counters_rebuild, counters_snapshot
from tests.factories import RequiredDocumentFactory

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
    return RequiredDocumentFactory(
        procedure=three_step_procedure, name="Giấy chứng sinh", position=1
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
    from tests.factories import CitizenFactory

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


def test_a_result_of_an_earlier_dossier_is_reused(walker, citizen, specialist, birth_certificate):
    earlier = walker.dossier_in(State.IN_PROGRESS)
    result = document_attach(
        actor=specialist, dossier=earlier, upload=upload(), kind=DossierDocument.Kind.RESULT
    )
    assert Dossier.objects.get(pk=earlier.pk).e_result is True
    later = walker.create()
    reused = document_reuse(
        actor=citizen, dossier=later, source=result, required_document=birth_certificate
    )
    assert (reused.reused_from, reused.sha256) == (result, result.sha256)
    assert Dossier.objects.get(pk=later.pk).reused_data is True


def test_only_the_same_persons_results_can_be_reused(
    walker, citizen, specialist, birth_certificate
):
    earlier = walker.dossier_in(State.IN_PROGRESS)
    result = document_attach(
        actor=specialist, dossier=earlier, upload=upload(), kind=DossierDocument.Kind.RESULT
    )
    Dossier.objects.filter(pk=earlier.pk).update(applicant_id_number="046090000123")
    result.refresh_from_db()
    with pytest.raises(ValidationFailed):
        document_reuse(
            actor=citizen,
            dossier=walker.create(),
            source=result,
            required_document=birth_certificate,
        )


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
