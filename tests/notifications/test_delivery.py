"""An email is sent once per notification, even when the worker dies: the claim committed
before the send, the Message-ID that a resend repeats, and the default mail backend that
keeps citizens' addresses and texts out of the log."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from motcua.core.mail import RedactedLogBackend
from motcua.core.models import OutboxMessage
from motcua.core.outbox import outbox_deliver_pending, outbox_resend
from motcua.notifications.delivery import STALE, email_deliver, masked, notification_email_queue
from motcua.notifications.models import Delivery, Notification
from tests.factories import CitizenFactory

SENT: list[EmailMessage] = []


class WorkerDied(BaseException):
    """kill -9 as a test can have it: nothing after the raise runs, no except clause for
    ordinary errors catches it, and every open transaction is rolled back."""


class SentThenDiedBackend:
    """The mail server accepts the message, then the worker dies before it can record it."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        SENT.extend(messages)
        raise WorkerDied


def notifications_for_two() -> list[Notification]:
    """Two citizens with an address each, each told about a petition answer."""
    made = []
    for n, (email, ref) in enumerate([("dan@example.vn", "PA-1"), ("binh@example.vn", "PA-2")]):
        user = CitizenFactory(
            username=f"04609000000{n}", personal_id=f"04609000000{n}", email=email
        )
        made.append(
            Notification.objects.create(
                user=user,
                action="petition_answer",
                title=f"Phản ánh, kiến nghị {ref} đã được trả lời",
                body=f"Phản ánh, kiến nghị {ref} — đã trả lời.",
                link=f"/phan-anh/cua-toi/{ref}/",
                created_at=timezone.now(),
            )
        )
    return made


@pytest.fixture
def no_worker():
    """The email is delivered by the test's own calls, as a worker would, not on commit."""
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ):
        yield
    SENT.clear()


@pytest.mark.django_db(transaction=True)
def test_a_worker_dying_after_the_send_never_sends_twice(no_worker, settings):
    dan, binh = notifications_for_two()
    with transaction.atomic():
        first = notification_email_queue(notification=dan, address="dan@example.vn")
        again = notification_email_queue(notification=dan, address="dan@example.vn")
        notification_email_queue(notification=binh, address="binh@example.vn")
    assert again == first  # one delivery per notification and channel
    dan_message, _binh_message = OutboxMessage.objects.filter(topic="notification.email").order_by(
        "id"
    )

    settings.EMAIL_BACKEND = "tests.notifications.test_delivery.SentThenDiedBackend"
    with pytest.raises(WorkerDied):
        email_deliver(dan_message.pk)
    assert [m.to for m in SENT] == [["dan@example.vn"]]
    # The claim was committed before the send; the record after it was lost with the worker.
    first.refresh_from_db()
    dan_message.refresh_from_db()
    assert (first.status, first.attempts) == ("sending", 1)
    assert (dan_message.status, dan_message.attempts) == ("pending", 0)

    # The worker comes back at once: the claim may belong to a worker still sending.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox_deliver_pending() == {"not_due": 1, "sent": 1}  # Bình's goes out
    dan_message.refresh_from_db()
    assert dan_message.next_attempt_at == first.claimed_at + STALE

    # Past the stale age: the mail may have left; it is reported, not sent again.
    later = first.claimed_at + STALE + timedelta(seconds=1)
    assert email_deliver(dan_message.pk, now=later) == "unknown"
    first.refresh_from_db()
    dan_message.refresh_from_db()
    dan.refresh_from_db()
    assert first.status == "unknown"
    assert dan_message.status == "dead"
    assert dan_message.last_error.startswith("sent_unknown:")
    assert dan.emailed_to is False
    assert [m.to for m in mail.outbox] == [["binh@example.vn"]]
    assert email_deliver(dan_message.pk, now=later) == "skipped"
    assert len(SENT) + len(mail.outbox) == 2  # one mail per notification

    # An operator who checked the mail server's log resends it: the same Message-ID.
    assert outbox_resend(message_id=dan_message.pk) == 1
    assert email_deliver(dan_message.pk) == "sent"
    assert [m.to for m in mail.outbox] == [["binh@example.vn"], ["dan@example.vn"]]
    assert mail.outbox[1].extra_headers["Message-ID"] == SENT[0].extra_headers["Message-ID"]
    assert SENT[0].extra_headers["Message-ID"] == f"<notification-{dan.pk}.email@127.0.0.1>"
    first.refresh_from_db()
    dan.refresh_from_db()
    assert (first.status, first.attempts, dan.emailed_to) == ("sent", 2, True)


@pytest.mark.django_db(transaction=True)
def test_a_second_worker_finding_the_claim_fresh_sends_nothing(no_worker, settings):
    dan, _binh = notifications_for_two()
    with transaction.atomic():
        delivery = notification_email_queue(notification=dan, address="dan@example.vn")
    message = OutboxMessage.objects.get(topic="notification.email")
    claimed = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=claimed)

    assert email_deliver(message.pk, now=claimed + timedelta(seconds=30)) == "not_due"

    # The first worker records its send meanwhile: the later look finds it done.
    Delivery.objects.filter(pk=delivery.pk).update(status="sent")
    assert email_deliver(message.pk, now=claimed + STALE) == "already"
    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == "sent"


def test_the_default_mail_backend_logs_the_id_and_a_masked_address_only(caplog, settings):
    settings.EMAIL_BACKEND = "motcua.core.mail.RedactedLogBackend"
    messages = [
        EmailMessage(
            subject="[motcua] Hồ sơ 000.00.11.H99-260302-0001 đã được tiếp nhận",
            body="Nguyễn Văn Dân, 12 Lê Lợi, số định danh 046085001234",
            to=["dan@example.vn"],
            headers={"Message-ID": "<notification-7.email@127.0.0.1>"},
        ),
        EmailMessage(subject="Thư khác", body="Trần Thị Bình", to=["binh@example.vn"]),
    ]

    with caplog.at_level(logging.INFO, logger="motcua.core.mail"):
        assert mail.get_connection().send_messages(messages) == 2

    assert [r.getMessage() for r in caplog.records] == [
        "email.not_sent (no mail server configured) "
        "message_id=<notification-7.email@127.0.0.1> to=d***@example.vn",
        "email.not_sent (no mail server configured) message_id=- to=b***@example.vn",
    ]
    logged = str([(r.getMessage(), r.__dict__) for r in caplog.records])
    for secret in ("dan@example.vn", "Nguyễn", "046085001234", "Hồ sơ", "Bình"):
        assert secret not in logged
    assert RedactedLogBackend().send_messages([]) == 0


def test_the_settings_default_is_the_redacting_backend():
    from motcua import settings as product

    assert product.EMAIL_BACKEND == "motcua.core.mail.RedactedLogBackend"


@pytest.mark.parametrize(
    ("address", "shown"),
    [("dan@example.vn", "d***@example.vn"), ("x@y.vn", "x***@y.vn"), ("khong-hop-le", "***")],
)
def test_masked(address, shown):
    assert masked(address) == shown
