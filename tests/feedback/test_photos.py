"""Photos sent with a petition (from the messaging channel): listed on the sender's page and
the handling officers' page, each a download with the upload headers; the officer's download
is an audited read; nobody else reaches them, and another petition's photo is not found."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from motcua.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _jpeg(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def with_photos(submit, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photos = [
        SimpleUploadedFile("o-ga.jpg", _jpeg((200, 30, 30)), content_type="image/jpeg"),
        SimpleUploadedFile("via-he.jpg", _jpeg((30, 200, 30)), content_type="image/jpeg"),
    ]
    return submit(photos=photos)


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_sender_sees_and_downloads_the_photos(client, citizen, with_photos):
    client.force_login(citizen)
    page = client.get(f"/phan-anh/cua-toi/{with_photos.reference}/").content.decode()
    first, second = with_photos.photos.order_by("pk")
    assert f'href="/phan-anh/cua-toi/{with_photos.reference}/anh/{first.pk}/"' in page
    assert "via-he.jpg" in page
    response = client.get(f"/phan-anh/cua-toi/{with_photos.reference}/anh/{second.pk}/")
    assert response.status_code == 200
    assert _body(response) == _jpeg((30, 200, 30))
    assert (response["Content-Type"], response["X-Content-Type-Options"]) == (
        "image/jpeg",
        "nosniff",
    )
    assert response["Content-Disposition"].startswith("attachment")


def test_the_handling_officer_downloads_and_the_read_is_audited(client, reception, with_photos):
    client.force_login(reception)
    photo = with_photos.photos.order_by("pk").first()
    page = client.get(f"/mot-cua/phan-anh/{with_photos.reference}/").content.decode()
    assert f'href="/mot-cua/phan-anh/{with_photos.reference}/anh/{photo.pk}/"' in page
    before = AuditEvent.objects.filter(actor=reception).count()
    response = client.get(f"/mot-cua/phan-anh/{with_photos.reference}/anh/{photo.pk}/")
    assert response.status_code == 200
    assert _body(response) == _jpeg((200, 30, 30))
    assert AuditEvent.objects.filter(actor=reception).count() == before + 1


def test_nobody_else_reaches_them(client, other_citizen, other_reception, with_photos):
    photo = with_photos.photos.first()
    citizen_url = f"/phan-anh/cua-toi/{with_photos.reference}/anh/{photo.pk}/"
    office_url = f"/mot-cua/phan-anh/{with_photos.reference}/anh/{photo.pk}/"
    assert client.get(citizen_url).status_code == 302  # to sign in
    client.force_login(other_citizen)
    assert client.get(citizen_url).status_code == 404
    assert client.get(office_url).status_code == 403
    client.force_login(other_reception)
    assert client.get(office_url).status_code == 404


def test_another_petitions_photo_is_not_found(client, citizen, submit, with_photos):
    other = submit(content="Một phản ánh khác, không kèm ảnh, về giờ làm việc của bộ phận một cửa.")
    photo = with_photos.photos.first()
    client.force_login(citizen)
    assert client.get(f"/phan-anh/cua-toi/{other.reference}/anh/{photo.pk}/").status_code == 404
    assert (
        "Ảnh kèm theo" not in client.get(f"/phan-anh/cua-toi/{other.reference}/").content.decode()
    )
