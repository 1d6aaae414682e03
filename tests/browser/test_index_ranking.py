"""A leader meets the ranking: the departments with dossiers ranked 1 and 2, the one without
dossiers listed apart as "không phát sinh hồ sơ" and not ranked at 100 "Xuất sắc"."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from motcua.directory.models import Role
from tests.browser.conftest import sign_in
from tests.factories import staff
from tests.index.test_ranking_gaps import build_city


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport_width", [1280, 360])
def test_a_leader_sees_the_idle_department_apart_from_the_ranking(live_server, page, screenshot):
    city = build_city()
    leader = staff(Role.LEADER, city, username="lanhdao_xh", full_name="Nguyễn Thanh Sơn")

    sign_in(page, live_server, leader.username)  # a leader types the authenticator's code too
    page.wait_for_url(f"{live_server.url}/chi-so/**")

    page.goto(f"{live_server.url}/chi-so/?from=01/03/2026&to=31/03/2026")
    page.get_by_role("link", name="Xếp hạng các cơ quan trực thuộc").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xếp hạng các cơ quan trực thuộc")

    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Sở Tư pháp thử nghiệm")
    expect(rows.nth(0).locator("td").first).to_have_text("1")
    expect(rows.nth(0)).to_contain_text("88,00")
    expect(rows.nth(1)).to_contain_text("Sở Xây dựng thử nghiệm")
    expect(rows.nth(1).locator("td").first).to_have_text("2")
    expect(page.locator("table")).not_to_contain_text("Sở Y tế thử nghiệm")
    expect(page.locator("table")).not_to_contain_text("Xuất sắc")

    expect(page.get_by_role("heading", name="Không phát sinh hồ sơ trong kỳ")).to_be_visible()
    apart = page.get_by_test_id("apart")
    expect(apart).to_contain_text("Sở Y tế thử nghiệm (000.00.13.H98) — không phát sinh hồ sơ")
    screenshot("ranking")

    # Its own dashboard still shows its index, but its trend has no month to score.
    apart.get_by_role("link", name="Sở Y tế thử nghiệm").click()
    expect(page.get_by_test_id("total")).to_have_text("100,00")
    expect(page.locator("#chart-trend .chart-gap")).to_have_count(12)
    screenshot("idle-dashboard")
