"""A leader follows an indicator down to the officer who held a late dossier too long."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.index.test_drilldown import build_scenario


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport_width", [1280, 360])
def test_a_leader_finds_who_delayed_a_late_dossier(live_server, page, screenshot):
    s = build_scenario()

    sign_in(page, live_server, s.leader.username)  # a leader types the authenticator's code too
    page.wait_for_url(f"{live_server.url}/chi-so/**")

    query = urlencode(s.query())
    page.goto(f"{live_server.url}/chi-so/chi-tieu/on_time/?{query}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ giải quyết đúng hạn")
    expect(page.get_by_test_id("lost-count")).to_have_text("2")
    expect(page.get_by_role("link", name=s.on_time.code)).to_have_count(0)
    screenshot("indicator")

    page.get_by_role("link", name=s.late.code).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hồ sơ {s.late.code}")
    expect(page.get_by_test_id("lateness")).to_have_text("Trễ hạn 1 giờ làm việc")
    over = page.locator("table.steps tr.over-row")
    expect(over).to_have_count(1)
    expect(over).to_contain_text("Thẩm định")
    expect(over).to_contain_text("Vượt định mức 4 giờ 30 phút")
    screenshot("dossier")

    over.get_by_role("link", name="Trần Văn Chậm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trần Văn Chậm")
    expect(page.get_by_test_id("over")).to_have_text("1")
    expect(page.get_by_test_id("over-total")).to_have_text("4 giờ 30 phút")
    expect(page.locator("ul.delayed").get_by_role("link", name=s.late.code)).to_be_visible()
    screenshot("officer")

    page.goto(f"{live_server.url}/chi-so/trach-nhiem/?{query}")
    expect(page.locator("table.officers tbody tr").first).to_contain_text("Trần Văn Chậm")
    screenshot("responsibility")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport_width", [1280, 360])
def test_a_leader_pages_through_an_officers_steps(live_server, page, screenshot, monkeypatch):
    """The officer's steps are read a page at a time; the facts count them all."""
    from motcua.index import views_drilldown

    monkeypatch.setattr(views_drilldown, "PAGE_SIZE", 2)  # the officer's 3 steps on 2 pages
    s = build_scenario()
    sign_in(page, live_server, s.leader.username)  # a leader types the authenticator's code too
    page.wait_for_url(f"{live_server.url}/chi-so/**")

    page.goto(f"{live_server.url}/chi-so/can-bo/{s.slow.pk}/?{urlencode(s.query())}")
    steps = page.get_by_role("navigation", name="Phân trang các bước")
    expect(steps).to_contain_text("Trang 1/2")
    expect(page.locator("table.steps tbody tr")).to_have_count(2)
    expect(page.locator("table.steps tr.over-row")).to_have_count(1)  # over budget first
    # One delayed dossier: its list has no pager.
    expect(page.get_by_role("navigation", name="Phân trang hồ sơ quá hạn")).to_have_count(0)
    screenshot("officer-steps-1")

    steps.get_by_role("link", name="Trang sau →").click()
    expect(page).to_have_url(re.compile(r"[?&]page=2"))
    expect(page.get_by_role("navigation", name="Phân trang các bước")).to_contain_text("Trang 2/2")
    expect(page.locator("table.steps tbody tr")).to_have_count(1)
    expect(page.locator("table.steps tr.over-row")).to_have_count(0)
    expect(page.get_by_test_id("steps")).to_have_text("3")
    expect(page.get_by_test_id("over")).to_have_text("1")
    screenshot("officer-steps-2")
