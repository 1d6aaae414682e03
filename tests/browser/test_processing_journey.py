"""A dossier goes through the back office in a real browser: the specialist finds it in their
queue and forwards it, the approver approves it, the counter returns the result."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, State


def access_key(page, key: str) -> None:
    """Alt+key as Chromium on Linux gets it from a keyboard. Blink matches access keys on the
    key's character event, which Playwright's `keyboard.press("Alt+c")` does not send."""
    cdp = page.context.new_cdp_session(page)
    event = {
        "modifiers": 1,  # Alt
        "key": key,
        "code": f"Key{key.upper()}",
        "windowsVirtualKeyCode": ord(key.upper()),
        "unmodifiedText": key,
    }
    cdp.send("Input.dispatchKeyEvent", {"type": "keyDown", "text": key, **event})
    cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", **event})
    cdp.detach()


def received_now(walker, *, forwards: int, minutes_ago: int) -> Dossier:
    """A dossier received a little while ago (so its deadlines are ahead), moved `forwards`
    steps on."""
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    dossier = walker.create(at=moment - timedelta(minutes=2))
    dossier = walker.act(dossier, Action.SUBMIT, at=moment - timedelta(minutes=1))
    dossier = walker.act(dossier, Action.RECEIVE, at=moment)
    for i in range(forwards):
        dossier = walker.act(dossier, Action.FORWARD, at=moment + timedelta(seconds=i + 1))
    return dossier


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport_width", [1280, 360])
def test_queue_forward_approve_return(live_server, page, signed_in, screenshot, walker, accessible):
    # The specialist's queue also holds an overdue, a due-soon and an on-track dossier.
    late = walker.dossier_in(State.IN_PROGRESS)  # received in March 2026: long overdue
    received_now(walker, forwards=2, minutes_ago=3)  # step 2 (4 h 48 min): due soon
    received_now(walker, forwards=1, minutes_ago=2)  # step 1 (12 h): on track
    walker.dossier_in(State.SUSPENDED)
    code = late.code

    signed_in(page, live_server, walker.specialist.username)
    page.goto(f"{live_server.url}/mot-cua/xu-ly/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ cần xử lý")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_have_attribute("data-code", code)  # the nearest due moment first
    expect(rows.first.get_by_test_id("status")).to_have_text("Quá hạn")
    expect(rows.first.get_by_test_id("left")).to_contain_text("quá hạn")
    expect(page.get_by_test_id("status").filter(has_text="Trong hạn")).to_have_count(1)
    expect(page.get_by_test_id("status").filter(has_text="Tạm dừng")).to_have_count(1)
    screenshot("processing-queue")
    accessible(page)
    access_key(page, "s")
    expect(page.get_by_role("searchbox")).to_be_focused()

    rows.first.get_by_role("link", name=code).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hồ sơ {code}")
    expect(page.get_by_test_id("state")).to_contain_text("bước 2: Trình ký")
    screenshot("processing-dossier")
    accessible(page)
    access_key(page, "c")  # the shortcut of "Chuyển bước"
    expect(page.locator(".alert.success")).to_have_text("Đã thực hiện: Chuyển bước xử lý.")
    expect(page.get_by_test_id("state")).to_contain_text("bước 3: Phê duyệt")
    expect(page.locator("table.queue")).to_have_count(0)
    access_key(page, "q")  # back to the queue
    expect(page.get_by_role("heading", level=1)).to_have_text("Hồ sơ cần xử lý")
    expect(page.locator(f'tr[data-code="{code}"]')).to_have_count(0)

    page.context.clear_cookies()
    signed_in(page, live_server, walker.approver.username)
    page.goto(f"{live_server.url}/mot-cua/xu-ly/")
    page.get_by_role("link", name=code).click()
    accessible(page)  # "Phê duyệt" (Alt+P) beside "Ký số và phê duyệt" (Alt+K)
    page.get_by_role("button", name="Phê duyệt", exact=True).click()
    expect(page.locator(".alert.success")).to_have_text("Đã thực hiện: Phê duyệt kết quả.")
    expect(page.get_by_test_id("state")).to_have_text("Đã có kết quả")

    page.context.clear_cookies()
    signed_in(page, live_server, walker.reception.username)
    page.goto(f"{live_server.url}/mot-cua/xu-ly/{code}/")
    page.get_by_test_id("return-link").click()
    page.get_by_label("Người nhận kết quả").fill("Nguyễn Văn Nhận")
    page.get_by_role("button", name="Xác nhận đã trả kết quả").click()
    expect(page.locator("body")).to_contain_text("Đã trả kết quả hồ sơ")
    # The counter's view of the agency's day: the other three are still overdue or running.
    page.goto(f"{live_server.url}/mot-cua/hom-nay/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Công việc hôm nay")
    today = timezone.localdate()
    received_today = sum(
        timezone.localdate(d.received_at) == today
        for d in Dossier.objects.exclude(received_at=None)
    )
    assert received_today == 2 or timezone.localtime().hour == 0  # unless run at midnight
    expect(page.get_by_test_id("total-received")).to_have_text(str(received_today))
    expect(page.get_by_test_id("total-overdue")).to_have_text("0")  # the suspended one paused early
    page.get_by_test_id("total-received").click()
    expect(page.locator("table.queue tbody tr")).to_have_count(received_today)
    screenshot("today")

    returned = Dossier.objects.get(pk=late.pk)
    assert returned.state == State.RETURNED
    assert list(returned.events.order_by("seq").values_list("action", flat=True))[-3:] == [
        "forward",
        "approve",
        "return",
    ]
