"""The citizen hears of the reply: a notification in the portal and an email, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.core.outbox import outbox_deliver, outbox_deliver_pending
from motcua.feedback.notify import petition_notify
from motcua.feedback.services import petition_answer, petition_reject
from motcua.notifications.models import Notification
from tests.feedback.conftest import T0

pytestmark = pytest.mark.django_db
ANSWER = "Sở đã kiểm tra và trả kết quả cho ông/bà ngày 05/03/2026, xin lỗi vì sự chậm trễ."


@pytest.fixture(autouse=True)
def _handler_installed():
    outbox._HANDLERS["petition.notify"] = petition_notify
    yield


def test_an_answer_notifies_in_the_portal_and_by_email_once(submit, citizen, reception):
    citizen.email = "dan@example.vn"
    citizen.save(update_fields=["email"])
    petition = submit()
    petition_answer(actor=reception, petition=petition, answer=ANSWER, at=T0 + timedelta(days=1))
    outbox_deliver_pending()
    notification = Notification.objects.get()
    assert notification.user == citizen
    assert notification.dossier is None
    assert notification.action == "petition_answer"
    assert notification.title == f"Phản ánh, kiến nghị {petition.reference} đã được trả lời"
    assert notification.link == f"/phan-anh/cua-toi/{petition.reference}/"
    assert notification.created_at == T0 + timedelta(days=1)
    assert notification.emailed_to is True
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["dan@example.vn"]
    assert citizen.full_name not in mail.outbox[0].body  # nothing personal in the text
    # Delivered again (a retry, two workers): still one notification, one email.
    message = OutboxMessage.objects.get(topic="petition.notify")
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxMessage.Status.PENDING)
    assert outbox_deliver.call(message.pk) == "sent"
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_rejection_tells_the_reason(submit, citizen, reception):
    petition = submit()
    petition_reject(
        actor=reception,
        petition=petition,
        reason="Thuộc thẩm quyền của UBND phường Thuận Hóa.",
        at=T0 + timedelta(hours=3),
    )
    outbox_deliver_pending()
    notification = Notification.objects.get()
    assert notification.title == (
        f"Phản ánh, kiến nghị {petition.reference} không thuộc phạm vi xử lý"
    )
    assert "Lý do: Thuộc thẩm quyền của UBND phường Thuận Hóa." in notification.body
    assert mail.outbox == []  # no address on the account: the portal only


def test_the_notifications_page_links_to_the_petition(client, submit, citizen, reception):
    petition = submit()
    petition_answer(actor=reception, petition=petition, answer=ANSWER, at=T0 + timedelta(days=1))
    outbox_deliver_pending()
    client.force_login(citizen)
    body = client.get("/thong-bao/").content.decode()
    assert f'href="/phan-anh/cua-toi/{petition.reference}/"' in body
