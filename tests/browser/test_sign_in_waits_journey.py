"""A stranger guesses a citizen's password from their own network; the citizen, at home, signs
in at once. The stranger is told to wait a few seconds, never the owner. Addresses come from
our proxy's X-Forwarded-For, as in production behind nginx."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from motcua.portal.models import LoginAttempt
from tests.browser.conftest import PASSWORD, submit
from tests.factories import CitizenFactory


def from_address(browser, address: str):
    context = browser.new_context(
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        extra_http_headers={"X-Forwarded-For": address},
    )
    context.set_default_timeout(15_000)
    return context, context.new_page()


def try_password(page, live_server, personal_id: str, password: str) -> None:
    page.goto(f"{live_server.url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(personal_id)
    page.get_by_label("Mật khẩu").fill(password)
    submit(page, page.get_by_role("button", name="Đăng nhập"))


@pytest.mark.django_db(transaction=True)
def test_a_strangers_guesses_slow_the_stranger_not_the_owner(live_server, browser, settings):
    settings.MOTCUA_BEHIND_PROXY = True
    owner = CitizenFactory(username="046085001234", personal_id="046085001234")
    neighbour = CitizenFactory(username="046090000777", personal_id="046090000777")
    stranger_context, stranger = from_address(browser, "203.0.113.7")
    owner_context, home = from_address(browser, "198.51.100.1")

    # Guess after guess, as fast as the page answers: from the fifth failure each one makes
    # the next wait (1 s, 2 s, 4 s …), so the stranger soon meets the wait.
    error = stranger.get_by_test_id("login-error")
    guesses = 0
    while guesses < 10:
        try_password(stranger, live_server, owner.personal_id, f"doan-{guesses}")
        guesses += 1
        if "thử lại sau" in error.inner_text():
            break
    expect(error).to_contain_text(
        "Đã nhập sai mật khẩu của tài khoản này nhiều lần từ địa chỉ mạng này. Vui lòng thử lại sau"
    )
    assert "/dang-nhap/" in stranger.url

    # The owner, from home, at the same moment: straight in.
    try_password(home, live_server, owner.personal_id, PASSWORD)
    expect(home).to_have_url(f"{live_server.url}/ho-so-cua-toi/")
    # And the neighbour sharing the stranger's address is not slowed by it either.
    neighbour_context, next_door = from_address(browser, "203.0.113.7")
    try_password(next_door, live_server, neighbour.personal_id, PASSWORD)
    expect(next_door).to_have_url(f"{live_server.url}/ho-so-cua-toi/")

    outcomes = list(LoginAttempt.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes[-2:] == ["success", "success"]
    # The guess that met the wait was refused without being checked or counted.
    assert outcomes.count("failure") == guesses - 1 >= 5
    assert outcomes.count("locked") == 1
    for context in (stranger_context, owner_context, neighbour_context):
        context.close()
