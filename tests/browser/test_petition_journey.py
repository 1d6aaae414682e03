"""A petition in a real browser: the citizen sends it from their dossier's page on a 360 px
phone, the officer answers it from the petitions queue, the citizen reads the answer and
rates it — every portal page passing axe."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from motcua.directory.models import Role
from motcua.dossiers.models import Channel
from motcua.dossiers.services import dossier_create
from motcua.feedback.models import Kind, Petition
from motcua.feedback.services import petition_submit
from tests.factories import AgencyFactory, CitizenFactory, ProcedureFactory, staff
from tests.verbs import dossier_submit

SUBJECT = "Chưa nhận được hẹn trả kết quả"
CONTENT = "Tôi đã nộp hồ sơ trực tuyến ba ngày nhưng chưa nhận được thông báo tiếp nhận."
ANSWER = "Sở đã tiếp nhận hồ sơ của ông/bà và gửi giấy hẹn qua Cổng dịch vụ công. Xin cảm ơn."


def fits(page, name: str) -> None:
    """Nothing wider than the phone; a screenshot under $MOTCUA_SCREENSHOTS when it is set."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    if shots := os.environ.get("MOTCUA_SCREENSHOTS", ""):
        page.screenshot(path=f"{shots}/petition-{name}-360.png", full_page=True)


@pytest.mark.django_db(transaction=True)
def test_send_answer_and_rate_a_petition(live_server, mobile_page, page, signed_in, accessible):
    agency = AgencyFactory(code="000.00.11.H99", name="Sở Tư pháp thử nghiệm")
    procedure = ProcedureFactory(
        code="2.000488", name="Cấp Phiếu lý lịch tư pháp", agencies=[agency]
    )
    officer = staff(Role.RECEPTION, agency, username="motcua_reception", full_name="Lê Thu Hà")
    citizen = CitizenFactory(username="001090000001", personal_id="001090000001")
    dossier = dossier_create(
        actor=citizen,
        procedure=procedure,
        agency=agency,
        channel=Channel.ONLINE,
        applicant_name=citizen.full_name,
        applicant_id_number=citizen.personal_id,
    )
    dossier = dossier_submit(actor=citizen, dossier=dossier)

    # The citizen, on a phone, from the dossier's page.
    phone = mobile_page
    signed_in(phone, live_server, citizen.username)
    phone.goto(f"{live_server.url}/ho-so-cua-toi/{dossier.public_code}/")
    phone.get_by_test_id("petition-link").click()
    expect(phone.get_by_role("heading", name="Gửi phản ánh, kiến nghị")).to_be_visible()
    expect(phone.locator("#id_agency")).to_have_value(agency.code)
    fits(phone, "form")
    accessible(phone)
    phone.get_by_label("Phản ánh", exact=True).check()
    phone.fill("#id_subject", SUBJECT)
    phone.fill("#id_content", CONTENT)
    phone.locator("#id_publish_consent").check()
    phone.get_by_role("button", name="Gửi phản ánh, kiến nghị").click()
    expect(phone.get_by_test_id("state")).to_have_text("Đã tiếp nhận, đang xử lý")
    petition = Petition.objects.get()
    assert petition.dossier_id == dossier.pk
    fits(phone, "sent")
    accessible(phone)

    # The officer, at a desk, from the queue.
    signed_in(page, live_server, officer.username)
    page.goto(f"{live_server.url}/mot-cua/phan-anh/")
    row = page.locator(f'tr[data-reference="{petition.reference}"]')
    expect(row.get_by_test_id("mark")).to_have_text("Trong hạn")
    accessible(page)
    row.get_by_role("link", name=SUBJECT).click()
    accessible(page)
    page.fill("#id_answer", ANSWER)
    # Consented, and the answer names nobody: the officer publishes it.
    page.get_by_label("Công khai câu trả lời").check()
    page.get_by_role("button", name="Gửi câu trả lời").click()
    expect(page.get_by_test_id("state")).to_have_text("Đã trả lời")
    if shots := os.environ.get("MOTCUA_SCREENSHOTS", ""):
        page.screenshot(path=f"{shots}/petition-office-1280.png", full_page=True)

    # The citizen reads the answer and rates it, once.
    phone.reload()
    expect(phone.get_by_test_id("answer")).to_have_text(ANSWER)
    accessible(phone)
    phone.get_by_label("Hài lòng", exact=True).check()
    phone.get_by_role("button", name="Gửi đánh giá").click()
    expect(phone.get_by_test_id("rating")).to_have_text("Hài lòng")
    expect(phone.get_by_role("button", name="Gửi đánh giá")).to_have_count(0)
    fits(phone, "rated")
    accessible(phone)

    # Published without the sender.
    phone.goto(f"{live_server.url}/phan-anh/cong-khai/")
    listing = phone.get_by_test_id("public-petitions")
    expect(listing).to_contain_text(SUBJECT)
    expect(listing).to_contain_text(ANSWER)
    expect(listing).not_to_contain_text(citizen.full_name)
    fits(phone, "public")
    accessible(phone)


@pytest.mark.django_db(transaction=True)
def test_the_queue_on_a_phone(live_server, mobile_page, signed_in, accessible):
    agency = AgencyFactory(code="000.00.11.H99", name="Sở Tư pháp thử nghiệm")
    officer = staff(Role.SPECIALIST, agency, username="motcua_specialist")
    citizen = CitizenFactory(username="001090000001", personal_id="001090000001")
    now = timezone.now()
    for days, subject in ((30, "Phản ánh đã quá hạn trả lời"), (0, "Phản ánh vừa gửi")):
        petition_submit(
            actor=citizen,
            agency=agency,
            kind=Kind.REFLECTION,
            subject=subject,
            content=f"{CONTENT} ({days})",
            at=now - timedelta(days=days, minutes=5),
        )
    signed_in(mobile_page, live_server, officer.username)
    mobile_page.goto(f"{live_server.url}/mot-cua/phan-anh/")
    marks = mobile_page.get_by_test_id("mark")
    expect(marks).to_have_text(["Quá hạn", "Trong hạn"])
    fits(mobile_page, "queue")
    accessible(mobile_page)
