"""A leader's first sign-in: the password, then the authenticator app — the QR code and the
secret, a mistyped code refused, the right one opening the dashboard. The next day's sign-in
asks for the code only, refuses yesterday's code typed again, and takes the new one. A
citizen signing in beside them is never asked. No page breaks the Content-Security-Policy."""

from __future__ import annotations

import pyotp
import pytest
from playwright.sync_api import expect

from motcua.directory.models import Role
from motcua.portal.models import SecondFactor
from tests.browser.conftest import PASSWORD, totp_code
from tests.factories import AgencyFactory, CitizenFactory, staff


@pytest.mark.django_db(transaction=True)
def test_a_leader_enrols_then_signs_in_with_the_code(live_server, page, browser, screenshot):
    agency = AgencyFactory(code="000.00.11.H97", name="Sở Tư pháp thử nghiệm")
    leader = staff(Role.LEADER, agency, username="lanhdao_so", full_name="Nguyễn Thanh Sơn")
    other = staff(Role.LEADER, agency, username="lanhdao_khac", full_name="Trần Văn Khác")
    blocked: list[str] = []
    page.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )

    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(leader.username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    page.wait_for_url(f"{live_server.url}/dang-nhap/ma-xac-thuc/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Xác thực hai lớp")
    expect(page.get_by_test_id("totp-qr").locator("svg")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    assert secret == SecondFactor.objects.get(user=leader).secret
    assert not SecondFactor.objects.filter(user=other).exists()
    screenshot("second-factor-enrol")
    # Not signed in yet: the dashboard sends back to the sign-in.
    probe = page.context.new_page()
    probe.goto(f"{live_server.url}/chi-so/")
    assert "/dang-nhap/" in probe.url
    probe.close()

    right = totp_code(secret)
    page.get_by_label("Mã xác thực (6 chữ số)").fill(f"{(int(right) + 1) % 1_000_000:06d}")
    page.get_by_role("button", name="Xác nhận").click()
    expect(page.get_by_test_id("second-factor-error")).to_have_text(
        "Mã xác thực không đúng. Hãy nhập 6 chữ số đang hiện trên ứng dụng xác thực."
    )
    page.get_by_label("Mã xác thực (6 chữ số)").fill(right)
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url(f"{live_server.url}/chi-so/**")

    # The next sign-in, in a fresh browser: the code only, and not the one used already.
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    again = context.new_page()
    again.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    again.goto(f"{live_server.url}/dang-nhap/")
    again.get_by_label("Tên đăng nhập").fill(leader.username)
    again.get_by_label("Mật khẩu").fill(PASSWORD)
    again.get_by_role("button", name="Đăng nhập").click()
    again.wait_for_url(f"{live_server.url}/dang-nhap/ma-xac-thuc/")
    expect(again.get_by_test_id("totp-secret")).to_have_count(0)
    again.get_by_label("Mã xác thực (6 chữ số)").fill(right)
    again.get_by_role("button", name="Xác nhận").click()
    expect(again.get_by_test_id("second-factor-error")).to_have_text(
        "Mã này đã được dùng. Vui lòng chờ mã mới trên ứng dụng xác thực."
    )
    factor = SecondFactor.objects.get(user=leader)
    fresh = totp_code(secret, after_step=factor.last_step)
    assert fresh != right and pyotp.TOTP(secret).verify(fresh, valid_window=1)
    again.get_by_label("Mã xác thực (6 chữ số)").fill(fresh)
    again.get_by_role("button", name="Xác nhận").click()
    again.wait_for_url(f"{live_server.url}/chi-so/**")
    context.close()

    assert blocked == []


@pytest.mark.django_db(transaction=True)
def test_a_citizen_is_never_asked_for_a_code(live_server, page):
    citizen = CitizenFactory(username="046085001234", personal_id="046085001234")

    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(citizen.personal_id)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    page.wait_for_url(f"{live_server.url}/ho-so-cua-toi/")
    assert SecondFactor.objects.count() == 0
