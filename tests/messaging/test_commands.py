"""In the chat: tracking one's own dossier, petitions with photos through the petition
service, the notification channel through the outbox to the stand-in platform, rate limits."""

from __future__ import annotations

import pytest
import requests

from motcua.core.models import AuditEvent, OutboxMessage
from motcua.dossiers.models import State
from motcua.feedback.models import Petition, PetitionEvent, PetitionPhoto
from motcua.messaging.models import ChannelLink
from motcua.notifications.delivery import delivery_deliver
from motcua.notifications.models import Delivery
from motcua.notifications.services import dossier_notify
from tests.factories import CitizenFactory
from tests.messaging.conftest import FOLLOWER, jpeg, post_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(channel, citizen):
    from django.utils import timezone

    return ChannelLink.objects.create(user=citizen, follower_id=FOLLOWER, linked_at=timezone.now())


def replies() -> list[str]:
    return [
        m.payload["text"]
        for m in OutboxMessage.objects.filter(topic="messaging.reply").order_by("pk")
    ]


def test_tracking_an_own_dossier_tells_its_state_and_nothing_personal(client, linked, walker):
    dossier = walker.dossier_in(State.RECEIVED)

    response = post_event(client, text=f"Tra cứu {dossier.public_code}")

    assert response.json()["outcome"] == "tracked"
    (text,) = replies()
    assert dossier.public_code in text
    assert dossier.get_state_display() in text
    assert dossier.procedure.name in text
    assert linked.user.personal_id not in text
    assert (dossier.applicant_name or "@@") not in text


def test_a_foreign_or_unknown_code_is_plainly_not_found(client, linked, walker):
    foreign = walker.dossier_in(State.RECEIVED)
    foreign.applicant = CitizenFactory(username="001090000555", personal_id="001090000555")
    foreign.save(update_fields=["applicant"])

    post_event(client, text=f"TRACUU {foreign.public_code}")
    post_event(client, text="TRACUU KHONG-CO-MA")

    assert replies() == [
        f"Không tìm thấy hồ sơ {foreign.public_code} trong hồ sơ của bạn.",
        "Không tìm thấy hồ sơ KHONG-CO-MA trong hồ sơ của bạn.",
    ]


def test_an_unlinked_follower_is_asked_to_link_first(client, channel):
    response = post_event(client, text="TRACUU ABC")
    assert response.json()["outcome"] == "not_linked"
    assert "liên kết tài khoản trước" in replies()[0]


def test_a_petition_goes_through_the_petition_service(client, linked, walker, citizen):
    dossier = walker.dossier_in(State.RECEIVED)
    text = f"PAKN {dossier.public_code} Bộ phận một cửa hẹn trả kết quả nhưng chưa có kết quả."

    response = post_event(client, text=text)

    assert response.json()["outcome"] == "petition"
    petition = Petition.objects.get()
    assert (petition.citizen, petition.dossier, petition.agency) == (
        citizen,
        dossier,
        dossier.agency,
    )
    assert petition.content == "Bộ phận một cửa hẹn trả kết quả nhưng chưa có kết quả."
    assert list(PetitionEvent.objects.values_list("action", flat=True)) == ["submit"]
    assert AuditEvent.objects.filter(action="petition.submit", actor=citizen).count() == 1
    assert petition.reference in replies()[0]


def test_a_petition_with_too_short_a_text_is_refused_in_the_chat(client, linked, agency, settings):
    settings.MOTCUA_MESSAGING = {**settings.MOTCUA_MESSAGING, "petition_agency": agency.code}

    response = post_event(client, text="PAKN chậm")

    assert response.json()["outcome"] == "petition_invalid"
    assert "ít nhất" in replies()[0]
    assert not Petition.objects.exists()


def test_commands_beyond_the_minute_limit_are_refused_once(client, linked):
    outcomes = [post_event(client, text="xin chào").json()["outcome"] for _ in range(13)]

    assert outcomes == ["help"] * 10 + ["rate_limited"] * 3
    assert len(replies()) == 11
    assert "quá nhiều tin nhắn" in replies()[-1]


def test_petitions_beyond_the_daily_quota_are_refused(client, linked, agency, settings):
    settings.MOTCUA_MESSAGING = {
        **settings.MOTCUA_MESSAGING,
        "petition_agency": agency.code,
        "petitions_per_day": 2,
    }
    outcomes = [
        post_event(client, text=f"PAKN Đèn đường ở tổ {n} bị hỏng đã lâu, đề nghị sửa.").json()[
            "outcome"
        ]
        for n in range(3)
    ]
    assert outcomes == ["petition", "petition", "quota"]
    assert Petition.objects.count() == 2


# ---------------------------------------------------------------- with the stand-in platform


