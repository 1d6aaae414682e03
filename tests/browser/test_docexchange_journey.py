"""A letter from another organ's document-management system that quotes no letter of ours
reaches the clerk's queue; the clerk attaches it to its dossier, whose page then lists it."""

from __future__ import annotations

import pytest
import requests
from joserfc.jwk import OKPKey
from playwright.sync_api import expect

from motcua.docexchange.envelope import envelope_build
from motcua.docexchange.models import OfficialDocument, Peer
from motcua.dossiers.models import State
from tests.docexchange.conftest import PEER_CODE, PEER_NAME, a_letter


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport_width", [1280, 360])
def test_a_clerk_attaches_an_unmatched_letter(
    live_server, page, signed_in, walker, reception, accessible
):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    key = OKPKey.generate_key("Ed25519")
    Peer.objects.create(
        code=PEER_CODE, name=PEER_NAME, public_key=key.as_pem(private=False).decode()
    )
    sent = requests.post(
        f"{live_server.url}/truc-van-ban/den/",
        data=envelope_build(a_letter(subject="Cung cấp thông tin lý lịch tư pháp"), key=key),
        headers={"Content-Type": "application/xml"},
        timeout=10,
    )
    assert (sent.status_code, sent.json()["status"]) == (201, "unmatched")

    signed_in(page, live_server, reception.username)
    page.goto(f"{live_server.url}/mot-cua/van-ban/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Văn bản đến chờ phân loại")
    row = page.locator('tr[data-letter="45/STP-VP"]')
    expect(row).to_contain_text("Cung cấp thông tin lý lịch tư pháp")
    expect(row).to_contain_text(PEER_NAME)
    accessible(page)

    row.get_by_label("Mã hồ sơ").fill(dossier.public_code)
    row.get_by_role("button", name="Gắn vào hồ sơ").click()
    expect(page.locator("p.alert.success")).to_contain_text(
        f"Đã gắn văn bản số 45/STP-VP vào hồ sơ {dossier.public_code}."
    )
    expect(page.get_by_test_id("empty")).to_be_visible()
    assert OfficialDocument.objects.get().dossier_id == dossier.pk

    page.goto(f"{live_server.url}/mot-cua/xu-ly/{dossier.public_code}/")
    letters = page.get_by_test_id("official-letters")
    expect(letters.locator('tr[data-letter="45/STP-VP"]')).to_contain_text("Văn bản đến")
    expect(letters).to_contain_text("Cung cấp thông tin lý lịch tư pháp")
    accessible(page)
