"""The data store's pages: list, download, remove — the owner only; officers of any agency,
other citizens and anonymous visitors get nothing and change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from motcua.directory.models import Role
from motcua.dossiers.documents import document_attach
from motcua.dossiers.models import DossierDocument, StoredDocument
from tests.factories import AgencyFactory, CitizenFactory, staff

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def entry(walker):
    document_attach(
        actor=walker.citizen,
        dossier=walker.create(),
        upload=SimpleUploadedFile("chung-sinh.pdf", PDF),
        kind=DossierDocument.Kind.SUBMITTED,
    )
    return StoredDocument.objects.get()


def test_the_owner_lists_downloads_and_removes(client, walker, entry):
    client.force_login(walker.citizen)
    page = client.get("/kho-du-lieu/")
    assert page.status_code == 200
    assert list(page.context["entries"]) == [entry]
    assert "Người nộp" in page.content.decode()

    download = client.get(f"/kho-du-lieu/{entry.pk}/tai-ve/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"] == 'attachment; filename="chung-sinh.pdf"'

    assert client.get(f"/kho-du-lieu/{entry.pk}/xoa/").status_code == 200
    removed = client.post(f"/kho-du-lieu/{entry.pk}/xoa/")
    assert (removed.status_code, removed["Location"]) == (302, "/kho-du-lieu/")
    assert StoredDocument.objects.get().removed_at is not None
    assert list(client.get("/kho-du-lieu/").context["entries"]) == []
    assert client.get(f"/kho-du-lieu/{entry.pk}/tai-ve/").status_code == 404


def test_the_delete_needs_the_csrf_token(walker, entry):
    from django.test import Client

    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(walker.citizen)
    assert guarded.post(f"/kho-du-lieu/{entry.pk}/xoa/").status_code == 403
    assert StoredDocument.objects.get().removed_at is None


@pytest.mark.parametrize("who", ["same_agency", "other_agency", "other_citizen", "anonymous"])
def test_nobody_else_sees_downloads_or_removes(client, walker, entry, who):
    if who == "same_agency":
        client.force_login(staff(Role.RECEPTION, walker.agency))
    elif who == "other_agency":
        client.force_login(staff(Role.RECEPTION, AgencyFactory()))
    elif who == "other_citizen":
        client.force_login(CitizenFactory())
    listing = client.get("/kho-du-lieu/")
    download = client.get(f"/kho-du-lieu/{entry.pk}/tai-ve/")
    removal = client.post(f"/kho-du-lieu/{entry.pk}/xoa/")
    if who == "anonymous":
        assert (listing.status_code, download.status_code, removal.status_code) == (302, 302, 302)
    else:
        assert list(listing.context["entries"]) == []
        assert (download.status_code, removal.status_code) == (404, 404)
    assert StoredDocument.objects.get().removed_at is None


def test_the_list_shows_each_entrys_term_and_marks_the_expired(client, walker, entry):
    yesterday = timezone.localdate() - timedelta(days=1)
    client.force_login(walker.citizen)
    assert "Hiệu lực: không thời hạn" in client.get("/kho-du-lieu/").content.decode()

    StoredDocument.objects.filter(pk=entry.pk).update(valid_until=yesterday)
    page = client.get("/kho-du-lieu/").content.decode()

    assert f"Hiệu lực: đến {yesterday:%d/%m/%Y}" in page
    assert "(đã hết hiệu lực, không dùng lại được)" in page
