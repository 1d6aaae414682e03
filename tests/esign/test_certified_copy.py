"""Electronic certified copies: the scan of the original becomes the copy (its pages and the
statement), the approver signs it like any e-result, and the signed copy verifies."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from motcua.core.errors import PermissionDenied, ValidationFailed
from motcua.core.models import AuditEvent
from motcua.dossiers.documents import document_attach
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, DossierDocument, State
from motcua.esign.certified_copy import certified_copy_prepare, copy_sources
from motcua.esign.services import result_sign_and_approve
from motcua.esign.verify import result_verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _copies(settings, tmp_path, procedure):
    settings.MEDIA_ROOT = tmp_path
    settings.MOTCUA_CERTIFIED_COPY_PROCEDURES = [procedure.code]


def scan_pdf(*lines: str) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    for line in lines:
        page.drawString(72, 720, line)
        page.showPage()
    page.save()
    return out.getvalue()


def scan_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 850), (250, 250, 240)).save(out, format="PNG")
    return out.getvalue()


def scanned(walker, dossier: Dossier, data: bytes, name: str) -> DossierDocument:
    return document_attach(
        actor=walker.reception,
        dossier=dossier,
        upload=SimpleUploadedFile(name, data),
        kind=DossierDocument.Kind.SCAN,
    )


def text_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_a_pdf_scan_becomes_its_pages_and_the_statement(walker):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    source = scanned(walker, dossier, scan_pdf("BANG TOT NGHIEP trang 1", "trang 2"), "bang.pdf")

    copy = certified_copy_prepare(
        actor=walker.specialist,
        dossier=Dossier.objects.get(pk=dossier.pk),
        source=source,
        original_name="  Bằng tốt nghiệp   đại học ",
    )

    assert (copy.kind, copy.content_type) == (DossierDocument.Kind.RESULT, "application/pdf")
    assert copy.name == f"Bản sao chứng thực {dossier.public_code}.pdf"
    pages = text_of(copy.file.read())
    assert len(pages) == 3
    assert "BANG TOT NGHIEP trang 1" in pages[0]
    assert "trang 2" in pages[1]
    assert "Chứng thực bản sao này đúng với bản chính." in pages[2]
    assert "Bằng tốt nghiệp đại học" in pages[2]
    assert f"{dossier.public_code}/SCT/BS-ĐT" in pages[2]
    assert source.sha256 in pages[2].replace("\n", "")
    event = AuditEvent.objects.get(action="esign.certified_copy")
    assert event.data == {
        "dossier": dossier.public_code,
        "source_document_id": source.pk,
        "pages": 2,
        "number": f"{dossier.public_code}/SCT/BS-ĐT",
    }


def test_an_image_scan_is_one_page_then_signed_and_verified(walker, pki):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    source = scanned(walker, dossier, scan_png(), "giay-to.png")
    copy = certified_copy_prepare(
        actor=walker.specialist,
        dossier=Dossier.objects.get(pk=dossier.pk),
        source=source,
        original_name="Giấy khai sinh",
    )
    assert len(text_of(copy.file.read())) == 2
    dossier = walker.act(Dossier.objects.get(pk=dossier.pk), Action.FORWARD)

    result = result_sign_and_approve(actor=walker.approver, dossier=dossier, document=copy)

    copy.refresh_from_db()
    signed = copy.file.read()
    verdict = result_verify(signed, token=result.token)
    assert verdict.valid, verdict.message
    assert verdict.record == result
    assert Dossier.objects.get(pk=dossier.pk).state == State.RESULT_READY


def test_only_the_officer_holding_the_step_certifies(walker, reception):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    source = scanned(walker, dossier, scan_png(), "giay-to.png")
    with pytest.raises(PermissionDenied):
        certified_copy_prepare(
            actor=reception, dossier=dossier, source=source, original_name="Giấy khai sinh"
        )
    assert not DossierDocument.objects.filter(kind=DossierDocument.Kind.RESULT).exists()


def test_refusals_name_the_problem_and_attach_nothing(walker, settings):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    other = walker.dossier_in(State.IN_PROGRESS)
    mine = scanned(walker, dossier, scan_png(), "giay-to.png")
    theirs = scanned(walker, other, scan_png(), "cua-nguoi-khac.png")
    dossier = Dossier.objects.get(pk=dossier.pk)

    def refused(**change) -> ValidationFailed:
        arguments = {"source": mine, "original_name": "Giấy khai sinh", **change}
        with pytest.raises(ValidationFailed) as refusal:
            certified_copy_prepare(actor=walker.specialist, dossier=dossier, **arguments)
        return refusal.value

    assert refused(source=theirs).fields == {"document": "invalid"}
    assert refused(original_name="   ").message == (
        "Phải ghi tên giấy tờ bản chính (ví dụ: Bằng tốt nghiệp đại học)."
    )
    assert refused(original_name="x" * 301).fields == {"original_name": "too_long"}
    settings.MOTCUA_CERTIFIED_COPY_PROCEDURES = ["2.000815"]
    assert refused().message == "Thủ tục của hồ sơ này không cấp bản sao điện tử chứng thực."
    assert not DossierDocument.objects.filter(kind=DossierDocument.Kind.RESULT).exists()
    assert not AuditEvent.objects.filter(action="esign.certified_copy").exists()


def test_the_sources_are_this_dossiers_scans_and_submissions_only(walker):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    scan = scanned(walker, dossier, scan_png(), "giay-to.png")
    copy = certified_copy_prepare(
        actor=walker.specialist, dossier=dossier, source=scan, original_name="Giấy khai sinh"
    )
    assert copy not in copy_sources(dossier)
    assert [d.pk for d in copy_sources(dossier)] == [scan.pk]


def test_the_processing_page_offers_it_only_for_a_certifying_procedure(client, walker, settings):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    source = scanned(walker, dossier, scan_png(), "giay-to.png")
    dossier = Dossier.objects.get(pk=dossier.pk)
    client.force_login(walker.specialist)
    page = f"/mot-cua/xu-ly/{dossier.code}/"
    assert "Chứng thực bản sao điện tử từ bản chính" in client.get(page).content.decode()

    response = client.post(
        f"{page}ban-sao-chung-thuc/",
        {"version": dossier.version, "document": source.pk, "original_name": "Giấy khai sinh"},
    )

    assert response.status_code == 302
    copy = dossier.documents.get(kind=DossierDocument.Kind.RESULT)
    assert copy.name == f"Bản sao chứng thực {dossier.code}.pdf"
    assert dossier.events.order_by("-seq").first().action == "result_drafted"

    settings.MOTCUA_CERTIFIED_COPY_PROCEDURES = ["2.000815"]
    dossier = Dossier.objects.get(pk=dossier.pk)
    assert "Chứng thực bản sao điện tử từ bản chính" not in client.get(page).content.decode()
    refused = client.post(
        f"{page}ban-sao-chung-thuc/",
        {"version": dossier.version, "document": source.pk, "original_name": "Giấy khai sinh"},
    )
    assert refused.status_code == 400
    assert dossier.documents.filter(kind=DossierDocument.Kind.RESULT).count() == 1
