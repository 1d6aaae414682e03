"""What the rows beyond the dossier's own pages act on, added to the matrix's world: the
petitions the applicant sent (one awaiting the agency, one answered), notifications of their
dossier, a fee taken twice (an open refund), a national sync message given up on, the sync's
administrator, and online payment for the world's procedure. All made through the services
the site uses."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.catalog.models import Procedure
from motcua.core.models import OutboxMessage
from motcua.core.worktime import TZ
from motcua.directory.models import Role
from motcua.dossiers.documents import Attachment, documents_attach
from motcua.dossiers.models import Channel, DossierDocument, State
from motcua.dossiers.services import dossier_walk_in
from motcua.feedback.models import Kind
from motcua.feedback.services import petition_answer, petition_submit
from motcua.notifications.services import dossier_notify
from motcua.payments.models import Refund
from motcua.payments.services import notification_handle, payment_record_counter, payment_start
from motcua.sync.services import TOPIC as SYNC_TOPIC
from tests.factories import staff
from tests.payments.conftest import ipn_params
from tests.security.world import HOME, World
from tests.walker import Walker

# A Monday morning, after the walker's dossiers and before today: the sandbox window is
# 15 minutes, so cash at +16 and the gateway's confirmation at +17 make an overpayment.
PAID_AT = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OPEN_PETITION, ANSWERED_PETITION = "open_petition", "answered_petition"
WALK_IN_DRAFT = "walk_in_draft"  # a key of `World.dossiers`
NOTIFICATIONS, REFUND = "notifications", "refund"


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def others_build(world: World, walker: Walker) -> None:
    home = world.agencies[HOME]
    Procedure.objects.filter(pk=world.procedure_id).update(accepts_online_payment=True)
    walker.procedure.refresh_from_db()
    # The sync's administrator: the admin role in a top-level agency.
    world.staff[(HOME, Role.ADMIN)] = staff(Role.ADMIN, home, username=f"sec_{HOME}_admin")

    # A dossier entered at the counter: a draft of the agency's until the check page
    # receives it.
    world.dossiers[WALK_IN_DRAFT] = dossier_walk_in(
        actor=world.officer(HOME, Role.RECEPTION),
        procedure=walker.procedure,
        agency=home,
        channel=Channel.DIRECT,
        applicant_name="Lê Văn Cường",
        applicant_id_number="001090000555",
        fee_choice=None,
        registry_person=None,
        files=[],
    ).pk

    # A file of the applicant's draft, which "Hồ sơ của tôi" serves them.
    documents_attach(
        actor=world.owner,
        dossier=world.dossier(State.DRAFT),
        files=[Attachment(required_document=None, upload=_pdf("giay-khai-sinh.pdf"))],
        kind=DossierDocument.Kind.SUBMITTED,
    )

    specialist = world.officer(HOME, Role.SPECIALIST)
    waiting = petition_submit(
        actor=world.owner,
        agency=home,
        kind=Kind.REFLECTION,
        subject="Thái độ tiếp dân",
        content="Cán bộ một cửa hẹn trả kết quả nhưng không gọi điện báo trước.",
    )
    answered = petition_submit(
        actor=world.owner,
        agency=home,
        kind=Kind.RECOMMENDATION,
        subject="Thêm giờ tiếp nhận",
        content="Đề nghị mở quầy tiếp nhận vào sáng thứ Bảy cho người đi làm.",
    )
    petition_answer(
        actor=specialist,
        petition=answered,
        answer="Sở sẽ mở quầy sáng thứ Bảy từ tháng sau, từ 7 giờ 30 đến 11 giờ 30.",
    )
    world.extra[OPEN_PETITION] = waiting.reference
    world.extra[ANSWERED_PETITION] = answered.reference

    # Two notifications of the applicant's dossier, unread.
    returned = world.dossier(State.RETURNED)
    events = list(returned.events.filter(seq__gt=0).order_by("seq").values_list("pk", flat=True))
    notified = [dossier_notify({"dossier_id": returned.pk, "event_id": pk}) for pk in events[:2]]
    world.extra[NOTIFICATIONS] = [n.pk for n in notified if n is not None]
    assert len(world.extra[NOTIFICATIONS]) == 2

    # Paid twice: an online order left open past its window, cash at the counter, then the
    # gateway's confirmation — the online payment is owed back (tests/payments/test_refunds).
    dossier = walker.dossier_in(State.RECEIVED)
    online, _url = payment_start(
        actor=world.owner,
        dossier=dossier,
        gateway_name="sandbox",
        return_url="http://t/",
        at=PAID_AT,
    )
    payment_record_counter(
        actor=world.officer(HOME, Role.RECEPTION),
        dossier=dossier,
        method="cash",
        at=PAID_AT + timedelta(minutes=16),
    )
    confirmed = PAID_AT + timedelta(minutes=17)
    params = ipn_params(online, at=confirmed, nonce="sec-1", transaction_no="TX-sec-1")
    outcome, _answer = notification_handle(gateway_name="sandbox", params=params, now=confirmed)
    assert outcome == "confirmed", outcome
    world.extra[REFUND] = Refund.objects.get(payment=online).pk

    # A message to the national portal given up on after its tries.
    OutboxMessage.objects.create(
        topic=SYNC_TOPIC,
        payload={"dossier_id": dossier.pk},
        status=OutboxMessage.Status.DEAD,
        attempts=8,
        last_error="HTTP 503",
    )
