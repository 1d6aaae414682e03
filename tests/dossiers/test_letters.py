"""The applicant's letters as PDFs, read back with pypdf: whatever people typed (names,
reasons, the missing papers) is printed as typed, never read as reportlab markup."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from motcua.dossiers.documents import document_attach
from motcua.dossiers.letters import letter_pdf
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, DossierDocument, State
from motcua.dossiers.services import dossier_issue_apology
from tests.factories import RequiredDocumentFactory

# An unbalanced `<b>` fails a Paragraph; `<img src>` makes it read a file or fetch a URL.
MARKUP = 'Cty <b>A&B <img src="/etc/passwd"/>'


def text_of(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


@pytest.fixture
def marked(walker, agency, specialist):
    """The walker's agency, procedure, applicant and officer, each named with markup."""
    type(agency).objects.filter(pk=agency.pk).update(name=f"{MARKUP} agency")
    procedure = walker.procedure
    type(procedure).objects.filter(pk=procedure.pk).update(name=f"{MARKUP} procedure")
    RequiredDocumentFactory(procedure=procedure, name=f"{MARKUP} document")
    for officer in (walker.reception, specialist):
        officer.full_name = f"{MARKUP} officer"
        officer.save(update_fields=["full_name"])
    walker.citizen.full_name = f"{MARKUP} applicant"
    walker.citizen.save(update_fields=["full_name"])
    return walker


def common(dossier: Dossier) -> list[str]:
    return [
        f"Cơ quan giải quyết {MARKUP} agency",
        f"Thủ tục {MARKUP} procedure ({dossier.procedure.code})",
        f"Người nộp {MARKUP} applicant",
        f"Cán bộ: {MARKUP} officer",
    ]


def test_the_receipt_letter(marked):
    dossier = marked.dossier_in(State.RECEIVED)

    text = text_of(letter_pdf(dossier, "receipt"))

    for line in [*common(dossier), f"1. {MARKUP} document"]:
        assert line in text


def test_the_supplement_letter(marked):
    dossier = marked.dossier_in(State.RECEIVED)
    dossier = marked.act(dossier, Action.FORWARD)
    dossier = marked.act(dossier, Action.REQUEST_SUPPLEMENT, missing=[f"{MARKUP} missing"])

    text = text_of(letter_pdf(dossier, "supplement"))

    for line in [*common(dossier), f"1. {MARKUP} missing"]:
        assert line in text


def test_the_refusal_letter(marked):
    dossier = marked.dossier_in(State.SUBMITTED)
    dossier = marked.act(dossier, Action.REFUSE, reason=f"{MARKUP} reason")

    text = text_of(letter_pdf(dossier, "refusal"))

    for line in [*common(dossier), f"Lý do từ chối: {MARKUP} reason"]:
        assert line in text


def test_the_apology_letter(marked, specialist):
    dossier = marked.dossier_in(State.IN_PROGRESS)
    at = marked.next_moment(dossier)
    dossier = dossier_issue_apology(
        actor=specialist,
        dossier=dossier,
        new_appointment=dossier.due_at + timedelta(days=3),
        reason=f"{MARKUP} reason",
        at=at,
    )

    text = text_of(letter_pdf(dossier, "apology"))

    for line in [
        *common(dossier),
        f"Lý do chậm trễ: {MARKUP} reason",
        f"{MARKUP} agency xin lỗi ông/bà",
    ]:
        assert line in text


def test_the_receipt_lists_only_the_optional_papers_received(walker, tmp_path, settings):
    """Two applicants of one procedure: one brought the optional proxy letter, the other
    nothing optional; reception recorded with and without the counter's checklist."""
    settings.MEDIA_ROOT = tmp_path
    procedure = walker.procedure
    for position, name, optional in [
        (1, "Tờ khai", False),
        (2, "Văn bản ủy quyền", True),
        (3, "Giấy tờ chứng minh được miễn phí", True),
    ]:
        RequiredDocumentFactory(
            procedure=procedure, position=position, name=name, optional=optional
        )
    proxy = procedure.documents.get(position=2)

    with_proxy = walker.create()
    document_attach(
        actor=walker.citizen,
        dossier=with_proxy,
        upload=SimpleUploadedFile("uy-quyen.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
        kind=DossierDocument.Kind.SUBMITTED,
        required_document=proxy,
    )
    with_proxy = walker.act(walker.act(with_proxy, Action.SUBMIT), Action.RECEIVE)
    nothing_optional = walker.dossier_in(State.RECEIVED)
    ticked = walker.act(
        walker.dossier_in(State.SUBMITTED),
        Action.RECEIVE,
        received_documents=[procedure.documents.get(position=1).pk, proxy.pk],
    )

    assert "1. Tờ khai 2. Văn bản ủy quyền Cán bộ" in text_of(letter_pdf(with_proxy, "receipt"))
    assert "1. Tờ khai Cán bộ" in text_of(letter_pdf(nothing_optional, "receipt"))
    assert "1. Tờ khai 2. Văn bản ủy quyền Cán bộ" in text_of(letter_pdf(ticked, "receipt"))
    for dossier in (with_proxy, nothing_optional, ticked):
        assert "miễn phí" not in text_of(letter_pdf(dossier, "receipt"))
