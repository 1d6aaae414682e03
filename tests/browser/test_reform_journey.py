"""Reform tasks in a real browser: a province's leader imports a plan from Excel — first a file
with mistakes, every bad row listed and nothing written, then the corrected file —, reports a
task's progress with an evidence PDF, completes it, and sees the KPI page change; every page
passing axe."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import expect

from motcua.directory.models import Agency, Role
from motcua.reform.models import ReformPlan, ReformTask
from tests.factories import AgencyFactory, staff

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HEADERS = ["STT", "Tên nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời hạn", "Sản phẩm"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROVINCE, JUSTICE, BUILDING = "000.00.00.H98", "000.00.11.H98", "000.00.12.H98"


def _xlsx(rows: list[list]) -> dict:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    book.save(out)
    return {"name": "ke-hoach.xlsx", "mimeType": XLSX, "buffer": out.getvalue()}


@pytest.mark.django_db(transaction=True)
def test_import_a_plan_report_progress_and_see_the_kpi(live_server, page, signed_in, accessible):
    province = AgencyFactory(
        code=PROVINCE, name="UBND tỉnh thử nghiệm", level=Agency.Level.PROVINCE
    )
    AgencyFactory(code=JUSTICE, name="Sở Tư pháp thử nghiệm", parent=province)
    AgencyFactory(code=BUILDING, name="Sở Xây dựng thử nghiệm", parent=province)
    leader = staff(Role.LEADER, province, username="lanhdao_tinh", full_name="Nguyễn Thanh Sơn")
    today = timezone.localdate()
    soon, later = today + timedelta(days=30), today + timedelta(days=90)
    good = [
        [1, "Rà soát thủ tục hộ tịch", JUSTICE, BUILDING, soon, "Báo cáo rà soát"],
        [2, "Số hóa kết quả giải quyết", BUILDING, "", f"{later:%d/%m/%Y}", "Kho dữ liệu"],
        [3, "Công khai chỉ số phục vụ", PROVINCE, JUSTICE, later, ""],
    ]
    bad = [*good[:2], [3, "", "000.99.99.H00", "", "31/02/2026", ""]]

    signed_in(page, live_server, leader.username)
    page.goto(f"{live_server.url}/chi-so/")
    page.get_by_role("link", name="Cải cách hành chính").click()
    expect(
        page.get_by_role("heading", name="Nhiệm vụ cải cách hành chính", exact=True)
    ).to_be_visible()
    accessible(page)

    # A file with mistakes: every bad cell listed, nothing written.
    page.get_by_role("link", name="Nhập kế hoạch từ Excel").click()
    accessible(page)
    page.fill("input[name=so_hieu]", "45/KH-UBND")
    page.fill("input[name=ngay_ban_hanh]", f"{today - timedelta(days=10):%Y-%m-%d}")
    page.fill("input[name=trich_yeu]", "Kế hoạch cải cách hành chính của tỉnh")
    page.set_input_files("input[name=tep]", _xlsx(bad))
    page.get_by_role("button", name="Nhập kế hoạch").click()
    problems = page.get_by_test_id("problems").locator("li")
    expect(problems).to_have_count(3)
    expect(problems.nth(0)).to_have_text(
        "Dòng 4, cột B (Tên nhiệm vụ): Tên nhiệm vụ không được để trống."
    )
    expect(problems.nth(1)).to_have_text(
        "Dòng 4, cột C (Cơ quan chủ trì): không có cơ quan mã “000.99.99.H00”."
    )
    expect(problems.nth(2)).to_have_text(
        "Dòng 4, cột E (Thời hạn): thời hạn “31/02/2026” không phải ngày (dd/mm/yyyy)."
    )
    accessible(page)
    assert ReformPlan.objects.count() == 0

    # The corrected file: the plan and its three tasks.
    page.set_input_files("input[name=tep]", _xlsx(good))
    page.get_by_role("button", name="Nhập kế hoạch").click()
    expect(page.get_by_role("heading", name="3 nhiệm vụ")).to_be_visible()
    accessible(page)

    # The KPI page before any progress.
    page.goto(
        f"{live_server.url}/cai-cach/chi-so/?co_quan={PROVINCE}&from={today:%Y-01-01}&to={later:%Y-%m-%d}"
    )
    expect(page.get_by_test_id("total")).to_have_text("3")
    expect(page.get_by_test_id("done")).to_have_text("0")
    expect(page.get_by_test_id("percent-done")).to_have_text("0,00 %")
    accessible(page)

    # Progress with evidence, then completion.
    task = ReformTask.objects.get(seq=1)
    page.goto(f"{live_server.url}/cai-cach/nhiem-vu/{task.pk}/")
    accessible(page)
    progress = page.locator(f"form[action='/cai-cach/nhiem-vu/{task.pk}/tien-do/']")
    progress.locator("textarea[name=noi_dung]").fill("Đã rà soát 12 trên 20 thủ tục.")
    progress.locator("input[name=tien_do]").fill("60")
    progress.locator("input[name=minh_chung]").set_input_files(
        {"name": "bao-cao-tien-do.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    progress.get_by_role("button", name="Gửi báo cáo tiến độ").click()
    expect(page.get_by_test_id("percent")).to_have_text("60 %")
    expect(page.get_by_role("link", name="bao-cao-tien-do.pdf")).to_be_visible()
    done = page.locator(f"form[action='/cai-cach/nhiem-vu/{task.pk}/hoan-thanh/']")
    done.locator("textarea[name=noi_dung]").fill("Đã ban hành báo cáo rà soát.")
    done.get_by_role("button", name="Xác nhận hoàn thành nhiệm vụ").click()
    expect(page.get_by_test_id("status")).to_have_text("Hoàn thành đúng hạn")
    expect(page.get_by_test_id("percent")).to_have_text("100 %")
    accessible(page)

    # The KPI page has moved: one of three done, 33,33 %; Sở Tư pháp first in the ranking.
    page.get_by_role("link", name="Kết quả, xếp hạng").click()
    page.goto(
        f"{live_server.url}/cai-cach/chi-so/?co_quan={PROVINCE}&from={today:%Y-01-01}&to={later:%Y-%m-%d}"
    )
    expect(page.get_by_test_id("done")).to_have_text("1")
    expect(page.get_by_test_id("percent-done")).to_have_text("33,33 %")
    expect(page.get_by_test_id("done-on-time")).to_have_text("1")
    expect(page.get_by_test_id("ranking").locator("tbody tr").first).to_have_attribute(
        "data-agency", JUSTICE
    )
    with page.expect_download() as downloaded:
        page.get_by_test_id("export").click()
    assert downloaded.value.suggested_filename.startswith(f"cai-cach-{PROVINCE}-")
    accessible(page)
