"""The administrator's page "Đồng bộ Cổng DVC quốc gia" in a real browser: dossiers in
different states, one accepted, one rejected by the national instance (its reason on the
page), one failing; the administrator resends the rejected one. A counter officer is
refused the page."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect

from motcua.core.models import OutboxMessage
from motcua.directory.models import Role
from motcua.dossiers.models import Dossier, State
from motcua.sync.models import SyncSender
from motcua.sync.sender import sync_send_due
from tests.factories import AgencyFactory, staff
from tests.sync.conftest import national, sync_key  # noqa: F401  (fixtures)

REASON = "Mã thủ tục không có trong danh mục quốc gia."


def session_for(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


@pytest.mark.django_db(transaction=True)
def test_the_administrator_reads_the_reasons_and_resends(
    live_server,
    page,
    accessible,
    screenshot,
    walker,
    national,  # noqa: F811
):
    province = AgencyFactory(code="000.00.00.H99", name="UBND thành phố thử nghiệm")
    admin = staff(Role.ADMIN, province, username="quantri", full_name="Quản trị tỉnh")
    # Here each commit delivers at once (the tasks run inline): the national instance is
    # down while the first two dossiers are played, then comes back.
    national.fail_with = 503
    returned = walker.dossier_in(State.RETURNED)
    rejected = walker.dossier_in(State.SUBMITTED)
    national.fail_with = None
    national.reject_codes[rejected.reference] = REASON
    OutboxMessage.objects.update(status="pending", next_attempt_at=None)
    SyncSender.objects.update(paused_until=None)
    assert sync_send_due() == {"sent": 7, "rejected": 1}
    national.fail_with = 503
    failing = walker.dossier_in(State.RECEIVED)  # the first change fails, the second waits

    # An administrator signs in with a second factor; the session it ends with is what the
    # page sees (the sign-in itself has its own journeys).
    session_for(page, live_server, admin)
    page.goto(f"{live_server.url}/mot-cua/dong-bo/")
    expect(page.get_by_role("heading", name="Đồng bộ Cổng DVC quốc gia")).to_be_visible()
    expect(page.get_by_test_id("pending")).to_have_text("2")
    expect(page.get_by_test_id("sent-today")).to_have_text("7")
    expect(page.get_by_test_id("rejected")).to_have_text("1")
    expect(page.get_by_test_id("dead")).to_have_text("0")
    rejected_row = page.locator(f'tr[data-dossier="{rejected.reference}"]')
    expect(rejected_row.get_by_test_id("kind")).to_have_text("Bị từ chối")
    expect(rejected_row.get_by_test_id("reason")).to_have_text(REASON)
    failing_row = page.locator(f'tr[data-dossier="{failing.code}"]')
    expect(failing_row.get_by_test_id("kind")).to_have_text("Lỗi, sẽ thử lại")
    expect(failing_row.get_by_test_id("reason")).to_have_text("HTTP 503: down: Tạm ngừng")
    expect(page.locator(f'tr[data-dossier="{returned.code}"]')).to_have_count(0)
    accessible(page)
    screenshot("sync-page")

    # The national catalog is corrected and the national instance is back: the resent
    # message goes at once.
    national.reject_codes.clear()
    national.fail_with = None
    rejected_row.get_by_role("button", name=f"Gửi lại {rejected.reference}").click()
    expect(page.get_by_role("status")).to_contain_text("Đã đưa 1 thông điệp vào hàng đợi gửi lại.")
    expect(page.get_by_test_id("rejected")).to_have_text("0")
    expect(page.get_by_test_id("sent-today")).to_have_text("8")
    expect(page.get_by_test_id("pending")).to_have_text("2")
    expect(page.locator(f'tr[data-dossier="{rejected.reference}"]')).to_have_count(0)
    row = OutboxMessage.objects.get(payload__dossier_id=rejected.pk)
    assert (row.status, row.attempts) == ("sent", 1)
    assert Dossier.objects.get(pk=rejected.pk).synced is True


@pytest.mark.django_db(transaction=True)
def test_a_counter_officer_is_refused_the_page(live_server, page, signed_in, reception):
    signed_in(page, live_server, reception.username)
    page.goto(f"{live_server.url}/mot-cua/dong-bo/")
    expect(page.get_by_role("heading", name="Không có quyền truy cập")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("Trang này dành cho quản trị hệ thống.")
