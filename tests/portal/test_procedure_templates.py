"""Forms to download from the procedure page: the file the catalog uploaded for a required
document, else a blank printable declaration generated from the e-form for the document that
the e-form replaces."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader

from motcua.catalog.eforms import eform_fields
from tests.factories import ProcedureFactory, RequiredDocumentFactory
from tests.portal.apply_fixtures import BIRTH_EFORM

pytestmark = pytest.mark.django_db

DOCX = b"PK\x03\x04" + b"\x00" * 40


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def birth(agency):
    procedure = ProcedureFactory(
        code="1.001193", name="Đăng ký khai sinh", agencies=[agency], eform=BIRTH_EFORM
    )
    RequiredDocumentFactory(procedure=procedure, position=1, name="Tờ khai đăng ký khai sinh")
    RequiredDocumentFactory(procedure=procedure, position=2, name="Giấy chứng sinh")
    return procedure


def doc(procedure, position: int):
    return procedure.documents.get(position=position)


def pdf_lines(content: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(content))
    return [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]


def dotted_labels(lines: list[str]) -> list[str]:
    """The labels written before a dotted line, in the order they are printed."""
    return [m.group(1) for line in lines if (m := re.fullmatch(r"(.+?): \.{10,}", line))]


def test_the_page_links_the_generated_declaration_for_the_covered_document(client, birth):
    html = client.get("/thu-tuc/1.001193/").content.decode()

    declaration = doc(birth, 1)
    assert (
        f'<a href="/thu-tuc/1.001193/mau/{declaration.pk}.pdf" download '
        'data-testid="template-link">Tải mẫu<span class="sr-only"> Tờ khai đăng ký khai sinh'
        "</span></a>"
    ) in html
    assert html.count('data-testid="template-link"') == 1


def test_the_uploaded_template_wins_and_is_downloaded_as_is(client, birth):
    declaration, certificate = doc(birth, 1), doc(birth, 2)
    declaration.template.save("to-khai.docx", ContentFile(DOCX))
    certificate.template.save("mau giay chung sinh.PDF", ContentFile(b"%PDF-1.4\n%%EOF\n"))

    html = client.get("/thu-tuc/1.001193/").content.decode()
    response = client.get(f"/thu-tuc/1.001193/mau/{declaration.pk}/")

    assert f'href="/thu-tuc/1.001193/mau/{declaration.pk}/"' in html
    assert f'href="/thu-tuc/1.001193/mau/{certificate.pk}/"' in html
    assert ".pdf" not in html.split('data-testid="documents"')[1].split("</ol>")[0]
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == DOCX
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Content-Disposition"] == 'attachment; filename="mau-1.001193-1.docx"'
    pdf = client.get(f"/thu-tuc/1.001193/mau/{certificate.pk}/")
    assert (pdf["Content-Type"], pdf["Content-Disposition"]) == (
        "application/pdf",
        'attachment; filename="mau-1.001193-2.pdf"',
    )


def test_the_blank_declaration_has_the_title_and_every_label_in_order(client, birth):
    response = client.get(f"/thu-tuc/1.001193/mau/{doc(birth, 1).pk}.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="mau-1.001193-1.pdf"'
    lines = pdf_lines(response.content)
    assert lines[:3] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "TỜ KHAI ĐĂNG KÝ KHAI SINH",
    ]
    labels = [f.label for f in eform_fields(BIRTH_EFORM)]
    assert labels[:3] == ["Họ, chữ đệm và tên", "Ngày, tháng, năm sinh", "Giới tính"]
    assert dotted_labels(lines) == ["Kính gửi", *labels]
    for section in ["Người yêu cầu đăng ký khai sinh", "Người được khai sinh", "Mẹ", "Cha"]:
        assert section in lines
    assert "☐ Nam ☐ Nữ" in lines
    assert not any(line.startswith("Mẫu số") for line in lines)


def test_the_legal_form_code_and_a_checkbox(client, agency):
    eform = {
        "title": "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp",
        "schema": {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": {
                "full_name": {"type": "string"},
                "history": {"type": "string"},
                "ban": {"type": "boolean"},
                "purpose": {"type": "string"},
            },
        },
        "ui": {
            "order": ["full_name", "history", "ban", "purpose"],
            "fields": {
                "full_name": {"label": "Họ và tên"},
                "history": {"label": "Quá trình cư trú", "widget": "textarea"},
                "ban": {"label": "Xác nhận cấm đảm nhiệm chức vụ", "widget": "checkbox"},
                "purpose": {"label": "Mục đích sử dụng Phiếu"},
            },
            "covers_documents": [2],
            "form_code": "Mẫu số 03/2013/TT-LLTP",
        },
    }
    procedure = ProcedureFactory(
        code="2.000488", name="Cấp Phiếu lý lịch tư pháp", agencies=[agency], eform=eform
    )
    RequiredDocumentFactory(procedure=procedure, position=1, name="Bản chụp căn cước")
    declaration = RequiredDocumentFactory(procedure=procedure, position=2, name="Tờ khai")

    lines = pdf_lines(client.get(f"/thu-tuc/2.000488/mau/{declaration.pk}.pdf").content)

    assert lines[0] == "Mẫu số 03/2013/TT-LLTP"
    assert "TỜ KHAI YÊU CẦU CẤP PHIẾU LÝ LỊCH TƯ PHÁP" in lines
    assert dotted_labels(lines) == [
        "Kính gửi",
        "Họ và tên",
        "Quá trình cư trú",
        "Mục đích sử dụng Phiếu",
    ]
    assert "☐ Xác nhận cấm đảm nhiệm chức vụ" in lines
    # The long answer gets two more lines to write on.
    at = lines.index(next(line for line in lines if line.startswith("Quá trình cư trú:")))
    assert [set(line) for line in lines[at + 1 : at + 3]] == [{"."}, {"."}]


def test_no_download_where_there_is_no_form(client, birth, agency):
    plain = ProcedureFactory(code="2.000815", name="Chứng thực bản sao", agencies=[agency])
    copy = RequiredDocumentFactory(procedure=plain, position=1, name="Bản chính giấy tờ")

    assert 'data-testid="template-link"' not in client.get("/thu-tuc/2.000815/").content.decode()
    # Not covered by the e-form, no file uploaded; a procedure without an e-form; a
    # document of another procedure; a document that does not exist.
    for url in [
        f"/thu-tuc/1.001193/mau/{doc(birth, 2).pk}.pdf",
        f"/thu-tuc/1.001193/mau/{doc(birth, 2).pk}/",
        f"/thu-tuc/2.000815/mau/{copy.pk}.pdf",
        f"/thu-tuc/2.000815/mau/{copy.pk}/",
        f"/thu-tuc/2.000815/mau/{doc(birth, 1).pk}.pdf",
        "/thu-tuc/1.001193/mau/999999.pdf",
        f"/thu-tuc/9.999999/mau/{doc(birth, 1).pk}.pdf",
    ]:
        assert client.get(url).status_code == 404, url


def test_an_inactive_procedure_has_no_forms(client, birth):
    birth.is_active = False
    birth.save(update_fields=["is_active"])

    assert client.get(f"/thu-tuc/1.001193/mau/{doc(birth, 1).pk}.pdf").status_code == 404


def test_a_missing_uploaded_file_is_404_not_500(client, birth, tmp_path):
    declaration = doc(birth, 1)
    declaration.template.save("to-khai.docx", ContentFile(DOCX))
    (tmp_path / declaration.template.name).unlink()

    assert client.get(f"/thu-tuc/1.001193/mau/{declaration.pk}/").status_code == 404


def test_only_get(client, birth):
    assert client.post(f"/thu-tuc/1.001193/mau/{doc(birth, 1).pk}.pdf").status_code == 405
