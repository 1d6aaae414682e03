"""An overdue dossier: the specialist issues the apology letter with a new appointment, and the
PDF the applicant will hold says that appointment."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from motcua.dossiers.models import Dossier, State


@pytest.mark.django_db(transaction=True)
def test_apology_for_an_overdue_dossier(live_server, page, signed_in, screenshot, walker):
    dossier = walker.dossier_in(State.IN_PROGRESS)  # due 05/03/2026 10:00: overdue
    day = timezone.localdate() + timedelta(days=14)

    signed_in(page, live_server, walker.specialist.username)
    page.goto(f"{live_server.url}/mot-cua/xu-ly/{dossier.code}/")
    expect(page.get_by_test_id("status")).to_have_text("Quá hạn")
    form = page.locator('form[data-action="xin-loi"]')
    expect(form).to_be_visible()  # open by itself: the dossier is overdue
    form.get_by_label("Ngày hẹn trả mới (dd/mm/yyyy)").fill("30/02/2027")
    form.get_by_label("Giờ hẹn (HH:MM)").fill("16:00")
    form.get_by_label("Lý do chậm trễ").fill("Chờ kết quả xác minh của công an xã")
    form.get_by_role("button", name="Gửi phiếu xin lỗi").click()
    expect(page.get_by_test_id("error")).to_contain_text("Ngày hẹn phải có dạng dd/mm/yyyy")

    form = page.locator('form[data-action="xin-loi"]')
    form.get_by_label("Ngày hẹn trả mới (dd/mm/yyyy)").fill(f"{day:%d/%m/%Y}")
    form.get_by_role("button", name="Gửi phiếu xin lỗi").click()
    expect(page.locator(".alert.success")).to_contain_text("Đã gửi phiếu xin lỗi")
    expect(page.get_by_test_id("new-appointment")).to_have_text(f"{day:%d/%m/%Y} 16:00")
    screenshot("apology")

    link = page.get_by_test_id("apology-pdf")
    assert link.get_attribute("href") == f"/ho-so/{dossier.code}/van-ban/apology.pdf"
    response = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    text = " ".join(text.split())
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert f"Hẹn lại ngày trả 16 giờ 00, ngày {day:%d/%m/%Y}" in text
    assert "Hạn trả ban đầu 10 giờ 00, ngày 05/03/2026" in text
    assert dossier.code in text

    after = Dossier.objects.get(pk=dossier.pk)
    assert after.due_at == dossier.due_at  # the index still judges by the original moment
