"""A received letter's files: listed with it in the clerk's queue, each a download read back
from the stored envelope, for the staff of the agency it was sent to only."""

from __future__ import annotations

import pytest

from motcua.directory.models import Role
from motcua.docexchange.envelope import Attachment
from motcua.docexchange.models import OfficialDocument
from tests.factories import staff

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


@pytest.fixture
def letter(db, agency, signed, client):
    files = (
        Attachment(name="tra-loi.pdf", content_type="application/pdf", data=PDF),
        Attachment(name="so-do.png", content_type="image/png", data=PNG),
    )
    answer = client.post(
        "/truc-van-ban/den/", signed(attachments=files), content_type="application/xml"
    )
    assert answer.status_code == 201
    return OfficialDocument.objects.get()


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_the_clerk_sees_the_files_and_downloads_each(letter, reception, client):
    client.force_login(reception)
    queue = client.get("/mot-cua/van-ban/").content.decode()
    assert f'href="/mot-cua/van-ban/{letter.pk}/tep/0/">tra-loi.pdf</a>' in queue
    assert f'href="/mot-cua/van-ban/{letter.pk}/tep/1/">so-do.png</a>' in queue

    first = client.get(f"/mot-cua/van-ban/{letter.pk}/tep/0/")
    second = client.get(f"/mot-cua/van-ban/{letter.pk}/tep/1/")
    assert (first.status_code, _body(first), first["Content-Type"]) == (
        200,
        PDF,
        "application/pdf",
    )
    assert (_body(second), second["X-Content-Type-Options"]) == (PNG, "nosniff")
    assert second["Content-Disposition"].startswith("attachment")
    assert client.get(f"/mot-cua/van-ban/{letter.pk}/tep/2/").status_code == 404


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 302), ("citizen", 403), ("other_agency", 404)]
)
def test_nobody_else_downloads(letter, client, citizen, other_agency, who, status):
    user = {
        "anonymous": None,
        "citizen": citizen,
        "other_agency": staff(Role.RECEPTION, other_agency, username="other"),
    }[who]
    if user is not None:
        client.force_login(user)
    assert client.get(f"/mot-cua/van-ban/{letter.pk}/tep/0/").status_code == status


def test_the_office_menu_leads_to_the_queue(reception, client):
    client.force_login(reception)
    page = client.get("/mot-cua/xu-ly/").content.decode()
    assert '<a href="/mot-cua/van-ban/">Văn bản đến chưa gắn hồ sơ</a>' in page
