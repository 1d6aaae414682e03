"""Linking the messaging channel in a real browser: the citizen asks for a one-time code on
the account page, the platform posts the signed event carrying it (as when the citizen sends
it to the official account), and the page shows the link — every state passing axe."""

from __future__ import annotations

import json

import pytest
import requests
from playwright.sync_api import expect

from motcua.messaging.models import ChannelLink
from motcua.messaging.platform import signature
from tests.factories import CitizenFactory
from tests.messaging.conftest import APP_ID, SECRET, event_body


@pytest.mark.django_db(transaction=True)
def test_get_a_code_send_it_and_see_the_link(live_server, page, signed_in, accessible, settings):
    settings.MOTCUA_MESSAGING = {
        **settings.MOTCUA_MESSAGING,
        "api_url": "http://127.0.0.1:9/nhan-tin",
        "app_id": APP_ID,
        "app_secret": SECRET,
        "oa_token": "test-token",
    }
    citizen = CitizenFactory(username="001090000321", personal_id="001090000321")
    signed_in(page, live_server, citizen.username)

    page.goto(f"{live_server.url}/tai-khoan/kenh-nhan-tin/")
    expect(page.get_by_test_id("messaging-unlinked")).to_be_visible()
    accessible(page)
    page.get_by_test_id("messaging-get-code").click()
    code = page.get_by_test_id("messaging-code").inner_text().strip()
    assert len(code) == 8
    accessible(page)

    body = json.dumps(event_body(code, follower="browser-follower-1")).encode()
    answer = requests.post(
        f"{live_server.url}/kenh-nhan-tin/webhook/",
        data=body,
        headers={"Content-Type": "application/json", "X-Event-Signature": signature(body, SECRET)},
        timeout=10,
    )
    assert answer.json() == {"status": "ok", "outcome": "linked"}

    page.get_by_role("link", name="Tôi đã gửi mã — xem trạng thái liên kết").click()
    expect(page.get_by_test_id("messaging-linked")).to_be_visible()
    expect(page.get_by_test_id("messaging-follower")).to_have_text("bro…-1")
    accessible(page)
    assert ChannelLink.objects.get(user=citizen).follower_id == "browser-follower-1"

    page.get_by_test_id("messaging-unlink").click()
    expect(page.get_by_test_id("messaging-unlinked")).to_be_visible()
    assert not ChannelLink.objects.exists()