@pytest.fixture
def platform(messaging_settings, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.MOTCUA_MESSAGING = {
        **settings.MOTCUA_MESSAGING,
        "app_id": "motcua-test-oa",
        "app_secret": "test-messaging-app-secret",
    }
    return messaging_settings


def _hosted(platform, data: bytes) -> str:
    return requests.post(f"{platform.url}/nhan-tin/media/", data=data, timeout=5).json()["url"]


def _inbox(platform, follower: str) -> list[str]:
    answer = requests.get(
        f"{platform.url}/nhan-tin/hop-thu/", params={"user_id": follower}, timeout=5
    )
    return [m["text"] for m in answer.json()["messages"]]


def test_a_petition_with_a_photo(client, platform, citizen, agency, settings):
    ChannelLink.objects.create(user=citizen, follower_id="f-photo-1", linked_at=agency_now())
    settings.MOTCUA_MESSAGING = {**settings.MOTCUA_MESSAGING, "petition_agency": agency.code}
    url = _hosted(platform, jpeg())

    response = post_event(
        client,
        text="PAKN Cống thoát nước trước nhà văn hóa bị vỡ, nước tràn ra đường.",
        event_name="user_send_image",
        image_urls=[url],
        follower="f-photo-1",
    )

    assert response.json()["outcome"] == "petition"
    (photo,) = PetitionPhoto.objects.all()
    assert (photo.content_type, photo.petition.citizen) == ("image/jpeg", citizen)
    assert photo.file.read() == jpeg()


def test_an_oversized_or_foreign_photo_makes_no_petition(
    client, platform, citizen, agency, settings
):
    ChannelLink.objects.create(user=citizen, follower_id="f-photo-2", linked_at=agency_now())
    settings.MOTCUA_MESSAGING = {**settings.MOTCUA_MESSAGING, "petition_agency": agency.code}
    settings.MOTCUA_MAX_UPLOAD_BYTES = 2000
    text = "PAKN Cống thoát nước trước nhà văn hóa bị vỡ, nước tràn ra đường."

    big = post_event(
        client,
        text=text,
        event_name="user_send_image",
        image_urls=[_hosted(platform, jpeg((400, 400)) + b"\0" * 3000)],
        follower="f-photo-2",
    )
    pdf = post_event(
        client,
        text=text,
        event_name="user_send_image",
        image_urls=[_hosted(platform, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")],
        follower="f-photo-2",
    )
    foreign = post_event(
        client,
        text=text,
        event_name="user_send_image",
        image_urls=["http://169.254.169.254/latest/meta-data"],
        follower="f-photo-2",
    )

    assert big.json()["outcome"] == "petition_invalid"
    assert pdf.json()["outcome"] == "petition_invalid"
    assert foreign.status_code == 502
    assert foreign.json()["code"] == "media_unavailable"
    assert "vượt giới hạn" in replies()[0]
    assert "không phải ảnh" in replies()[1]
    assert not Petition.objects.exists()
    assert not PetitionPhoto.objects.exists()


def agency_now():
    from django.utils import timezone

    return timezone.now()


def test_a_notification_reaches_a_linked_citizen_through_the_outbox(
    platform, walker, citizen, settings
):
    ChannelLink.objects.create(user=citizen, follower_id="f-notify-1", linked_at=agency_now())
    dossier = walker.dossier_in(State.RECEIVED)
    event = dossier.events.get(action="receive")

    notification = dossier_notify({"dossier_id": dossier.pk, "event_id": event.pk})

    delivery = Delivery.objects.get(notification=notification, channel="messaging")
    assert delivery.recipient == "f-notify-1"
    message = OutboxMessage.objects.get(topic="notification.messaging")
    assert message.payload == {"delivery_id": delivery.pk}
    # The platform is down: the message waits for its next try.
    up = settings.MOTCUA_MESSAGING["api_url"]
    settings.MOTCUA_MESSAGING = {**settings.MOTCUA_MESSAGING, "api_url": "http://127.0.0.1:9/x"}
    assert delivery_deliver(message.pk) == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.next_attempt_at is not None
    # Back up: sent once, and a second run sends nothing more.
    settings.MOTCUA_MESSAGING = {**settings.MOTCUA_MESSAGING, "api_url": up}
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)
    assert delivery_deliver(message.pk) == "sent"
    assert delivery_deliver(message.pk) == "skipped"
    (text,) = _inbox(platform, "f-notify-1")
    assert text.startswith(notification.title)
    assert citizen.personal_id not in text


def test_no_messaging_delivery_for_a_citizen_not_linked(platform, walker):
    dossier = walker.dossier_in(State.RECEIVED)
    event = dossier.events.get(action="receive")

    notification = dossier_notify({"dossier_id": dossier.pk, "event_id": event.pk})

    assert not Delivery.objects.filter(notification=notification, channel="messaging").exists()
    assert not OutboxMessage.objects.filter(topic="notification.messaging").exists()


def test_a_reply_is_sent_through_the_outbox(client, platform):
    from motcua.core.outbox import outbox_deliver

    post_event(client, text="xin chào", follower="f-reply-1")
    message = OutboxMessage.objects.get(topic="messaging.reply")

    assert outbox_deliver.call(message.pk) == "sent"
    (text,) = _inbox(platform, "f-reply-1")
    assert "TRACUU" in text
