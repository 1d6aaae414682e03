"""An electronic certified copy in a real browser: the original was scanned into a dossier of
the certifying procedure (2.000815); the officer holding the step makes the copy from the scan,
the approver signs and approves it, and the applicant downloads it from their data store and
checks it on the public verification page. Another citizen's store stays empty, and a dossier
of another procedure is not offered the copy."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader
from reportlab.pdfgen import canvas

from motcua.directory.models import Role
from motcua.dossiers.documents import document_attach
from motcua.dossiers.models import Dossier, DossierDocument, State, StoredDocument
from motcua.esign.models import SignedResult
from tests.browser.conftest import sign_in
from tests.esign.fixtures import esign_pki_dir, pki  # noqa: F401
from tests.factories import CitizenFactory, ProcedureFactory
from tests.walker import Walker

COPY_PROCEDURE = "2.000815"
COPY_PROCEDURE_NAME = (
    "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan, tổ chức có thẩm quyền "
    "của Việt Nam cấp hoặc chứng nhận"
)
BLOCK = "Chứng thực bản sao điện tử từ bản chính"
ORIGINAL = "Bằng tốt nghiệp đại học"
STATEMENT = "Chứng thực bản sao này đúng với bản chính."


def scan_pdf(*pages: str) -> bytes:
    out = io.BytesIO()
    drawing = canvas.Canvas(out)
    for line in pages:
        drawing.drawString(72, 720, line)
        drawing.showPage()
    drawing.save()
    return out.getvalue()


def scanned(walker: Walker, dossier: Dossier, data: bytes, name: str) -> DossierDocument:
    """The counter's scan of the original, attached to the dossier."""
    return document_attach(
        actor=walker.reception,
        dossier=dossier,
        upload=SimpleUploadedFile(name, data),
        kind=DossierDocument.Kind.SCAN,
    )


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def value_after(lines: list[str], label: str) -> str:
    """The statement's facts table reads label, then value, one line each."""
    return lines[lines.index(label) + 1]


@pytest.fixture
def copy_walker(walker, agency):
    """The walker's people on the certifying procedure (Thẩm định → Trình ký → Phê duyệt)."""
    procedure = ProcedureFactory(
        code=COPY_PROCEDURE,
        name=COPY_PROCEDURE_NAME,
        agencies=[agency],
        workflow=[
            ("Thẩm định", Role.SPECIALIST, 50),
            ("Trình ký", Role.SPECIALIST, 20),
            ("Phê duyệt", Role.APPROVER, 30),
        ],
    )
    return Walker(
        citizen=walker.citizen,
        reception=walker.reception,
        specialist=walker.specialist,
        approver=walker.approver,
        procedure=procedure,
        agency=agency,
    )


