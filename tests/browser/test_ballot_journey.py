"""Opinion ballots in a real browser: the province's leader writes a ballot with the draft
decision attached and three members, sends it; two members sign in (password and
authenticator code), see it among the ballots to answer with the time left, and agree; the
leader sees who answered, closes the ballot — two of three agree, adopted — and records the
decision issued. Every page passes axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from motcua.ballots.models import Ballot
from motcua.directory.models import Agency, Role
from tests.factories import AgencyFactory, staff

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PROVINCE, JUSTICE = "000.00.00.H95", "000.00.11.H95"


@pytest.mark.django_db(transaction=True)
def test_send_answer_close_and_decide(
    live_server, browser, page, signed_in, accessible, screenshot
):
    province = AgencyFactory(
        code=PROVINCE, name="UBND tỉnh thử nghiệm", level=Agency.Level.PROVINCE
    )
    justice = AgencyFactory(code=JUSTICE, name="Sở Tư pháp thử nghiệm", parent=province)
    leader = staff(Role.LEADER, province, username="chutich_tinh", full_name="Nguyễn Thanh Sơn")
    members = [
        staff(Role.APPROVER, justice, username="thanhvien_a", full_name="Trần Thị An"),
        staff(Role.LEADER, justice, username="thanhvien_b", full_name="Lê Văn Bình"),
        staff(Role.APPROVER, justice, username="thanhvien_c", full_name="Phạm Thị Cúc"),
    ]
    deadline = timezone.localtime(timezone.now() + timedelta(days=2, hours=1))

    # The leader writes the ballot and sends it.
    signed_in(page, live_server, leader.username)
    page.goto(f"{live_server.url}/chi-so/")
    page.get_by_role("link", name="Phiếu lấy ý kiến").click()
    expect(
        page.get_by_role("heading", name="Phiếu lấy ý kiến thành viên UBND", exact=True)
    ).to_be_visible()
    accessible(page)
    page.get_by_role("link", name="Tạo phiếu lấy ý kiến").click()
    page.fill("input[name=so_phieu]", "15/PLYK-UBND")
    page.fill("input[name=trich_yeu]", "Dự thảo quyết định ban hành quy chế phối hợp liên thông")
    page.fill(
        "textarea[name=tom_tat]", "Quy chế phối hợp giải quyết thủ tục hành chính liên thông."
    )
    page.fill("input[name=han]", f"{deadline:%Y-%m-%dT%H:%M}")
    for member in members:
        page.get_by_label(member.full_name).check()
    page.set_input_files(
        "input[name=tep]",
        {"name": "du-thao-quyet-dinh.pdf", "mimeType": "application/pdf", "buffer": PDF},
    )
    accessible(page)
    screenshot("ballot-new")
    page.get_by_role("button", name="Lưu dự thảo phiếu").click()
    expect(page.get_by_test_id("state")).to_have_text("Dự thảo")
    expect(page.get_by_role("link", name="du-thao-quyet-dinh.pdf")).to_be_visible()
    page.get_by_role("button", name="Gửi phiếu cho thành viên").click()
    expect(page.get_by_test_id("state")).to_have_text("Đang lấy ý kiến")
    accessible(page)
    screenshot("ballot-open")
    ballot = Ballot.objects.get(number="15/PLYK-UBND")

    # Two members answer, each in their own browser.
    for member in members[:2]:
        context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        context.set_default_timeout(15_000)
        other = context.new_page()
        signed_in(other, live_server, member.username)
        other.goto(f"{live_server.url}/phieu-y-kien/")
        row = other.get_by_test_id("pending").locator("tbody tr").first
        expect(row).to_contain_text("15/PLYK-UBND")
        expect(row).to_contain_text("còn 2 ngày")
        accessible(other)
        row.get_by_role("link", name="15/PLYK-UBND").click()
        other.get_by_label("Đồng ý", exact=True).check()
        other.fill("textarea[name=gop_y]", f"{member.full_name} nhất trí.")
        other.get_by_role("button", name="Gửi ý kiến").click()
        expect(other.get_by_test_id("my-answer")).to_contain_text("Bạn đã cho ý kiến “Đồng ý”")
        expect(other.get_by_role("button", name="Gửi ý kiến")).to_have_count(0)
        accessible(other)
        context.close()

    # The leader sees who answered, closes and records the decision.
    page.reload()
    answers = page.get_by_test_id("answers").locator("li")
    expect(answers).to_have_count(2)
    expect(answers.nth(0)).to_contain_text("Trần Thị An — Đồng ý")
    page.get_by_role("button", name="Kết thúc lấy ý kiến và tổng hợp").click()
    expect(page.get_by_test_id("agree")).to_have_text("2")
    expect(page.get_by_test_id("no-answer")).to_have_text("1")
    expect(page.get_by_test_id("members")).to_have_text("3")
    expect(page.get_by_test_id("result")).to_have_text("Được thông qua")
    accessible(page)
    page.get_by_label("Ban hành quyết định").check()
    page.fill("textarea[name=ghi_chu]", "Đã ký Quyết định 45/QĐ-UBND.")
    page.get_by_role("button", name="Ghi nhận quyết định").click()
    expect(page.get_by_test_id("decision")).to_have_text("Ban hành quyết định")
    expect(page.get_by_test_id("state")).to_have_text("Đã quyết định")
    accessible(page)
    screenshot("ballot-tally")

    ballot.refresh_from_db()
    assert (ballot.state, ballot.result, ballot.decision) == ("decided", "adopted", "issued")
    assert (ballot.agree, ballot.disagree, ballot.comment_only, ballot.no_answer) == (2, 0, 0, 1)
