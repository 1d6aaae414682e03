"""Uploads that could run in an officer's browser or PDF reader are refused: a PDF with
active content (JavaScript, automatic actions, embedded files, XFA — names hex-escaped or
hidden in a compressed object stream included) and a file that is also an HTML page. What
is accepted is served back as a download with `nosniff` and a sandboxing CSP."""

from __future__ import annotations

import io
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.pdfgen import canvas

from motcua.core.errors import ValidationFailed
from motcua.core.filescan import html_marker, pdf_active_names
from motcua.dossiers.documents import document_attach
from motcua.dossiers.models import DossierDocument, State

pytestmark = pytest.mark.django_db

ACTIVE = (
    "Tệp PDF “{name}” chứa nội dung tự chạy (JavaScript, hành động tự động, tệp đính kèm "
    "hoặc biểu mẫu XFA) nên không được nhận. Hãy in tài liệu ra PDF thông thường (chọn "
    "“In ra PDF”) hoặc quét thành ảnh rồi nộp lại."
)
HTML = (
    "Tệp “{name}” có chứa mã trang web (HTML) nên không được nhận. Hãy nộp tệp PDF, JPEG "
    "hoặc PNG xuất trực tiếp từ máy quét hoặc phần mềm soạn thảo."
)


def pdf_with(body: bytes) -> bytes:
    return (
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R " + body + b" >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n"
        b"%%EOF\n"
    )


def clean_pdf() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Giay khai sinh - ban sao")
    page.showPage()
    page.save()
    return buffer.getvalue()


def object_stream(objects: bytes) -> bytes:
    packed = zlib.compress(b"3 0 " + objects)
    return (
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
        + str(len(packed)).encode()
        + b" >>\nstream\n"
        + packed
        + b"\nendstream\nendobj\n%%EOF\n"
    )


def upload(data: bytes, name: str = "giay-to.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


# ---------------------------------------------------------------- the scan


@pytest.mark.parametrize(
    ("body", "names"),
    [
        (b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>", {"JavaScript", "JS"}),
        (b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>", {"JavaScript", "JS"}),
        (b"/AA << /O << /S /Launch /F (cmd.exe) >> >>", {"AA", "Launch"}),
        (b"/Names << /EmbeddedFiles << /Names [(a.exe) 5 0 R] >> >>", {"EmbeddedFiles"}),
        (b"/AcroForm << /XFA 6 0 R >>", {"XFA"}),
        (b"/Annots [<< /Subtype /RichMedia >>]", {"RichMedia"}),
    ],
)
def test_active_names_are_found_escaped_or_not(body, names):
    assert pdf_active_names(pdf_with(body)) == names


def test_javascript_hidden_in_a_compressed_object_stream_is_found():
    data = object_stream(b"<< /S /JS#20 /JS (app.alert(1)) >>")
    assert b"JS" not in data.split(b"stream\n", 1)[1]
    assert pdf_active_names(data) == {"JS"}


def test_a_passive_pdf_has_no_active_names():
    # An /OpenAction that only opens the first page is not active.
    assert pdf_active_names(pdf_with(b"/OpenAction [3 0 R /Fit]")) == set()
    assert pdf_active_names(clean_pdf()) == set()


def test_html_is_found_in_the_first_kilobytes_only():
    assert html_marker(b"%PDF-1.4\n%<html><script>alert(1)</script>")
    assert html_marker(b"\x89PNG\r\n\x1a\n<SCRIPT src=//x>")
    assert not html_marker(clean_pdf())
    assert not html_marker(b"%PDF-1.4\n" + b" " * 20000 + b"<html>")


# ---------------------------------------------------------------- the upload


def attach(walker, citizen, data: bytes, name: str):
    dossier = walker.create()
    return dossier, lambda: document_attach(
        actor=citizen,
        dossier=dossier,
        upload=upload(data, name),
        kind=DossierDocument.Kind.SUBMITTED,
    )


def test_a_pdf_with_javascript_is_refused_and_nothing_is_stored(
    walker, citizen, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    data = pdf_with(b"/OpenAction << /S /JavaScript /JS (app.launchURL('x')) >>")
    dossier, call = attach(walker, citizen, data, "to-khai.pdf")

    with pytest.raises(ValidationFailed) as refused:
        call()

    assert refused.value.message == ACTIVE.format(name="to-khai.pdf")
    assert refused.value.fields == {"file": "active_content"}
    assert dossier.documents.count() == 0
    assert list(tmp_path.rglob("*.*")) == []


def test_an_html_pdf_polyglot_is_refused(walker, citizen, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    polyglot = (
        b"%PDF-1.4\n<html><body><script>fetch('/api/')</script></body></html>\n" + (clean_pdf()[9:])
    )
    dossier, call = attach(walker, citizen, polyglot, "cmnd.pdf")

    with pytest.raises(ValidationFailed) as refused:
        call()

    assert refused.value.message == HTML.format(name="cmnd.pdf")
    assert refused.value.fields == {"file": "html"}
    assert dossier.documents.count() == 0


# ---------------------------------------------------------------- serving


SAFE_HEADERS = {
    "Content-Type": "application/pdf",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'; frame-ancestors 'none'",
    "Cache-Control": "private, no-store",
}


def headers(response) -> dict[str, str]:
    return {name: response[name] for name in SAFE_HEADERS}


def test_a_clean_pdf_is_accepted_and_served_as_an_attachment(
    client, walker, citizen, reception, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    data = clean_pdf()
    dossier = walker.create()
    document = document_attach(
        actor=citizen, dossier=dossier, upload=upload(data, "ban-sao.pdf"), kind="submitted"
    )

    client.force_login(citizen)
    mine = client.get(f"/ho-so-cua-toi/{dossier.reference}/tai-lieu/{document.pk}/")
    assert mine.status_code == 200
    assert headers(mine) == SAFE_HEADERS
    assert mine["Content-Disposition"] == 'attachment; filename="ban-sao.pdf"'
    assert b"".join(mine.streaming_content) == data

    received = walker.dossier_in(State.RECEIVED)
    scan = document_attach(
        actor=reception, dossier=received, upload=upload(data, "ban-quet.pdf"), kind="scan"
    )
    client.force_login(reception)
    counter = client.get(f"/mot-cua/ho-so/{received.public_code}/tai-lieu/{scan.pk}/")
    assert counter.status_code == 200
    assert headers(counter) == SAFE_HEADERS
    assert counter["Content-Disposition"] == 'attachment; filename="ban-quet.pdf"'


def test_a_stored_type_that_was_not_vetted_is_served_as_bytes(
    client, walker, citizen, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    dossier = walker.create()
    document = document_attach(
        actor=citizen, dossier=dossier, upload=upload(clean_pdf()), kind="submitted"
    )
    DossierDocument.objects.filter(pk=document.pk).update(content_type="text/html")

    client.force_login(citizen)
    response = client.get(f"/ho-so-cua-toi/{dossier.reference}/tai-lieu/{document.pk}/")

    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
