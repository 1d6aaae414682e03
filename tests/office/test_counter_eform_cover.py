"""The counter and the e-form agree: the declaration a filled e-form replaces is received as
the e-form (never listed missing, never proposed for a supplement), while a walk-in of the
same procedure without the e-form still needs its paper declaration; the receipt lists what
was received and nothing else."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from motcua.catalog.coverage import (
    document_is_covered,
    documents_covered_by_eform,
    documents_covered_in,
)
from motcua.dossiers.documents import missing_for_digitization
from motcua.dossiers.letters import letter_pdf
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Channel, Dossier, State
from motcua.dossiers.services import dossier_create
from tests.dossiers.conftest import T0
from tests.office.conftest import online

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


def walk_in(walker) -> Dossier:
    """The same procedure at the counter: no e-form, the paper declaration in hand."""
    return dossier_create(
        actor=walker.reception,
        procedure=walker.procedure,
        agency=walker.agency,
        channel=Channel.DIRECT,
        applicant_name="Trần Thị Bình",
        applicant_id_number="046190000123",
        at=T0,
    )


def check(client: Client, dossier: Dossier):
    return client.get(f"/mot-cua/ho-so/{dossier.public_code}/kiem-tra/")


@pytest.fixture
def officer(client, reception):
    client.force_login(reception)
    return client


def test_the_rule_covers_the_declaration_only_once_the_e_form_is_filled(walker, papers):
    declaration, id_copy, *_ = papers
    filled, paper = online(walker), walk_in(walker)

    assert documents_covered_by_eform(walker.procedure) == {declaration.pk}
    assert documents_covered_in(filled) == {declaration.pk}
    assert documents_covered_in(paper) == set()
    assert (document_is_covered(declaration, filled), document_is_covered(id_copy, filled)) == (
        True,
        False,
    )
    assert document_is_covered(declaration, paper) is False


def test_the_counter_takes_the_e_form_for_the_declaration_but_not_for_a_walk_in(
    officer, walker, papers
):
    declaration, id_copy, *_ = papers
    filled, paper = online(walker), walk_in(walker)

    page = check(officer, filled)
    rows = {r["document"].pk: (r["covered"], r["missing"]) for r in page.context["rows"]}
    assert rows[declaration.pk] == (True, False)
    assert rows[id_copy.pk] == (False, True)
    assert page.context["missing_count"] == 1
    assert page.context["supplement_form"].initial["missing_documents"] == [str(id_copy.pk)]
    html = page.content.decode()
    assert html.count('data-testid="covered-by-eform"') == 1
    assert "thiếu 1 giấy tờ bắt buộc" in html

    page = check(officer, paper)
    rows = {r["document"].pk: (r["covered"], r["missing"]) for r in page.context["rows"]}
    assert rows[declaration.pk] == (False, True)
    assert page.context["missing_count"] == 2
    # A walk-in is received or refused on the spot: its checklist asks for the paper.
    assert page.context["reception_form"].initial["received_documents"] == [
        str(declaration.pk),
        str(id_copy.pk),
    ]
    assert 'data-testid="covered-by-eform"' not in page.content.decode()


def receipt_lines(dossier: Dossier) -> list[str]:
    pages = PdfReader(io.BytesIO(letter_pdf(dossier, "receipt"))).pages
    text = "\n".join(page.extract_text() for page in pages)
    body = text.split("Thành phần hồ sơ đã nhận:", 1)[1].split("Cán bộ:", 1)[0]
    return [line.strip() for line in body.strip().splitlines() if line.strip()]


def test_the_receipt_lists_only_the_papers_ticked_at_reception(officer, walker, papers):
    declaration, id_copy, proxy, exemption = papers
    dossier = online(walker)
    page = check(officer, dossier)
    form = page.context["reception_form"]
    # Pre-ticked: the required paper; the e-form's declaration is outside the checklist.
    assert form.initial["received_documents"] == [str(id_copy.pk)]
    assert [pk for pk, _name in form.fields["received_documents"].choices] == [
        str(id_copy.pk),
        str(proxy.pk),
        str(exemption.pk),
    ]

    response = officer.post(
        f"/mot-cua/ho-so/{dossier.public_code}/kiem-tra/",
        {
            "hanh_dong": "receive",
            "version": dossier.version,
            "checklist": "1",
            "received_documents": [str(id_copy.pk), str(proxy.pk)],
        },
    )

    assert response.status_code == 302
    received = Dossier.objects.get(pk=dossier.pk)
    event = received.events.get(action="receive")
    assert event.payload["received_documents"] == [declaration.pk, id_copy.pk, proxy.pk]
    assert receipt_lines(received) == [
        "1. Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (tờ khai điện tử)",
        "2. Bản chụp thẻ căn cước",
        "3. Văn bản ủy quyền",
    ]


def test_receiving_without_a_required_paper_is_refused(officer, walker, papers):
    _declaration, id_copy, proxy, _exemption = papers
    dossier = walk_in(walker)
    before = (dossier.state, dossier.version, dossier.events.count())

    response = officer.post(
        f"/mot-cua/ho-so/{dossier.public_code}/kiem-tra/",
        {
            "hanh_dong": "receive",
            "version": dossier.version,
            "checklist": "1",
            "received_documents": [str(id_copy.pk), str(proxy.pk)],
        },
    )

    assert response.status_code == 400
    assert (
        "Chưa nhận giấy tờ bắt buộc: Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp. Hãy yêu cầu bổ "
        "sung thay vì tiếp nhận hồ sơ chưa đủ."
    ) in response.content.decode()
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert (fresh.state, fresh.version, fresh.events.count()) == before


def test_without_the_checklist_the_receipt_lists_required_papers_and_optional_ones_with_a_file(
    walker, papers
):
    *_, proxy, exemption = papers
    dossier = online(walker, attach=proxy)
    received = walker.act(Dossier.objects.get(pk=dossier.pk), Action.RECEIVE)
    assert received.state == State.RECEIVED

    assert receipt_lines(received) == [
        "1. Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (tờ khai điện tử)",
        "2. Bản chụp thẻ căn cước",
        "3. Văn bản ủy quyền",
    ]
    assert exemption.name not in "\n".join(receipt_lines(received))


def test_digitisation_asks_a_scan_of_the_paper_declaration_only(walker, papers):
    """The filled e-form is already electronic: digitising an online dossier needs the scans
    of the other required papers, a walk-in's needs its paper declaration too."""
    declaration, id_copy, *_ = papers
    filled = walker.act(online(walker), Action.RECEIVE)
    paper = walker.act(walk_in(walker), Action.RECEIVE)
    assert [d.pk for d in missing_for_digitization(filled)] == [id_copy.pk]
    assert [d.pk for d in missing_for_digitization(paper)] == [declaration.pk, id_copy.pk]
