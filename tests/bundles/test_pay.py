"""One payment of a bundle's total: one gateway order for what the parts still owe, and on the
gateway's signed notification one paid payment per part for that part's amount, all under
the gateway's one transaction, in one transaction; a repeat changes nothing; a wrong amount
or an unknown order is refused and touches no payment or dossier."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import override_settings

from motcua.bundles.models import BundleApplication
from motcua.bundles.services import bundle_pay_start
from motcua.catalog.models import Procedure
from motcua.core.audit import AuditEvent
from motcua.core.errors import PermissionDenied, ValidationFailed
from motcua.core.outbox import outbox_deliver_pending
from motcua.core.worktime import TZ
from motcua.demo.bundles import BIRTH_ANSWERS, bundle_demo_apply
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.payments.models import GroupOrder, Notification, Payment, Refund, Status
from motcua.payments.services import notification_handle, payment_record_counter
from tests.bundles.conftest import INSURANCE
from tests.payments.conftest import ipn_params, sandbox_config

MONDAY = datetime(2026, 11, 16, 8, 0, tzinfo=TZ)
RETURN = "http://testserver/lien-thong/tra-cuu/"


@pytest.fixture(autouse=True)
def sandbox_gateway():
    with override_settings(
        MOTCUA_PAYMENT_GATEWAYS=sandbox_config(), MOTCUA_PAYMENT_DEFAULT_GATEWAY="sandbox"
    ):
        yield


@pytest.fixture
def application(world) -> BundleApplication:
    """The birth bundle, its parts owing 8,000 + 0 + 2,000 (announced at submission)."""
    Procedure.objects.filter(code__in=["1.001193", "1.004222", "1.013201"]).update(
        accepts_online_payment=True
    )
    made = bundle_demo_apply(
        bundle=world.birth, applicant=world.citizen, answers=BIRTH_ANSWERS, at=MONDAY
    )
    for part, fee in zip(made.parts.order_by("member__position"), (8_000, 0, 2_000), strict=True):
        Dossier.objects.filter(pk=part.dossier_id).update(fee_amount=fee)
    BundleApplication.objects.filter(pk=made.pk).update(fee_total=10_000)
    return BundleApplication.objects.get(pk=made.pk)


def _children(application) -> list[Dossier]:
    return [
        Dossier.objects.get(pk=p.dossier_id) for p in application.parts.order_by("member__position")
    ]


def _trace() -> tuple:
    return (
        list(Payment.objects.order_by("id").values_list("id", "status", "receipt_no")),
        list(GroupOrder.objects.values_list("id", "status")),
        DossierEvent.objects.count(),
        list(Dossier.objects.order_by("id").values_list("paid_online", "paid_online_at")),
    )


def test_one_order_for_the_total_and_one_paid_payment_per_part(world, application):
    birth, residence, card = _children(application)

    order, url = bundle_pay_start(
        actor=world.citizen, application=application, gateway_name="sandbox", return_url=RETURN
    )

    assert order.amount == 10_000
    assert order.label == application.code
    assert dict(parse_qsl(urlsplit(url).query))["sb_Amount"] == "1000000"
    pending = Payment.objects.filter(group=order).order_by("dossier_id")
    assert [(p.dossier_id, p.amount, p.status) for p in pending] == [
        (birth.pk, 8_000, Status.PENDING),
        (card.pk, 2_000, Status.PENDING),
    ]

    outcome, answer = notification_handle(
        gateway_name="sandbox", params=ipn_params(order, transaction_no="26111600000042")
    )

    assert (outcome, answer["RspCode"]) == ("confirmed", "00")
    order.refresh_from_db()
    assert (order.status, order.gateway_txn) == (Status.PAID, "26111600000042")
    paid = Payment.objects.filter(status=Status.PAID).order_by("dossier_id")
    assert [(p.dossier_id, p.amount, p.gateway_txn, p.group_id) for p in paid] == [
        (birth.pk, 8_000, "26111600000042", order.pk),
        (card.pk, 2_000, "26111600000042", order.pk),
    ]
    assert all(p.receipt_no for p in paid)
    birth, residence, card = _children(application)
    assert (birth.paid_online, residence.paid_online, card.paid_online) == (True, False, True)
    assert birth.events.filter(action="pay").count() == 1
    assert card.events.filter(action="pay").count() == 1
    assert list(
        AuditEvent.objects.filter(action__startswith="payment.group")
        .order_by("id")
        .values_list("action", "object_id")
    ) == [("payment.group_start", order.order_ref), ("payment.group_paid", order.order_ref)]


def test_a_repeated_notification_changes_nothing(world, application):
    order, _url = bundle_pay_start(
        actor=world.citizen, application=application, gateway_name="sandbox", return_url=RETURN
    )
    params = ipn_params(order)
    notification_handle(gateway_name="sandbox", params=params)
    before = _trace()

    again = notification_handle(gateway_name="sandbox", params=params)
    other_nonce = notification_handle(
        gateway_name="sandbox", params=ipn_params(order, nonce="nonce-0002")
    )

    assert again[1]["RspCode"] == other_nonce[1]["RspCode"] == "02"
    assert _trace() == before
    assert Payment.objects.filter(status=Status.PAID).count() == 2


def test_a_wrong_amount_or_an_unknown_order_is_refused_and_pays_nothing(world, application):
    order, _url = bundle_pay_start(
        actor=world.citizen, application=application, gateway_name="sandbox", return_url=RETURN
    )
    before = _trace()

    short = notification_handle(gateway_name="sandbox", params=ipn_params(order, amount=8_000))
    ghost = GroupOrder(order_ref="MC261116KHONGCO00", amount=10_000)
    unknown = notification_handle(
        gateway_name="sandbox", params=ipn_params(ghost, nonce="nonce-0003")
    )

    assert (short[0], short[1]["RspCode"]) == ("bad_amount", "04")
    assert (unknown[0], unknown[1]["RspCode"]) == ("not_found", "01")
    assert _trace() == before
    assert sorted(Notification.objects.values_list("outcome", flat=True)) == [
        "bad_amount",
        "not_found",
    ]


def test_a_second_click_resumes_the_same_order(world, application):
    first, _ = bundle_pay_start(
        actor=world.citizen, application=application, gateway_name="sandbox", return_url=RETURN
    )
    second, _ = bundle_pay_start(
        actor=world.citizen, application=application, gateway_name="sandbox", return_url=RETURN
    )

    assert second.pk == first.pk
    assert GroupOrder.objects.count() == 1
    assert Payment.objects.count() == 2


def test_a_part_paid_at_the_counter_meanwhile_is_an_overpayment_refunded(world, application):
    birth, _residence, card = _children(application)
    order, _url = bundle_pay_start(
        actor=world.citizen,
        application=application,
        gateway_name="sandbox",
        return_url=RETURN,
        at=MONDAY,
    )
    # After the gateway's window the counter takes cash for the insurance card.
    payment_record_counter(
        actor=world.reception[INSURANCE], dossier=card, method="cash", at=MONDAY.replace(hour=9)
    )

    notification_handle(gateway_name="sandbox", params=ipn_params(order))

    assert Payment.objects.get(group=order, dossier=birth).status == Status.PAID
    assert Payment.objects.get(group=order, dossier=card).status == Status.OVERPAID
    assert Refund.objects.get().amount == 2_000


def test_only_the_applicant_pays_and_a_refusal_writes_nothing(world, application):
    before = _trace()

    with pytest.raises(PermissionDenied):
        bundle_pay_start(
            actor=world.other_citizen,
            application=application,
            gateway_name="sandbox",
            return_url=RETURN,
        )

    assert _trace() == before


def test_nothing_owed_is_refused_with_the_reason(world, application):
    for dossier in _children(application):
        Dossier.objects.filter(pk=dossier.pk).update(fee_amount=0)

    with pytest.raises(ValidationFailed) as refused:
        bundle_pay_start(
            actor=world.citizen,
            application=application,
            gateway_name="sandbox",
            return_url=RETURN,
        )

    assert refused.value.message == (
        f"Hồ sơ liên thông {application.code} không còn khoản phí, lệ phí nào phải thanh toán "
        "trực tuyến."
    )
    assert GroupOrder.objects.count() == 0


# --- the pages ----------------------------------------------------------------------------------


def test_the_applicant_pays_once_on_the_sandbox_and_sees_every_part_paid(
    world, application, client
):
    client.force_login(world.citizen)
    url = f"/lien-thong/tra-cuu/{application.code}/"
    page = client.get(url).content.decode()
    assert "Thanh toán một lần 10.000 đồng" in page

    response = client.post(f"{url}thanh-toan/")

    assert response.status_code == 302
    gateway_url = response["Location"]
    assert gateway_url.startswith("/thanh-toan/sandbox/sandbox/?")
    hosted = client.get(gateway_url).content.decode()
    assert "10.000 đồng" in hosted
    params = dict(parse_qsl(urlsplit(gateway_url).query))
    back = client.post(urlsplit(gateway_url).path, {**params, "ket_qua": "success"})
    outbox_deliver_pending()
    assert back["Location"].startswith(f"http://testserver{url}?")
    page = client.get(back["Location"]).content.decode()
    assert page.count('data-testid="part-paid"') == 2
    assert "Đã thanh toán 8.000 đồng" in page
    assert "Đã thanh toán 2.000 đồng" in page
    assert "Thanh toán một lần" not in page


def test_the_pay_route_is_for_the_applicant_only(world, application, client):
    url = f"/lien-thong/tra-cuu/{application.code}/thanh-toan/"

    anonymous = client.post(url)
    client.force_login(world.other_citizen)
    stranger = client.post(url)
    seen = client.get(f"/lien-thong/tra-cuu/{application.code}/").content.decode()

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/dang-nhap/?next=")
    assert stranger.status_code == 404
    assert "Thanh toán một lần" not in seen
    assert GroupOrder.objects.count() == 0
    assert Payment.objects.count() == 0
