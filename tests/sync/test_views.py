"""The administrator's sync page: who may see it and resend, what it counts, and the reason
shown for each message that needs a person."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from motcua.core.models import AuditEvent, OutboxMessage
from motcua.directory.models import Role
from motcua.dossiers.models import State
from motcua.sync.sender import sync_send_due
from tests.factories import AgencyFactory, UserFactory, staff

pytestmark = pytest.mark.django_db

URL = "/mot-cua/dong-bo/"
RESEND = "/mot-cua/dong-bo/gui-lai/"


@pytest.fixture
def province_admin(db):
    province = AgencyFactory(code="000.00.00.H99", name="UBND thành phố thử nghiệm", parent=None)
    return staff(Role.ADMIN, province, username="quantri", full_name="Quản trị tỉnh")


@pytest.fixture
def troubled(walker, national):
    """Three dossiers: one sent, one rejected by the national instance, one failing."""
    sent = walker.dossier_in(State.RECEIVED)
    rejected = walker.dossier_in(State.SUBMITTED)
    national.reject_codes[rejected.reference] = "Thiếu mã lĩnh vực."
    assert sync_send_due() == {"sent": 2, "rejected": 1}
    national.fail_with = 503
    failing = walker.dossier_in(State.SUBMITTED)
    assert sync_send_due() == {"failed": 1}
    return sent, rejected, failing


def test_the_page_counts_and_explains(client, province_admin, troubled):
    sent, rejected, failing = troubled
    OutboxMessage.objects.filter(payload__dossier_id=failing.pk).update(
        created_at=timezone.now() - timedelta(hours=2, minutes=5)
    )
    client.force_login(province_admin)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    numbers = page.context["numbers"]
    assert (numbers.pending, numbers.sent_today, numbers.rejected, numbers.dead, numbers.held) == (
        1,
        2,
        1,
        0,
        0,
    )
    assert page.context["oldest_age"] == "2 giờ 5 phút"
    rows = [(r["p"].dossier_code, r["p"].kind, r["p"].reason) for r in page.context["rows"]]
    assert rows == [
        (rejected.reference, "rejected", "Thiếu mã lĩnh vực."),
        (failing.reference, "failed", page.context["rows"][1]["p"].reason),
    ]
    assert page.context["rows"][1]["p"].reason.startswith("HTTP 503")
    assert "Thiếu mã lĩnh vực." in html
    assert sent.code not in html


@pytest.mark.parametrize("who", ["anonymous", "citizen", "reception", "agency_admin", "leader"])
def test_only_the_system_administrator_sees_the_page_or_resends(
    client, who, troubled, citizen, reception, agency
):
    _sent, rejected, _failing = troubled
    users = {
        "anonymous": None,
        "citizen": citizen,
        "reception": reception,
        # An admin of an agency below the top one: the sync carries every agency's dossiers.
        "agency_admin": staff(
            Role.ADMIN, AgencyFactory(code="000.20.11.H99", parent=agency), username="quantri_xa"
        ),
        "leader": staff(Role.LEADER, agency, username="lanhdao"),
    }
    if users[who] is not None:
        client.force_login(users[who])
    row = OutboxMessage.objects.get(payload__dossier_id=rejected.pk)

    page = client.get(URL)
    posted = client.post(RESEND, {"message": str(row.pk)})

    if who == "anonymous":
        assert page.status_code == 302 and page["Location"].startswith("/dang-nhap/")
        assert posted.status_code == 302 and posted["Location"].startswith("/dang-nhap/")
    else:
        assert page.status_code == 403
        assert "Trang này dành cho quản trị hệ thống." in page.content.decode()
        assert posted.status_code == 403
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.DEAD
    assert not AuditEvent.objects.filter(action="sync.resend").exists()


def test_the_administrator_resends_one_message(client, province_admin, troubled, national):
    _sent, rejected, _failing = troubled
    row = OutboxMessage.objects.get(payload__dossier_id=rejected.pk)
    client.force_login(province_admin)

    answer = client.post(RESEND, {"message": str(row.pk)}, follow=True)

    assert answer.status_code == 200
    assert "Đã đưa 1 thông điệp vào hàng đợi gửi lại." in answer.content.decode()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxMessage.Status.PENDING, 0)
    audit = AuditEvent.objects.get(action="sync.resend")
    assert (audit.actor, audit.object_id, audit.data) == (
        province_admin,
        str(row.pk),
        {"count": 1, "by": "message"},
    )


def test_a_superuser_may_and_a_get_cannot_resend(client, troubled):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    assert client.get(URL).status_code == 200
    assert client.get(RESEND).status_code == 405
    bad = client.post(RESEND, {"message": "không-phải-mã"})
    assert bad.status_code == 400
    assert "Mã thông điệp phải là số thứ tự" in bad.content.decode()


def test_the_resend_form_needs_its_csrf_token(province_admin, troubled):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(province_admin)
    assert strict.post(RESEND, {"all_dead": "1"}).status_code == 403
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.DEAD).count() == 1


def test_an_unconnected_province_sees_why_its_changes_are_held(client, province_admin, walker):
    from django.test import override_settings

    from motcua.core.outbox import outbox_deliver_pending

    dossier = walker.dossier_in(State.RECEIVED)
    with override_settings(MOTCUA_NATIONAL_URL=""):
        assert outbox_deliver_pending().get("held") == 2
        client.force_login(province_admin)
        page = client.get(URL)
    html = page.content.decode()
    assert "Chưa kết nối: chưa cấu hình địa chỉ Cổng DVC quốc gia (MOTCUA_NATIONAL_URL)." in html
    assert (page.context["numbers"].held, page.context["numbers"].pending) == (2, 0)
    assert [(r["p"].dossier_code, r["label"]) for r in page.context["rows"]] == [
        (dossier.code, "Tạm giữ"),
        (dossier.code, "Tạm giữ"),
    ]


def test_many_held_messages_never_hide_a_rejected_one(client, province_admin, troubled):
    _sent, rejected, _failing = troubled
    OutboxMessage.objects.bulk_create(
        OutboxMessage(topic="national.sync", payload={"dossier_id": rejected.pk}, status="held")
        for _ in range(150)
    )
    client.force_login(province_admin)
    rows = client.get(URL).context["rows"]
    assert len(rows) == 100
    assert (rows[0]["p"].dossier_code, rows[0]["p"].kind) == (rejected.reference, "rejected")
    assert [r["p"].kind for r in rows[1:]] == ["failed"] + ["held"] * 98


def test_the_page_reads_a_fixed_number_of_queries(
    client, province_admin, troubled, django_assert_max_num_queries
):
    OutboxMessage.objects.bulk_create(
        OutboxMessage(topic="national.sync", payload={"dossier_id": d.pk}, status=status)
        for d in troubled
        for status in ("dead", "failed", "held")
    )
    client.force_login(province_admin)
    with django_assert_max_num_queries(10):
        assert client.get(URL).status_code == 200


def test_the_admin_home_links_the_sync_page(client):
    root = UserFactory(username="goc", is_staff=True, is_superuser=True)
    client.force_login(root)

    page = client.get("/admin/")

    assert page.status_code == 200
    body = page.content.decode()
    assert '<a href="/mot-cua/dong-bo/">Đồng bộ Cổng DVC quốc gia</a>' in body
    assert '<a href="/thanh-toan/hoan-tien/">Hoàn tiền thu trùng</a>' in body
