"""Someone holding a dossier's code follows it on /tra-cuu/: the milestones only, never the
applicant's drafting, on a phone and a desktop."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.portal.test_tracking import MILESTONE_TEXTS, build_edited_and_returned


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport_width", [360, 1280])
def test_the_public_follows_the_milestones_of_a_dossier(
    live_server, page, accessible, screenshot, walker, citizen, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    dossier, other = build_edited_and_returned(walker, citizen)

    page.goto(f"{live_server.url}/tra-cuu/")
    page.get_by_label("Mã hồ sơ").fill(dossier.code)
    page.get_by_role("button", name="Tra cứu").click()

    expect(page.get_by_role("heading", level=2, name="Cấp Phiếu lý lịch tư pháp")).to_be_visible()
    timeline = page.get_by_role("list", name="Quá trình giải quyết").get_by_role("listitem")
    texts = [item.split(" — ", 1)[1] for item in timeline.all_inner_texts()]
    assert texts == MILESTONE_TEXTS
    body = page.locator("main").inner_text()
    for noise in ("Cập nhật tờ khai", "Bổ sung tài liệu", "Hồ sơ được tạo", "hài lòng"):
        assert noise not in body
    assert citizen.full_name not in body and citizen.personal_id not in body
    accessible(page)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    screenshot("public-tracking")

    # Another citizen's withdrawn dossier, by its temporary reference: its own two milestones.
    page.goto(f"{live_server.url}/tra-cuu/{other.reference}/")
    timeline = page.get_by_role("list", name="Quá trình giải quyết").get_by_role("listitem")
    assert [item.split(" — ", 1)[1] for item in timeline.all_inner_texts()] == [
        "Nộp hồ sơ trực tuyến",
        "Rút hồ sơ",
    ]
