"""The applicant's letters as PDFs, read back with pypdf: whatever people typed (names,
reasons, the missing papers) is printed as typed, never read as reportlab markup."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from motcua.dossiers.letters import letter_pdf
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, State
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
