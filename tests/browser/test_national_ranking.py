"""Anyone reads the national ranking: Hà Nội and Huế ranked from their synchronised dossiers,
the other provinces listed apart, the national figures above; then drills down from Huế to
an agency, an indicator and the dossiers behind it — with no applicant's ID on the way."""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from motcua.national.contract import Batch
from motcua.national.ingest import batch_apply
from tests.national.conftest import message


def _apply(province: str, messages: list[dict]) -> None:
    batch_apply(Batch(province=province, batch_id=uuid.uuid4(), messages=messages))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport_width", [1280, 360])
def test_a_visitor_reads_the_ranking_and_drills_down(live_server, page, screenshot):
    _apply(
        "46",
        [
            message(
                "H.1", finished_at="20250305100000", status=10, fee_amount=50_000, paid_online=True
            ),
            message("H.2", finished_at="20250320100000", supplements=2, status=10),
        ],
    )
    _apply(
        "01",
        [
            message(
                "N.1",
                channel=1,
                digitized=False,
                agency_code="000.00.11.H01",
                agency_name="Sở Tư pháp Hà Nội",
            )
        ],
    )

    with override_settings(MOTCUA_MODE="national"):
        page.goto(f"{live_server.url}/quoc-gia/")
        page.get_by_label("Từ ngày").fill("01/03/2025")
        page.get_by_label("Đến ngày").fill("31/03/2025")
        page.get_by_role("button", name="Xem").click()

        rows = page.get_by_test_id("ranking").locator("tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.nth(0).locator("td").first).to_have_text("1")
        expect(rows.nth(0)).to_contain_text("Thành phố Hà Nội")
        expect(rows.nth(0)).to_contain_text("94,00")
        expect(rows.nth(1).locator("td").first).to_have_text("2")
        expect(rows.nth(1)).to_contain_text("Thành phố Huế")
        expect(rows.nth(1)).to_contain_text("80,00")
        expect(rows.nth(1)).to_contain_text("Tốt")
        expect(page.get_by_test_id("figure-synced")).to_have_text("3")
        expect(page.get_by_test_id("figure-online")).to_have_text("2")
        expect(page.get_by_test_id("figure-payments")).to_have_text("1")
        expect(page.get_by_test_id("figure-amount")).to_have_text("50.000 đồng")
        expect(page.get_by_test_id("apart")).to_contain_text("Lâm Đồng")
        screenshot("national-ranking")

        rows.nth(1).get_by_role("link", name="Thành phố Huế").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Thành phố Huế")
        page.get_by_test_id("agencies").get_by_role("link", name="Sở Tư pháp").click()
        on_time = page.get_by_test_id("indicators").locator("tr", has_text="giải quyết đúng hạn")
        expect(on_time).to_contain_text("1 / 2")
        on_time.get_by_role("link").click()
        listing = page.get_by_test_id("snapshots").locator("tbody tr")
        expect(listing).to_have_count(2)
        expect(listing.nth(0)).to_contain_text("H.1")
        expect(listing.nth(0)).to_contain_text("Có")
        expect(listing.nth(1)).to_contain_text("H.2")
        expect(listing.nth(1)).to_contain_text("Không")
        expect(page.locator("body")).not_to_contain_text("046190000123")
        screenshot("national-indicator")
