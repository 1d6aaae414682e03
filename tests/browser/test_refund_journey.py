"""Money taken twice, settled in a real browser: two agencies each owe a refund (the counter
took cash after the gateway's window, then the gateway confirmed). Each agency's one-stop
officer sees the count on the counter's home, only their own agency's refund on the refunds
page, and records the refund; the other agency's stays open."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from motcua.directory.models import Role
from motcua.dossiers.models import Channel, Dossier
from motcua.dossiers.services import dossier_create
from motcua.payments.models import Payment, Refund, Status
from motcua.payments.services import notification_handle, payment_record_counter, payment_start
from tests.factories import AgencyFactory, CitizenFactory, FeeLineFactory, ProcedureFactory, staff
from tests.payments.conftest import ipn_params, sandbox_config
from tests.verbs import dossier_receive, dossier_submit


def overpaid(citizen, officer, procedure, agency, nonce: str) -> Refund:
    dossier = dossier_create(
        actor=citizen,
        procedure=procedure,
        agency=agency,
        channel=Channel.ONLINE,
        applicant_name=citizen.full_name,
        applicant_id_number=citizen.personal_id,
    )
    dossier = dossier_receive(actor=officer, dossier=dossier_submit(actor=citizen, dossier=dossier))
    start = timezone.now() - timedelta(minutes=30)
    online, _ = payment_start(
        actor=citizen, dossier=dossier, gateway_name="sandbox", return_url="http://t/", at=start
    )
    payment_record_counter(actor=officer, dossier=dossier, method="cash")
    params = ipn_params(online, nonce=nonce, transaction_no=f"TX-{nonce}")
    assert notification_handle(gateway_name="sandbox", params=params)[0] == "confirmed"
    return Refund.objects.get(payment=online)


@pytest.mark.django_db(transaction=True)
def test_each_agency_settles_its_own_refund(live_server, page, signed_in, screenshot, settings):
    settings.MOTCUA_PAYMENT_GATEWAYS = sandbox_config()
    settings.MOTCUA_PAYMENT_DEFAULT_GATEWAY = "sandbox"
    justice = AgencyFactory(code="000.00.11.H99", name="Sở Tư pháp thử nghiệm")
    building = AgencyFactory(code="000.00.12.H99", name="Sở Xây dựng thử nghiệm")
    procedure = ProcedureFactory(
        code="2.000488",
        name="Cấp Phiếu lý lịch tư pháp",
        agencies=[justice, building],
        accepts_online_payment=True,
    )
    FeeLineFactory(procedure=procedure, name="Lệ phí", amount=100_000)
    FeeLineFactory(procedure=procedure, name="Phí cung cấp thông tin", amount=50_000)
    citizen = CitizenFactory(username="001090000001", personal_id="001090000001")
    neighbour = CitizenFactory(username="001090000002", personal_id="001090000002")
    officer = staff(Role.RECEPTION, justice, username="motcua_reception", full_name="Lê Thị Hoa")
    other = staff(Role.RECEPTION, building, username="motcua_reception_xd")
    own = overpaid(citizen, officer, procedure, justice, "n-1")
    foreign = overpaid(neighbour, other, procedure, building, "n-2")

    signed_in(page, live_server, officer.username)
    page.goto(f"{live_server.url}/mot-cua/")
    counted = page.get_by_test_id("refunds-open")
    expect(counted).to_have_text("1 khoản thu trùng chờ hoàn tiền")
    counted.get_by_role("link").click()
    page.wait_for_url("**/thanh-toan/hoan-tien/")
    expect(page.get_by_test_id("refund-count")).to_have_text("1")
    expect(page.get_by_test_id("refund-total")).to_have_text(
        "1 khoản chờ hoàn tiền, tổng 150.000 đồng."
    )
    row = page.get_by_test_id(f"refund-{own.pk}")
    expect(row).to_contain_text(own.payment.order_ref)
    expect(row).to_contain_text(citizen.full_name)
    expect(page.get_by_test_id(f"refund-{foreign.pk}")).to_have_count(0)
    expect(page.get_by_text(neighbour.full_name)).to_have_count(0)
    screenshot("refunds")

    row.get_by_label("Cách hoàn tiền").fill("Trả tiền mặt, người nộp ký nhận")
    row.get_by_role("button", name="Đã hoàn tiền").click()
    expect(page.get_by_test_id("settled")).to_contain_text(
        f"Đã ghi nhận hoàn 150.000 đồng của giao dịch {own.payment.order_ref}"
    )
    expect(page.get_by_test_id("refund-count")).to_have_text("0")
    expect(page.get_by_test_id("no-refunds")).to_be_visible()
    assert Payment.objects.get(pk=own.payment_id).status == Status.REFUNDED
    assert Refund.objects.get(pk=foreign.pk).state == Refund.State.OPEN

    # The other agency's officer still has theirs to settle.
    page.context.clear_cookies()
    signed_in(page, live_server, other.username)
    page.goto(f"{live_server.url}/thanh-toan/hoan-tien/")
    expect(page.get_by_test_id("refund-count")).to_have_text("1")
    expect(page.get_by_test_id(f"refund-{foreign.pk}")).to_contain_text(neighbour.full_name)
    expect(page.get_by_test_id(f"refund-{own.pk}")).to_have_count(0)
    assert Dossier.objects.filter(refunds__state="open").count() == 1
