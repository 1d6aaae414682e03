"""The consultation portal in a real browser: a citizen on a 360 px phone comments on a section
of a draft (markup typed into the comment comes out as plain text), the drafting agency's
approver publishes the held comment and answers it, closes the draft after its deadline, and
the public summary shows how the comment was taken into account; every page passing axe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from motcua.consultation.models import Comment, Draft
from motcua.consultation.services import draft_create, draft_publish
from motcua.directory.models import Agency, Role
from tests.factories import AgencyFactory, CitizenFactory, staff


@pytest.mark.django_db(transaction=True)
def test_comment_moderate_answer_and_read_the_summary(
    live_server, mobile_page, page, signed_in, accessible
):
    justice = AgencyFactory(
        code="000.00.11.H98", name="Sở Tư pháp thử nghiệm", level=Agency.Level.DEPARTMENT
    )
    approver = staff(Role.APPROVER, justice, username="pheduyet_tp", full_name="Trần Văn Bình")
    citizen = CitizenFactory(
        username="001090000001", personal_id="001090000001", full_name="Nguyễn Văn An"
    )
    draft = draft_create(
        actor=approver,
        agency=justice,
        title="Dự thảo Quyết định về lý lịch tư pháp trực tuyến",
        sections=[
            ("Điều 1. Phạm vi", "Quy định cấp Phiếu lý lịch tư pháp trực tuyến."),
            ("Điều 2. Thời hạn", "Trả kết quả trong 5 ngày làm việc."),
        ],
        moderation_first=True,
    )
    draft_publish(actor=approver, draft=draft, deadline=timezone.localdate() + timedelta(days=30))

    # The citizen, on a phone: from the menu to the draft, a comment on Điều 2.
    phone = mobile_page
    signed_in(phone, live_server, citizen.username)
    phone.goto(f"{live_server.url}/gop-y/")
    accessible(phone)
    phone.get_by_role("link", name=draft.title).click()
    accessible(phone)
    phone.select_option("select[name=phan]", label="Điều 2. Thời hạn")
    phone.fill("textarea[name=noi_dung]", "<b>Đề nghị</b> rút xuống 3 ngày làm việc.")
    phone.get_by_role("button", name="Gửi góp ý").click()
    expect(phone.get_by_test_id("sent")).to_contain_text("sau khi cơ quan soạn thảo kiểm duyệt")
    expect(phone.get_by_test_id("comment")).to_have_count(0)
    accessible(phone)
    comment = Comment.objects.get()
    assert (comment.text, comment.state) == ("Đề nghị rút xuống 3 ngày làm việc.", "pending")

    # The approver publishes and answers it.
    signed_in(page, live_server, approver.username)
    page.goto(f"{live_server.url}/gop-y/quan-ly/")
    page.get_by_role("link", name=draft.title).click()
    accessible(page)
    card = page.get_by_test_id("staff-comment")
    expect(card).to_contain_text("Chờ kiểm duyệt")
    card.get_by_role("button", name="Công khai", exact=True).click()
    card = page.get_by_test_id("staff-comment")
    expect(card).to_contain_text("Đã công khai")
    card.locator("select[name=tiep_thu]").select_option(label="Tiếp thu một phần")
    card.locator("textarea[name=giai_trinh]").fill(
        "Rút xuống 4 ngày làm việc; cần 1 ngày xác minh với cơ quan công an."
    )
    card.get_by_role("button", name="Lưu giải trình").click()
    expect(page.get_by_test_id("staff-comment")).to_contain_text("Tiếp thu một phần:")
    accessible(page)

    # Closing before the deadline is refused; after it, the summary is public.
    page.get_by_role("button", name="Đóng và công khai báo cáo tổng hợp").click()
    expect(page.get_by_test_id("error")).to_contain_text("chỉ đóng sau ngày đó")
    Draft.objects.filter(pk=draft.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    page.goto(f"{live_server.url}/gop-y/quan-ly/du-thao/{draft.pk}/")
    page.get_by_role("button", name="Đóng và công khai báo cáo tổng hợp").click()
    expect(page.get_by_role("heading", name="Báo cáo tổng hợp ý kiến")).to_be_visible()

    # The citizen reads how the comment was taken into account.
    phone.goto(f"{live_server.url}/gop-y/du-thao/{draft.pk}/tong-hop/")
    rows = phone.get_by_test_id("counts").locator("tbody tr")
    expect(rows.nth(1)).to_contain_text("Điều 2. Thời hạn")
    expect(rows.nth(1).locator("td")).to_have_text(["Điều 2. Thời hạn", "1", "1", "0", "1", "0"])
    summary = phone.get_by_test_id("summary-comment")
    expect(summary).to_contain_text("Nguyễn V. A.")
    expect(summary).not_to_contain_text("Nguyễn Văn An")
    expect(summary).to_contain_text("Đề nghị rút xuống 3 ngày làm việc.")
    expect(summary).to_contain_text(
        "Tiếp thu một phần: Rút xuống 4 ngày làm việc; cần 1 ngày xác minh với cơ quan công an."
    )
    accessible(phone)
