"""A citizen's account in a real browser, on a 360 px phone and a desktop: sign up with the
registry's help, sign in with the personal ID, find the dossiers, open one, rate it, read the
notifications — every page accessible (axe-core) and no wider than the screen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from motcua.directory.models import User
from motcua.dossiers.models import Dossier, State
from motcua.notifications.models import Notification

BINH = "046192005678"  # Trần Thị Bình in the local registry, born 03/09/1992
PASSWORD = "binh-mat-khau-2026"


def fits(page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow} px wider than the screen"


def checked(page, accessible, name: str) -> None:
    accessible(page)
    fits(page)
    folder = os.environ.get("MOTCUA_SCREENSHOTS", "")
    if folder:  # as the `screenshot` fixture does, for this test's two devices
        width = page.viewport_size["width"]
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/citizen-{name}-{width}.png", full_page=True)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device", ["mobile_page", "page"])
def test_sign_up_sign_in_find_open_and_rate(live_server, request, device, accessible, walker):
    page = request.getfixturevalue(device)

    # Sign up: only the ID number, the birth date and a password are typed.
    page.goto(f"{live_server.url}/dang-ky/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký tài khoản công dân")
    checked(page, accessible, "signup")
    page.get_by_label("Số định danh cá nhân (12 chữ số)").fill(BINH)
    page.get_by_label("Ngày sinh (ngày/tháng/năm)").fill("03/09/1992")
    page.get_by_label("Thư điện tử (không bắt buộc)").fill("binh@example.vn")
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng ký").click()
    page.wait_for_url(f"{live_server.url}/dang-nhap/")
    expect(page.get_by_role("status")).to_have_text(
        "Đã tạo tài khoản. Hãy đăng nhập bằng số định danh cá nhân và mật khẩu vừa đặt."
    )
    checked(page, accessible, "login")
    user = User.objects.get(personal_id=BINH)
    assert (user.full_name, user.email) == ("Trần Thị Bình", "binh@example.vn")

    # Meanwhile the agency worked on two of her dossiers.
    walker.citizen = user
    finished = walker.dossier_in(State.RETURNED)
    waiting = walker.dossier_in(State.RECEIVED)
    assert Notification.objects.filter(user=user).count() == 4
    assert len(mail.outbox) == 4

    # Sign in with the personal ID: straight to "Hồ sơ của tôi".
    page.fill("#id_username", BINH)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/ho-so-cua-toi/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ của tôi")
    listing = page.get_by_test_id("my-dossiers")
    expect(listing.locator("li")).to_have_count(2)
    expect(listing.locator("li").first).to_contain_text(f"Mã hồ sơ {waiting.code}")
    expect(listing.locator("li").first).to_contain_text("Đã tiếp nhận")
    expect(listing.locator("li").nth(1)).to_contain_text("Đã trả kết quả")
    expect(page.get_by_test_id("nav-notifications")).to_contain_text("4 chưa đọc")
    checked(page, accessible, "mine")

    # Open the finished one and rate it.
    listing.locator("li", has_text=finished.code).get_by_role("link").click()
    page.wait_for_url(f"{live_server.url}/ho-so-cua-toi/{finished.code}/")
    expect(page.get_by_test_id("state")).to_have_text("Đã trả kết quả")
    expect(page.get_by_test_id("events")).to_contain_text("Trả kết quả")
    expect(page.get_by_test_id("letters")).to_contain_text("Giấy tiếp nhận hồ sơ")
    checked(page, accessible, "dossier")
    page.get_by_label("Rất hài lòng").check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_role("status")).to_contain_text("Cảm ơn bạn đã đánh giá mức độ hài lòng.")
    expect(page.get_by_test_id("rating")).to_have_text("Rất hài lòng")
    expect(page.get_by_role("button", name="Gửi đánh giá")).to_have_count(0)
    # Why the form is gone, in the lifecycle's words; no withdrawing a finished dossier.
    expect(page.get_by_test_id("rate-refusal")).to_contain_text(
        f"Hồ sơ {finished.code} đã được đánh giá ngày"
    )
    expect(page.get_by_test_id("rate-refusal")).to_contain_text("mỗi hồ sơ chỉ đánh giá một lần")
    expect(page.get_by_role("link", name="Rút hồ sơ")).to_have_count(0)
    checked(page, accessible, "rated")
    assert Dossier.objects.get(pk=finished.pk).rating == "very_satisfied"
    page.goto(f"{live_server.url}/ho-so-cua-toi/{finished.code}/rut/")
    expect(page.get_by_test_id("withdraw-error")).to_have_text(
        "Không thể rút hồ sơ khi hồ sơ đang ở trạng thái “Đã trả kết quả”."
    )
    expect(page.get_by_role("button", name="Xác nhận rút hồ sơ")).to_have_count(0)
    checked(page, accessible, "withdraw-refused")

    # The notifications, newest first, then all read.
    page.get_by_test_id("nav-notifications").click()
    page.wait_for_url(f"{live_server.url}/thong-bao/")
    items = page.get_by_test_id("notifications").locator("li")
    expect(items).to_have_count(4)
    expect(items.first).to_contain_text(f"Hồ sơ {finished.code} đã trả kết quả")  # newest event
    checked(page, accessible, "notifications")
    page.get_by_role("button", name="Đánh dấu tất cả là đã đọc").click()
    expect(page.get_by_test_id("nav-notifications")).to_have_text("Thông báo")
    checked(page, accessible, "notifications-read")
