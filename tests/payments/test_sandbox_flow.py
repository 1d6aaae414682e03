"""The citizen's path through the pages: the "Thanh toán" page, the sandbox's hosted page,
the return page, with the IPN delivered from the outbox after commit."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import override_settings

from motcua.core.models import OutboxMessage
from motcua.core.outbox import outbox_deliver_pending
from motcua.dossiers.models import Dossier, State
from motcua.payments.models import Payment, SandboxTransaction, Status
from tests.payments.conftest import FEE, ipn_params


@pytest.fixture
def dossier(walker, fees):
    return walker.dossier_in(State.SUBMITTED)


def start(client, citizen, dossier) -> tuple[Payment, str]:
    client.force_login(citizen)
    response = client.post(f"/thanh-toan/{dossier.reference}/")
    assert response.status_code == 302
    return Payment.objects.get(dossier=dossier, status=Status.PENDING), response["Location"]


def choose(client, gateway_url: str, choice: str) -> str:
    """The tester's click on the hosted page, then the worker's turn (what the on-commit
    task does outside a test transaction); returns where the browser is sent."""
    page = client.get(gateway_url)
    assert page.status_code == 200
    params = dict(parse_qsl(urlsplit(gateway_url).query))
    response = client.post(urlsplit(gateway_url).path, {**params, "ket_qua": choice})
    assert response.status_code == 302
    outbox_deliver_pending()
    return response["Location"]


def test_pay_page_shows_the_fee_lines_and_the_total(client, citizen, dossier):
    client.force_login(citizen)
    response = client.get(f"/thanh-toan/{dossier.reference}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lệ phí cấp Phiếu lý lịch tư pháp" in html
    assert "100.000 đồng" in html
    assert "Phí cung cấp thông tin" in html
    assert "50.000 đồng" in html
    assert 'data-testid="fee-total">150.000 đồng<' in html
    assert "Thanh toán 150.000 đồng" in html


def test_success_on_the_sandbox_page_pays_through_the_ipn(client, citizen, dossier):
    payment, gateway_url = start(client, citizen, dossier)
    assert gateway_url.startswith("/thanh-toan/sandbox/sandbox/?")
    hosted = client.get(gateway_url).content.decode()
    assert payment.order_ref in hosted
    assert "150.000 đồng" in hosted
    assert citizen.full_name not in hosted  # the gateway never sees the applicant's name

    back = choose(client, gateway_url, "success")

    assert back.startswith("http://testserver/thanh-toan/ket-qua/sandbox/?")
    payment.refresh_from_db()
    assert payment.status == Status.PAID
    assert OutboxMessage.objects.get(topic="payments.sandbox_ipn").status == "sent"
    assert Dossier.objects.get(pk=dossier.pk).paid_online is True
    page = client.get(back).content.decode()
    assert "Đã thanh toán thành công" in page
    assert f"/thanh-toan/bien-lai/{payment.order_ref}.pdf" in page


@pytest.mark.parametrize(
    ("choice", "status", "code"),
    [("failure", Status.FAILED, "51"), ("abandon", Status.ABANDONED, "24")],
)
def test_failure_and_abandonment(client, citizen, dossier, choice, status, code):
    payment, gateway_url = start(client, citizen, dossier)
    back = choose(client, gateway_url, choice)
    payment.refresh_from_db()
    assert (payment.status, payment.gateway_code) == (status, code)
    assert Dossier.objects.get(pk=dossier.pk).paid_online is False
    page = client.get(back).content.decode()
    assert "Bạn chưa bị trừ tiền cho giao dịch này." in page
    assert "Thanh toán lại" in page
    # Another attempt is a new order.
    again, _ = start(client, citizen, dossier)
    assert again.order_ref != payment.order_ref


def test_until_the_ipn_arrives_the_return_page_says_processing(
    client, citizen, dossier, sandbox_mode
):
    with sandbox_mode("no_ipn"):
        payment, gateway_url = start(client, citizen, dossier)
        back = choose(client, gateway_url, "success")
        page = client.get(back).content.decode()
    assert "Đang xử lý" in page
    payment.refresh_from_db()
    assert payment.status == Status.PENDING  # the browser's "00" is not proof of payment
    assert OutboxMessage.objects.filter(topic="payments.sandbox_ipn").count() == 0


def test_a_tampered_return_shows_only_what_was_recorded(client, citizen, dossier):
    payment, _ = start(client, citizen, dossier)
    params = ipn_params(payment)
    params["sb_ResponseCode"] = "00"
    params["sb_SecureHash"] = "0" * 128
    page = client.get("/thanh-toan/ket-qua/sandbox/", params).content.decode()
    assert "không hợp lệ" in page
    assert "Đang xử lý" in page
    payment.refresh_from_db()
    assert payment.status == Status.PENDING


def test_a_second_click_resumes_the_same_order(client, citizen, dossier):
    first, _ = start(client, citizen, dossier)
    second, _ = start(client, citizen, dossier)
    assert first.pk == second.pk
    assert Payment.objects.count() == 1


def test_the_return_page_is_for_the_owner_and_the_counter_only(client, citizen, dossier):
    payment, _ = start(client, citizen, dossier)
    from tests.factories import CitizenFactory

    client.force_login(CitizenFactory())
    response = client.get("/thanh-toan/ket-qua/sandbox/", ipn_params(payment))
    assert response.status_code == 404


def test_the_hosted_page_refuses_a_forged_order(client, db):
    response = client.get("/thanh-toan/sandbox/sandbox/?sb_TxnRef=MC1&sb_Amount=100")
    assert response.status_code == 400
    assert "sai chữ ký" in response.content.decode()
    assert SandboxTransaction.objects.count() == 0


def test_an_order_cannot_be_decided_twice(client, citizen, dossier):
    payment, gateway_url = start(client, citizen, dossier)
    choose(client, gateway_url, "abandon")
    params = dict(parse_qsl(urlsplit(gateway_url).query))
    response = client.post(urlsplit(gateway_url).path, {**params, "ket_qua": "success"})
    assert response.status_code == 400
    payment.refresh_from_db()
    assert payment.status == Status.ABANDONED


def test_without_a_sandbox_configured_there_is_no_hosted_page(client, citizen, dossier):
    payment, gateway_url = start(client, citizen, dossier)
    params = ipn_params(payment)
    with override_settings(MOTCUA_PAYMENT_GATEWAYS={}):
        assert client.get(gateway_url).status_code == 404
        assert client.post("/thanh-toan/ipn/sandbox/", params).status_code == 404
        page = client.get(f"/thanh-toan/{dossier.reference}/").content.decode()
    assert "chưa kết nối cổng thanh toán" in page
    assert payment.amount == FEE
