"""The pages under /cai-cach/: every page renders for a leader, each POST route refuses
anonymous visitors, citizens and officers of another agency with nothing changed, and the
import page shows every bad row."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from motcua.core.models import AuditEvent
from motcua.reform.models import ReformPlan, ReformTask, TaskEvidence, TaskProgress
from motcua.reform.services import plan_create, progress_record, task_add
from tests.reform.conftest import JUSTICE, PROVINCE, good_rows, pdf, workbook


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def task(p) -> ReformTask:
    plan = plan_create(
        actor=p.leader,
        agency=p.province,
        number="3/KH-UBND",
        issued_on=date(2026, 1, 5),
        title="Kế hoạch cải cách hành chính năm 2026",
    )
    return task_add(
        actor=p.leader,
        plan=plan,
        title="Rà soát thủ tục hộ tịch",
        lead_agency=p.justice,
        deadline=date(2026, 6, 30),
    )


def _state() -> tuple[int, ...]:
    return (
        ReformPlan.objects.count(),
        ReformTask.objects.count(),
        TaskProgress.objects.count(),
        TaskEvidence.objects.count(),
        AuditEvent.objects.count(),
    )


def _posts(task: ReformTask) -> list[tuple[str, dict]]:
    return [
        (
            "/cai-cach/ke-hoach/moi/",
            {
                "co_quan": PROVINCE,
                "so_hieu": "9/QĐ-UBND",
                "ngay_ban_hanh": "2026-01-02",
                "trich_yeu": "Kế hoạch",
            },
        ),
        (
            f"/cai-cach/ke-hoach/{task.plan_id}/nhiem-vu/",
            {"ten": "Khác", "chu_tri": JUSTICE, "thoi_han": "2026-05-01"},
        ),
        (f"/cai-cach/nhiem-vu/{task.pk}/tien-do/", {"noi_dung": "Báo cáo", "tien_do": "20"}),
        (f"/cai-cach/nhiem-vu/{task.pk}/hoan-thanh/", {"noi_dung": "Xong"}),
        (
            "/cai-cach/nhap/",
            {
                "co_quan": PROVINCE,
                "so_hieu": "10/QĐ-UBND",
                "ngay_ban_hanh": "2026-01-02",
                "trich_yeu": "Kế hoạch",
            },
        ),
    ]


def test_every_post_route_refuses_the_wrong_people_and_changes_nothing(p, task):
    before = _state()
    for url, data in _posts(task):
        anonymous = _client().post(url, data)
        assert (anonymous.status_code, anonymous["Location"][:16]) == (302, "/dang-nhap/?next"), url
        for user, status in ((p.citizen, 403), (p.reception, 403), (p.outsider, 403)):
            files = {"minh_chung": pdf(), "tep": workbook(good_rows())}
            answer = _client(user).post(url, {**data, **files})
            # Another province's leader is not told the plan or the task exists.
            expected = 404 if user is p.outsider and "/nhiem-vu/" in url else status
            assert answer.status_code == expected, (url, user.username, answer.status_code)
    assert _state() == before


def test_the_pages_for_a_leader(p, task):
    client = _client(p.leader)
    progress = progress_record(
        actor=p.approver, task=task, note="Đã rà soát", percent=30, files=[pdf()]
    )
    evidence = TaskEvidence.objects.get(progress=progress)
    for url in (
        "/cai-cach/",
        "/cai-cach/?trang_thai=overdue",
        "/cai-cach/ke-hoach/moi/",
        f"/cai-cach/ke-hoach/{task.plan_id}/",
        f"/cai-cach/nhiem-vu/{task.pk}/",
        "/cai-cach/nhap/",
        "/cai-cach/chi-so/?from=2026-01-01&to=2026-12-31",
    ):
        assert client.get(url).status_code == 200, url
    download = client.get(f"/cai-cach/minh-chung/{evidence.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert _client(p.outsider).get(f"/cai-cach/minh-chung/{evidence.pk}/").status_code == 404
    export = client.get(
        f"/cai-cach/chi-so/?co_quan={PROVINCE}&from=2026-01-01&to=2026-12-31&format=xlsx"
    )
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/cai-cach/nhap/mau.xlsx").status_code == 200
    assert client.get(f"/cai-cach/chi-so/?co_quan={p.elsewhere.code}").status_code == 403


def test_the_task_list_in_a_fixed_number_of_queries(p, task, django_assert_max_num_queries):
    for n in range(30):
        task_add(
            actor=p.leader,
            plan=task.plan,
            title=f"Nhiệm vụ {n}",
            lead_agency=p.building,
            partners=[p.justice],
            deadline=date(2026, 7, 1 + n % 28),
        )
    client = _client(p.leader)
    client.get("/cai-cach/")
    with django_assert_max_num_queries(20):
        assert client.get("/cai-cach/").status_code == 200


def test_the_import_page_shows_every_bad_row(p):
    rows = [*good_rows(), [4, "", "000.99.99.H00", "", "30/02/2026", ""]]
    answer = _client(p.leader).post(
        "/cai-cach/nhap/",
        {
            "co_quan": PROVINCE,
            "so_hieu": "45/KH-UBND",
            "ngay_ban_hanh": "2026-01-20",
            "trich_yeu": "Kế hoạch",
            "tep": workbook(rows),
        },
    )
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "Tệp có 3 lỗi; không nhiệm vụ nào được nhập." in page
    assert "Dòng 5, cột B (Tên nhiệm vụ): Tên nhiệm vụ không được để trống." in page
    assert "Dòng 5, cột C (Cơ quan chủ trì): không có cơ quan mã “000.99.99.H00”." in page
    assert "Dòng 5, cột E (Thời hạn): thời hạn “30/02/2026” không phải ngày (dd/mm/yyyy)." in page
    assert ReformPlan.objects.count() == 0


def test_a_leader_imports_then_reports_progress(p):
    client = _client(p.leader)
    answer = client.post(
        "/cai-cach/nhap/",
        {
            "co_quan": PROVINCE,
            "so_hieu": "45/KH-UBND",
            "ngay_ban_hanh": "20/01/2026",
            "trich_yeu": "Kế hoạch",
            "tep": workbook(good_rows()),
        },
    )
    plan = ReformPlan.objects.get()
    assert answer["Location"] == f"/cai-cach/ke-hoach/{plan.pk}/"
    first = plan.tasks.get(seq=1)
    answer = client.post(
        f"/cai-cach/nhiem-vu/{first.pk}/tien-do/",
        {"noi_dung": "Đã rà soát", "tien_do": "40", "minh_chung": pdf()},
    )
    assert answer.status_code == 302
    answer = client.post(
        f"/cai-cach/nhiem-vu/{first.pk}/tien-do/", {"noi_dung": "x", "tien_do": "100"}
    )
    assert answer.status_code == 400
    assert "Tiến độ phải là số nguyên từ 0 đến 99 (%)." in answer.content.decode()
    first.refresh_from_db()
    assert first.percent == 40
