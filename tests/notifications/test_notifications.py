"""In-app notifications and emails for the transitions the applicant must hear about."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from motcua.core import outbox
from motcua.core.models import OutboxMessage
from motcua.core.outbox import outbox_deliver, outbox_deliver_pending
from motcua.core.worktime import TZ
from motcua.dossiers.documents import document_attach
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Channel, Dossier, DossierDocument, State
from motcua.dossiers.services import dossier_create, dossier_issue_apology
from motcua.notifications.delivery import email_deliver
from motcua.notifications.models import Delivery, Notification
from motcua.notifications.services import dossier_notify
from tests.factories import CitizenFactory
from tests.verbs import dossier_receive
from tests.walker import T0


@pytest.fixture(autouse=True)
def _handler_installed():
    """Other tests swap the `dossier.notify` handler for a probe and pop it afterwards; put
    the real one back so these tests see what production does."""
    outbox._HANDLERS["dossier.notify"] = dossier_notify
    yield


@pytest.fixture
def emailed_citizen(citizen):
    citizen.email = "dan@example.vn"
    citizen.save(update_fields=["email"])
    return citizen


def deliver() -> None:
    """What the worker does after each commit. (Inside one test transaction the outbox's
    after-commit hook is registered once, so later steps are delivered by hand.)"""
    outbox_deliver_pending()


def walk(walker, state, django_capture_on_commit_callbacks) -> Dossier:
    with django_capture_on_commit_callbacks(execute=True):
        return walker.dossier_in(state)


def test_a_reception_notifies_in_the_portal_and_by_email(
    walker, emailed_citizen, django_capture_on_commit_callbacks
):
    dossier = walk(walker, State.RECEIVED, django_capture_on_commit_callbacks)

    notification = Notification.objects.get()
    assert (notification.user, notification.dossier, notification.action) == (
        emailed_citizen,
        dossier,
        "receive",
    )
    assert notification.title == f"Hồ sơ {dossier.code} đã được tiếp nhận"
    due = timezone.localtime(dossier.due_at).strftime("%H:%M ngày %d/%m/%Y")
    assert notification.body == (
        f"Hồ sơ {dossier.code} — Cấp Phiếu lý lịch tư pháp (Sở Tư pháp thử nghiệm).\n"
        "Cơ quan đã tiếp nhận hồ sơ lúc 10:00 ngày 02/03/2026.\n"
        f"Hẹn trả kết quả: {due}.\n"
        "Bạn không cần làm gì thêm; hãy theo dõi tiến độ trên Cổng dịch vụ công."
    )
    assert (notification.read_at, notification.emailed_to) == (None, True)
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert (email.to, email.subject) == (
        ["dan@example.vn"],
        f"[motcua] Hồ sơ {dossier.code} đã được tiếp nhận",
    )
    assert notification.body in email.body
    assert f"http://127.0.0.1:8000/ho-so-cua-toi/{dossier.code}/" in email.body


def test_one_notification_per_notified_transition(
    walker, emailed_citizen, django_capture_on_commit_callbacks
):
    dossier = walk(walker, State.RETURNED, django_capture_on_commit_callbacks)

    actions = list(Notification.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["receive", "approve", "return"]
    assert [m.subject for m in mail.outbox] == [
        f"[motcua] Hồ sơ {dossier.code} đã được tiếp nhận",
        f"[motcua] Hồ sơ {dossier.code} đã có kết quả",
        f"[motcua] Hồ sơ {dossier.code} đã trả kết quả",
    ]


def test_a_message_delivered_twice_notifies_once(
    walker, emailed_citizen, django_capture_on_commit_callbacks
):
    walk(walker, State.RECEIVED, django_capture_on_commit_callbacks)
    message = OutboxMessage.objects.get(topic="dossier.notify")

    assert outbox_deliver.call(message.pk) == "skipped"
    again = dossier_notify(message.payload)  # the handler itself, run again

    assert again == Notification.objects.get()
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_failing_mail_server_retries_the_email_alone(
    walker, emailed_citizen, django_capture_on_commit_callbacks, settings
):
    """The in-app notification does not wait for the mail server; the email is retried on its
    own, with the same Message-ID, and sent once."""
    settings.EMAIL_BACKEND = "tests.notifications.test_notifications.BrokenBackend"
    walk(walker, State.RECEIVED, django_capture_on_commit_callbacks)
    notify = OutboxMessage.objects.get(topic="dossier.notify")
    email = OutboxMessage.objects.get(topic="notification.email")
    notification = Notification.objects.get()
    delivery = Delivery.objects.get()
    assert (notify.status, email.status, email.attempts, email.last_error) == (
        "sent",
        "failed",
        1,
        "ConnectionError",  # the type only: an SMTP error may quote the address
    )
    assert (notification.emailed_to, delivery.status, delivery.attempts) == (False, "failed", 1)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert email_deliver(email.pk) == "not_due"  # backing off
    OutboxMessage.objects.filter(pk=email.pk).update(next_attempt_at=None)
    assert email_deliver(email.pk) == "sent"
    assert email_deliver(email.pk) == "skipped"

    notification.refresh_from_db()
    delivery.refresh_from_db()
    assert (Notification.objects.count(), len(mail.outbox)) == (1, 1)
    assert (notification.emailed_to, delivery.status, delivery.attempts) == (True, "sent", 2)
    assert mail.outbox[0].extra_headers == {
        "Message-ID": f"<notification-{notification.pk}.email@127.0.0.1>"
    }


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError("mail server down")


def test_a_supplement_request_says_what_and_by_when(
    walker, emailed_citizen, django_capture_on_commit_callbacks
):
    dossier = walk(walker, State.IN_PROGRESS, django_capture_on_commit_callbacks)
    due = T0.replace(day=9, hour=17, minute=0)
    walker.act(
        dossier,
        Action.REQUEST_SUPPLEMENT,
        missing=["Giấy khai sinh", "Sổ hộ khẩu"],
        supplement_due_at=due,
    )
    deliver()

    notification = Notification.objects.get(action="request_supplement")
    assert notification.title == f"Hồ sơ {dossier.code} cần bổ sung giấy tờ"
    assert notification.body.split("\n")[1:] == [
        "Cơ quan đề nghị bổ sung, hoàn thiện các giấy tờ sau:",
        "1. Giấy khai sinh",
        "2. Sổ hộ khẩu",
        "Hạn nộp bổ sung: 17:00 ngày 09/03/2026. Quá hạn này hồ sơ có thể bị hủy.",
        "Hãy nộp bổ sung trực tuyến tại trang Hồ sơ của tôi hoặc tại bộ phận một cửa. "
        "Thời gian chờ bổ sung không tính vào thời hạn giải quyết.",
    ]


def test_an_apology_recorded_event_notifies_once(
    walker, citizen, reception, django_capture_on_commit_callbacks
):
    dossier = walk(walker, State.IN_PROGRESS, django_capture_on_commit_callbacks)
    new = dossier.due_at + timedelta(days=3)
    dossier_issue_apology(
        actor=reception,
        dossier=dossier,
        new_appointment=new,
        reason="Chờ ý kiến cơ quan liên quan.",
        at=dossier.due_at - timedelta(hours=1),
    )
    deliver()
    event = dossier.events.get(action="apology")
    message = OutboxMessage.objects.get(topic="dossier.notify", payload__event_id=event.pk)
    dossier_notify(message.payload)  # again: nothing new
    dossier_notify({"dossier_id": dossier.pk, "action": "apology"})  # the older shape too

    apology = Notification.objects.get(action="apology")
    assert apology.body.split("\n")[1:] == [
        "Cơ quan xin lỗi vì chậm trả kết quả. Lý do: Chờ ý kiến cơ quan liên quan.",
        f"Hẹn lại ngày trả: {timezone.localtime(new):%H:%M ngày %d/%m/%Y}.",
        "Phiếu xin lỗi có tại trang Hồ sơ của tôi.",
    ]
    assert Notification.objects.filter(action="apology").count() == 1
    assert mail.outbox == []  # no address known: in the portal only


def test_without_an_account_the_email_given_at_the_counter_is_used(
    reception, procedure, agency, django_capture_on_commit_callbacks
):
    walk_in = dossier_create(
        actor=reception,
        procedure=procedure,
        agency=agency,
        channel=Channel.DIRECT,
        applicant_name="Lê Văn Khách",
        applicant_email="khach@example.vn",
        at=T0,
    )
    with django_capture_on_commit_callbacks(execute=True):
        received = dossier_receive(actor=reception, dossier=walk_in, at=T0)

    row = Notification.objects.get()
    assert (row.user, row.action, row.emailed_to) == (None, "receive", True)
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["khach@example.vn"], f"[motcua] Hồ sơ {received.code} đã được tiếp nhận")
    ]
    assert "Lê Văn Khách" not in mail.outbox[0].body


def test_nobody_to_tell_nothing_sent(reception, procedure, agency, db):
    walk_in = dossier_create(
        actor=reception,
        procedure=procedure,
        agency=agency,
        channel=Channel.DIRECT,
        applicant_name="Lê Văn Khách",
        at=T0,
    )
    received = dossier_receive(actor=reception, dossier=walk_in, at=T0)
    event = received.events.get(action="receive")
    assert OutboxMessage.objects.filter(topic="dossier.notify").count() == 0
    assert dossier_notify({"dossier_id": received.pk, "event_id": event.pk}) is None
    assert dossier_notify({"dossier_id": 999999, "event_id": event.pk}) is None
    assert (Notification.objects.count(), mail.outbox) == (0, [])


def test_the_applicant_email_on_the_dossier_wins(
    walker, citizen, django_capture_on_commit_callbacks
):
    dossier = walker.create()
    Dossier.objects.filter(pk=dossier.pk).update(applicant_email="ho-so@example.vn")
    with django_capture_on_commit_callbacks(execute=True):
        walker.act(dossier, Action.SUBMIT)
        walker.act(dossier, Action.RECEIVE)
    assert [m.to for m in mail.outbox] == [["ho-so@example.vn"]]


def test_notifications_hold_no_personal_data(
    walker, emailed_citizen, django_capture_on_commit_callbacks
):
    emailed_citizen.full_name = "Phạm Thị Riêng"
    emailed_citizen.save(update_fields=["full_name"])
    walk(walker, State.RETURNED, django_capture_on_commit_callbacks)
    texts = [n.title + n.body for n in Notification.objects.all()]
    texts += [m.subject + m.body for m in mail.outbox]
    for text in texts:
        assert "Phạm Thị Riêng" not in text
        assert emailed_citizen.personal_id not in text


# ---------------------------------------------------------------- the page and the header


def test_the_page_lists_my_notifications_and_the_header_counts_them(
    client, walker, citizen, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    mine = walk(walker, State.RETURNED, django_capture_on_commit_callbacks)
    walker.citizen = CitizenFactory(username="046090000777", personal_id="046090000777")
    walk(walker, State.RECEIVED, django_capture_on_commit_callbacks)
    client.force_login(citizen)

    # session, user, unread count, page count, page
    with django_assert_max_num_queries(5):
        response = client.get("/thong-bao/")

    titles = [n.title for n in response.context["page"].object_list]
    assert titles == [
        f"Hồ sơ {mine.code} đã trả kết quả",
        f"Hồ sơ {mine.code} đã có kết quả",
        f"Hồ sơ {mine.code} đã được tiếp nhận",
    ]
    html = response.content.decode()
    assert 'Thông báo <span class="badge">3<span class="sr-only"> chưa đọc</span>' in html
    # The way to the messaging channel, for a citizen account.
    assert 'href="/tai-khoan/kenh-nhan-tin/" data-testid="messaging-link"' in html


def test_the_header_count_costs_one_query_and_none_when_unused(
    client, citizen, django_assert_num_queries
):
    client.force_login(citizen)
    with django_assert_num_queries(3):  # session, user, unread count
        client.get("/tra-cuu/")
    client.logout()
    with django_assert_num_queries(0):
        client.get("/tra-cuu/")


def test_marking_read_one_and_all(client, walker, citizen, django_capture_on_commit_callbacks):
    walk(walker, State.RETURNED, django_capture_on_commit_callbacks)
    client.force_login(citizen)
    first = Notification.objects.order_by("id").first()

    response = client.post(f"/thong-bao/{first.pk}/da-doc/")

    assert (response.status_code, response["Location"]) == (302, "/thong-bao/")
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
    client.post("/thong-bao/da-doc/")
    assert Notification.objects.filter(read_at__isnull=True).count() == 0
    assert 'class="badge"' not in client.get("/thong-bao/").content.decode()


def test_someone_elses_notification_cannot_be_marked(
    client, walker, citizen, django_capture_on_commit_callbacks
):
    walk(walker, State.RECEIVED, django_capture_on_commit_callbacks)
    notification = Notification.objects.get()
    client.force_login(CitizenFactory(username="046090000777", personal_id="046090000777"))

    assert client.post(f"/thong-bao/{notification.pk}/da-doc/").status_code == 404
    client.post("/thong-bao/da-doc/")
    notification.refresh_from_db()
    assert notification.read_at is None
    assert list(client.get("/thong-bao/").context["page"].object_list) == []


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get("/thong-bao/")
    assert (response.status_code, response["Location"]) == (302, "/dang-nhap/?next=/thong-bao/")
    assert client.post("/thong-bao/da-doc/").status_code == 302


def test_times_are_local(walker, citizen, django_capture_on_commit_callbacks):
    walk(walker, State.RECEIVED, django_capture_on_commit_callbacks)
    body = Notification.objects.get().body
    assert T0.astimezone(TZ).strftime("%d/%m/%Y") in body


def test_a_draft_result_tells_the_applicant_nothing_and_the_approval_offers_the_e_result(
    walker, emailed_citizen, django_capture_on_commit_callbacks
):
    dossier = walk(walker, State.IN_PROGRESS, django_capture_on_commit_callbacks)
    dossier = walker.act(dossier, Action.FORWARD)
    with django_capture_on_commit_callbacks(execute=True):
        document_attach(
            actor=walker.approver,
            dossier=dossier,
            upload=SimpleUploadedFile("ket-qua.pdf", b"%PDF-1.4\n%%EOF\n"),
            kind=DossierDocument.Kind.RESULT,
            at=walker.next_moment(dossier),
        )
    deliver()
    assert list(Notification.objects.values_list("action", flat=True)) == ["receive"]
    assert len(mail.outbox) == 1

    walker.act(Dossier.objects.get(pk=dossier.pk), Action.APPROVE)
    deliver()

    approved = Notification.objects.get(action="approve")
    assert approved.title == f"Hồ sơ {dossier.code} đã có kết quả"
    lines = approved.body.split("\n")
    assert lines[2] == "Bạn có thể tải kết quả điện tử tại trang Hồ sơ của tôi."
    assert len(mail.outbox) == 2