@pytest.mark.django_db(transaction=True)
def test_certify_sign_store_download_and_verify(
    live_server,
    page,
    screenshot,
    accessible,
    walker,
    copy_walker,
    pki,  # noqa: F811
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MOTCUA_CERTIFIED_COPY_PROCEDURES = [COPY_PROCEDURE]
    dossier = copy_walker.dossier_in(State.IN_PROGRESS)
    code = dossier.code
    scan = scanned(
        copy_walker,
        dossier,
        scan_pdf("BANG TOT NGHIEP DAI HOC - trang 1", "BANG DIEM - trang 2"),
        "bang-tot-nghiep.pdf",
    )
    # A dossier of another procedure (2.000488), with a scan too: no copy is offered there.
    other = walker.dossier_in(State.IN_PROGRESS)
    scanned(walker, other, scan_pdf("GIAY KHAI SINH"), "khai-sinh.pdf")
    assert (dossier.current_step.name, other.current_step.name) == ("Trình ký", "Trình ký")

    # The specialist holding the step: the other procedure's page has no such block.
    sign_in(page, live_server, copy_walker.specialist.username)
    page.goto(f"{live_server.url}/mot-cua/xu-ly/{other.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hồ sơ {other.code}")
    expect(page.get_by_text(BLOCK)).to_have_count(0)
    expect(page.locator("details#ban-sao-chung-thuc")).to_have_count(0)

    page.goto(f"{live_server.url}/mot-cua/xu-ly/{code}/")
    page.get_by_text(BLOCK).click()
    block = page.locator("details#ban-sao-chung-thuc")
    source = block.get_by_label("Bản quét của bản chính")
    expect(source.locator("option")).to_have_count(1)
    source.select_option(str(scan.pk))
    block.get_by_label("Tên giấy tờ bản chính").fill(ORIGINAL)
    accessible(page)
    block.get_by_role("button", name="Tạo bản sao chứng thực").click()
    expect(page.locator(".alert.success")).to_have_text(
        "Đã tạo bản sao điện tử chứng thực và đính kèm làm kết quả; chờ lãnh đạo ký số."
    )
    copy = DossierDocument.objects.get(dossier=dossier, kind=DossierDocument.Kind.RESULT)
    assert copy.name == f"Bản sao chứng thực {code}.pdf"
    screenshot("certified-copy-made")
    page.get_by_role("button", name="Chuyển bước").click()
    expect(page.locator(".alert.success")).to_have_text("Đã thực hiện: Chuyển bước xử lý.")
    assert Dossier.objects.get(pk=dossier.pk).current_step.name == "Phê duyệt"

    # The approver signs the copy with the agency's key and approves.
    page.context.clear_cookies()
    sign_in(page, live_server, copy_walker.approver.username)
    page.goto(f"{live_server.url}/mot-cua/xu-ly/{code}/")
    expect(page.get_by_label("Kết quả cần ký số")).to_contain_text(f"Bản sao chứng thực {code}.pdf")
    page.get_by_role("button", name="Ký số và phê duyệt").click()
    expect(page.locator(".alert.success")).to_have_text("Đã ký số kết quả và phê duyệt hồ sơ.")
    expect(page.get_by_test_id("state")).to_have_text("Đã có kết quả")
    record = SignedResult.objects.get()
    assert Dossier.objects.get(pk=dossier.pk).state == State.RESULT_READY

    # The applicant finds the copy in their store and downloads it.
    page.context.clear_cookies()
    citizen = copy_walker.citizen
    sign_in(page, live_server, citizen.personal_id)
    page.goto(f"{live_server.url}/kho-du-lieu/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kho dữ liệu của tôi")
    entry = page.get_by_test_id("store-entry")
    expect(entry).to_have_count(1)
    expect(entry.locator("strong")).to_have_text(COPY_PROCEDURE_NAME)
    expect(entry.locator(".meta").first).to_have_text(
        "Bản sao chứng thực · Nơi cấp: Sở Tư pháp thử nghiệm"
    )
    accessible(page)
    screenshot("certified-copy-in-store")
    with page.expect_download() as info:
        entry.get_by_role("link", name="Tải về").click()
    assert info.value.suggested_filename == f"Bản sao chứng thực {code}.pdf"
    downloaded = tmp_path / "ban-sao.pdf"
    info.value.save_as(downloaded)
    stored = StoredDocument.objects.get()
    assert (stored.owner_id_number, stored.origin, stored.source_id) == (
        citizen.personal_id,
        StoredDocument.Origin.CERTIFIED_COPY,
        copy.pk,
    )

    # The copy: the scan's two pages, then the statement.
    pages = pages_of(downloaded.read_bytes())
    assert len(pages) == 3
    assert [text.strip() for text in pages[:2]] == [
        "BANG TOT NGHIEP DAI HOC - trang 1",
        "BANG DIEM - trang 2",
    ]
    statement = pages[2]
    lines = [line.strip() for line in statement.splitlines()]
    assert lines[:3] == [
        "SỞ TƯ PHÁP THỬ NGHIỆM",
        "LỜI CHỨNG CHỨNG THỰC BẢN SAO ĐIỆN TỬ TỪ BẢN CHÍNH",
        STATEMENT,
    ]
    assert value_after(lines, "Bản chính") == ORIGINAL
    assert value_after(lines, "Số trang bản sao") == "2"
    assert value_after(lines, "Số chứng thực") == f"{code}/SCT/BS-ĐT"
    assert value_after(lines, "Mã hồ sơ") == code
    made = timezone.localtime(copy.created_at)
    assert lines[3] == (f"Ngày {made:%d} tháng {made:%m} năm {made:%Y}, tại Sở Tư pháp thử nghiệm.")
    assert scan.sha256 in statement.replace("\n", "")

    # Anyone can check it on the verification page.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/ket-qua/xac-thuc/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Xác thực kết quả điện tử")
    page.get_by_label("Tệp kết quả (PDF)").set_input_files(str(downloaded))
    page.get_by_role("button", name="Xác thực").click()
    expect(page.get_by_test_id("verdict").get_by_role("heading")).to_have_text("Kết quả hợp lệ")
    expect(page.get_by_test_id("agency")).to_have_text("Sở Tư pháp thử nghiệm")
    expect(page.get_by_test_id("dossier-code")).to_have_text(code)
    expect(page.get_by_test_id("signer")).to_have_text(copy_walker.approver.full_name)
    accessible(page)
    screenshot("certified-copy-valid")
    page.goto(f"{live_server.url}/ket-qua/xac-thuc/{record.token}/")
    expect(page.get_by_test_id("record")).to_contain_text(code)
    expect(page.locator("body")).not_to_contain_text(citizen.personal_id)

    # Another citizen: an empty store, and the copy's download is not found for them.
    stranger = CitizenFactory(username="001090000002", personal_id="001090000002")
    sign_in(page, live_server, stranger.personal_id)
    page.goto(f"{live_server.url}/kho-du-lieu/")
    expect(page.get_by_test_id("store-empty")).to_have_text(
        "Kho dữ liệu của bạn chưa có giấy tờ nào."
    )
    expect(page.get_by_test_id("store-entry")).to_have_count(0)
    response = page.request.get(f"{live_server.url}/kho-du-lieu/{stored.pk}/tai-ve/")
    assert response.status == 404
    assert StoredDocument.objects.filter(removed_at__isnull=True).count() == 1
