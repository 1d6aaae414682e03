"""The data store in a real browser on a 360 px phone: the citizen finds the paper they
uploaded, downloads it, removes it after confirming."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from motcua.dossiers.documents import document_attach
from motcua.dossiers.models import DossierDocument, StoredDocument
from tests.browser.conftest import sign_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.django_db(transaction=True)
def test_list_download_and_remove(live_server, mobile_page, accessible, walker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    document_attach(
        actor=walker.citizen,
        dossier=walker.create(),
        upload=SimpleUploadedFile("chung-sinh.pdf", PDF),
        kind=DossierDocument.Kind.SUBMITTED,
    )
    page = mobile_page
    sign_in(page, live_server, walker.citizen.personal_id or walker.citizen.username)
    page.goto(f"{live_server.url}/")
    page.get_by_test_id("nav-store").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kho dữ liệu của tôi")
    expect(page.get_by_test_id("store-entry")).to_have_count(1)
    accessible(page)

    with page.expect_download() as info:
        page.get_by_role("link", name="Tải về").click()
    assert info.value.suggested_filename == "chung-sinh.pdf"
    with open(info.value.path(), "rb") as handle:
        assert handle.read() == PDF

    page.get_by_role("link", name="Xóa khỏi kho").click()
    page.get_by_role("button", name="Xác nhận xóa").click()
    expect(page.get_by_test_id("store-empty")).to_be_visible()
    assert StoredDocument.objects.get().removed_at is not None
