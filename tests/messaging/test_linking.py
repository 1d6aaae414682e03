"""Linking an account: the one-time code on the portal page (hashed at rest, short-lived,
single use), sent to the official account; unlinking on the page or in the chat."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.core.models import AuditEvent, OutboxMessage
from motcua.directory.models import Role
from motcua.messaging.models import ChannelLink, InboundEvent, LinkCode
from tests.factories import CitizenFactory, staff
from tests.messaging.conftest import FOLLOWER, post_event

pytestmark = pytest.mark.django_db


def code_for(client, user) -> str:
    client.force_login(user)
    response = client.post("/tai-khoan/kenh-nhan-tin/")
    assert response.status_code == 200
    return response.context["code"]


def last_reply() -> str:
    return (
        OutboxMessage.objects.filter(topic="messaging.reply")
        .order_by("-pk")
        .first()
        .payload["text"]
    )


def test_the_page_asks_anonymous_visitors_to_sign_in(client, channel):
    response = client.get("/tai-khoan/kenh-nhan-tin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=")


def test_a_code_is_shown_once_and_kept_only_as_its_hash(client, channel, citizen):
    code = code_for(client, citizen)

    (row,) = LinkCode.objects.filter(user=citizen)
    assert len(code) == 8
    assert row.code_hash == hashlib.sha256(code.encode()).hexdigest()
    assert row.expires_at - row.created_at == timedelta(minutes=10)
    assert AuditEvent.objects.filter(actor=citizen, action="messaging.code_issue").count() == 1
    assert client.get("/tai-khoan/kenh-nhan-tin/").context.get("code") is None


def test_sending_the_code_links_the_follower_and_the_page_shows_it(client, channel, citizen):
    code = code_for(client, citizen)

    response = post_event(client, text=f"  {code.lower()} ")

    assert response.json() == {"status": "ok", "outcome": "linked"}
    link = ChannelLink.objects.get(user=citizen)
    assert link.follower_id == FOLLOWER
    assert LinkCode.objects.get(user=citizen).used_at is not None
    assert AuditEvent.objects.filter(actor=citizen, action="messaging.link").count() == 1
    assert "Đã liên kết" in last_reply()
    page = client.get("/tai-khoan/kenh-nhan-tin/")
    assert page.context["link"] == link
    assert "messaging-linked" in page.content.decode()


def test_a_code_works_once(client, channel, citizen):
    code = code_for(client, citizen)
    post_event(client, text=code)

    response = post_event(client, text=code, follower="someone-else-999")

    assert response.json()["outcome"] == "code_used"
    assert "đã được dùng" in last_reply()
    assert list(ChannelLink.objects.values_list("follower_id", flat=True)) == [FOLLOWER]


def test_an_expired_code_links_nothing(client, channel, citizen):
    code = code_for(client, citizen)
    LinkCode.objects.update(
        created_at=timezone.now() - timedelta(minutes=20),
        expires_at=timezone.now() - timedelta(minutes=10),
    )

    response = post_event(client, text=code)

    assert response.json()["outcome"] == "code_expired"
    assert "hết hạn" in last_reply()
    assert not ChannelLink.objects.exists()


def test_a_wrong_code_links_nothing(client, channel, citizen):
    code_for(client, citizen)

    response = post_event(client, text="ABCDEFGH")

    assert response.json()["outcome"] == "code_wrong"
    assert "không đúng" in last_reply()
    assert not ChannelLink.objects.exists()


def test_a_new_code_retires_the_unused_one(client, channel, citizen):
    old = code_for(client, citizen)
    new = code_for(client, citizen)

    assert post_event(client, text=old).json()["outcome"] == "code_wrong"
    assert post_event(client, text=new).json()["outcome"] == "linked"


def test_wrong_codes_are_limited_per_follower(client, channel, citizen):
    outcomes = [post_event(client, text=f"ABCDEFG{c}").json()["outcome"] for c in "23456789"]

    assert outcomes[:5] == ["code_wrong"] * 5
    assert outcomes[5:] == ["rate_limited"] * 3
    code = code_for(client, citizen)
    # Even the right code waits for the hour to pass.
    assert post_event(client, text=code).json()["outcome"] == "rate_limited"
    assert not ChannelLink.objects.exists()


def test_a_follower_linked_to_another_account_must_unlink_first(client, channel, citizen):
    post_event(client, text=code_for(client, citizen))
    other = CitizenFactory(username="001090000777", personal_id="001090000777")

    response = post_event(client, text=code_for(client, other))

    assert response.json()["outcome"] == "follower_taken"
    assert list(ChannelLink.objects.values_list("user_id", flat=True)) == [citizen.pk]


def test_unlinking_on_the_page(client, channel, citizen):
    post_event(client, text=code_for(client, citizen))

    response = client.post("/tai-khoan/kenh-nhan-tin/huy/")

    assert response.status_code == 302
    assert not ChannelLink.objects.exists()
    assert AuditEvent.objects.filter(actor=citizen, action="messaging.unlink").count() == 1
    again = client.post("/tai-khoan/kenh-nhan-tin/huy/")
    assert again.status_code == 404


def test_unlinking_in_the_chat_and_by_unfollowing(client, channel, citizen):
    post_event(client, text=code_for(client, citizen))
    assert post_event(client, text="Hủy liên kết").json()["outcome"] == "unlinked"
    assert not ChannelLink.objects.exists()
    post_event(client, text=code_for(client, citizen))

    response = post_event(client, event_name="unfollow")

    assert response.json()["outcome"] == "unfollowed"
    assert not ChannelLink.objects.exists()
    assert InboundEvent.objects.filter(outcome="unfollowed").count() == 1


def test_an_account_without_a_personal_id_gets_no_code(client, channel, agency):
    officer = staff(Role.RECEPTION, agency, username="tiepnhan_ma")
    officer.personal_id = ""
    officer.save(update_fields=["personal_id"])
    client.force_login(officer)

    response = client.post("/tai-khoan/kenh-nhan-tin/")

    assert response.status_code == 403
    assert "công dân" in response.context["error"]
    assert not LinkCode.objects.exists()
