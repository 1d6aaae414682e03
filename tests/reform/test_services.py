"""The writes: who may make each, what each validates, one audit event each, nothing written by
a refusal."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from motcua.core.errors import Conflict, PermissionDenied, ValidationFailed
from motcua.core.models import AuditEvent
from motcua.core.worktime import TZ
from motcua.reform.models import ReformPlan, ReformTask, TaskEvidence, TaskProgress
from motcua.reform.services import plan_create, progress_record, task_add, task_complete
from tests.reform.conftest import pdf


def _plan(p, number: str = "123/QĐ-UBND") -> ReformPlan:
    return plan_create(
        actor=p.leader,
        agency=p.province,
        number=number,
        issued_on=date(2026, 1, 15),
        title="Kế hoạch cải cách hành chính năm 2026",
    )


def _task(p, plan: ReformPlan, deadline: date = date(2026, 6, 30)) -> ReformTask:
    return task_add(
        actor=p.leader,
        plan=plan,
        title="Rà soát thủ tục hộ tịch",
        lead_agency=p.justice,
        partners=[p.building],
        deadline=deadline,
        product="Báo cáo rà soát",
    )


def _state() -> tuple[int, int, int, int, int]:
    return (
        ReformPlan.objects.count(),
        ReformTask.objects.count(),
        TaskProgress.objects.count(),
        TaskEvidence.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_plan_and_its_tasks_numbered_in_order_each_audited(p):
    plan = _plan(p)
    first = _task(p, plan)
    second = task_add(
        actor=p.leader,
        plan=plan,
        title="  Số hóa   kết quả  ",
        lead_agency=p.building,
        deadline=date(2026, 9, 15),
    )

    assert (plan.number, plan.year, plan.agency_id) == ("123/QĐ-UBND", 2026, p.province.pk)
    assert (first.seq, second.seq, second.title) == (1, 2, "Số hóa kết quả")
    assert list(first.partners.values_list("code", flat=True)) == [p.building.code]
    assert list(AuditEvent.objects.order_by("pk").values_list("action", "object_id")) == [
        ("reform.plan_create", str(plan.pk)),
        ("reform.task_add", str(first.pk)),
        ("reform.task_add", str(second.pk)),
    ]


@pytest.mark.parametrize(
    ("number", "issued_on", "title", "year", "field"),
    [
        ("QĐ-UBND", date(2026, 1, 15), "Kế hoạch", None, "number"),
        ("123/QĐ-UBND", None, "Kế hoạch", None, "issued_on"),
        ("123/QĐ-UBND", date(2099, 1, 1), "Kế hoạch", None, "issued_on"),
        ("123/QĐ-UBND", date(2026, 1, 15), "   ", None, "title"),
        ("123/QĐ-UBND", date(2026, 1, 15), "Kế hoạch", 2030, "year"),
    ],
)
def test_a_bad_plan_is_refused_with_its_field(p, number, issued_on, title, year, field):
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        plan_create(
            actor=p.leader,
            agency=p.province,
            number=number,
            issued_on=issued_on,
            title=title,
            year=year,
        )
    assert list(refused.value.fields) == [field]
    assert _state() == before


def test_the_same_number_twice_in_one_agency_is_refused(p):
    _plan(p)
    with pytest.raises(ValidationFailed) as refused:
        _plan(p)
    assert refused.value.message == "UBND tỉnh thử nghiệm đã có kế hoạch số 123/QĐ-UBND."


def test_a_bad_task_reports_every_field(p):
    plan = _plan(p)
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        task_add(
            actor=p.leader,
            plan=plan,
            title="",
            lead_agency=p.justice,
            partners=[p.justice],
            deadline=date(2025, 12, 31),
        )
    assert refused.value.fields == {
        "title": "Tên nhiệm vụ không được để trống.",
        "partners": "Cơ quan chủ trì không đồng thời là cơ quan phối hợp.",
        "deadline": "Thời hạn 31/12/2025 trước ngày ban hành kế hoạch 15/01/2026.",
    }
    assert _state() == before


def test_progress_with_evidence_then_completion_on_time(p):
    task = _task(p, _plan(p))
    moment = datetime(2026, 6, 30, 16, 0, tzinfo=TZ)

    progress = progress_record(
        actor=p.approver, task=task, note="Đã rà soát 12/20 thủ tục.", percent=60, files=[pdf()]
    )
    task_complete(actor=p.approver, task=task, note="Đã ban hành báo cáo.", at=moment)

    task.refresh_from_db()
    assert (task.percent, task.done_on, task.done_at) == (100, date(2026, 6, 30), moment)
    evidence = TaskEvidence.objects.get()
    assert (evidence.progress_id, evidence.name, evidence.content_type, evidence.size) == (
        progress.pk,
        "bao-cao.pdf",
        "application/pdf",
        len(evidence.file.read()),
    )
    assert list(task.progress.order_by("pk").values_list("percent", "completes")) == [
        (60, False),
        (100, True),
    ]
    assert list(
        AuditEvent.objects.filter(action__startswith="reform.t")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["reform.task_add", "reform.task_complete"]
    assert AuditEvent.objects.filter(action="reform.progress_record").count() == 1


def test_completing_without_any_evidence_is_refused_and_a_done_task_takes_no_more(p):
    task = _task(p, _plan(p))
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        task_complete(actor=p.approver, task=task, note="Xong.")
    assert refused.value.fields == {"files": "required"}
    assert _state() == before

    task_complete(actor=p.approver, task=task, note="Xong.", files=[pdf()])
    before = _state()
    with pytest.raises(Conflict):
        progress_record(actor=p.approver, task=task, note="Thêm", percent=50)
    with pytest.raises(Conflict):
        task_complete(actor=p.approver, task=task, note="Lần nữa", files=[pdf()])
    assert _state() == before


@pytest.mark.parametrize("percent", [None, -1, 100, 150])
def test_progress_percent_is_0_to_99(p, percent):
    task = _task(p, _plan(p))
    with pytest.raises(ValidationFailed) as refused:
        progress_record(actor=p.approver, task=task, note="Báo cáo", percent=percent)
    assert refused.value.fields == {"percent": "invalid"}


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"<html><script>alert(1)</script></html>", "type"),
        (
            b"%PDF-1.4\n1 0 obj<</S /JavaScript /JS (app.alert(1))>>endobj\n%%EOF\n",
            "active_content",
        ),
        (b"", "empty"),
    ],
)
def test_evidence_that_is_not_a_plain_document_is_refused(p, content, code):
    task = _task(p, _plan(p))
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        progress_record(
            actor=p.approver,
            task=task,
            note="Báo cáo",
            percent=10,
            files=[SimpleUploadedFile("x.pdf", content, content_type="application/pdf")],
        )
    assert refused.value.fields == {"files": code}
    assert _state() == before


def test_who_may_write(p):
    plan = _plan(p)
    task = _task(p, plan)
    before = _state()
    for actor in (p.citizen, p.reception, p.outsider, p.approver):
        # The justice department's approver manages its tasks, not the province's plans.
        with pytest.raises(PermissionDenied):
            plan_create(
                actor=actor,
                agency=p.province,
                number="9/QĐ-UBND",
                issued_on=date(2026, 1, 2),
                title="Khác",
            )
        with pytest.raises(PermissionDenied):
            task_add(
                actor=actor,
                plan=plan,
                title="Khác",
                lead_agency=p.justice,
                deadline=date(2026, 3, 1),
            )
    for actor in (p.citizen, p.reception, p.outsider):
        with pytest.raises(PermissionDenied):
            progress_record(actor=actor, task=task, note="Báo cáo", percent=10, files=[pdf()])
        with pytest.raises(PermissionDenied):
            task_complete(actor=actor, task=task, note="Xong", files=[pdf()])
    assert _state() == before
    # The province's leader manages the department's task from above.
    progress_record(actor=p.leader, task=task, note="Đôn đốc", percent=5)
    assert timezone.now() - TaskProgress.objects.get().at < timedelta(minutes=1)


def test_a_report_that_fails_after_its_file_was_saved_leaves_no_file(
    p, monkeypatch, settings, tmp_path
):
    # A folder of this test's own: the other test worker writes into the shared one.
    settings.MEDIA_ROOT = evidence_dir = tmp_path
    task = _task(p, _plan(p))
    before = _state()
    files_before: list[Path] = []

    def audit_down(**kwargs):
        raise RuntimeError("audit store down")

    monkeypatch.setattr("motcua.reform.services.audit_record", audit_down)
    with pytest.raises(RuntimeError):
        progress_record(actor=p.approver, task=task, note="Đã rà soát.", percent=50, files=[pdf()])

    assert _state() == before
    assert sorted(f for f in evidence_dir.rglob("*") if f.is_file()) == files_before
