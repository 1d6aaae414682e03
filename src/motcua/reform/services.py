"""The writes of reform-task tracking, one per intent: each checks the actor's right
(`access.py`), validates its input with Vietnamese messages, writes in one transaction and
leaves one audit event. A refusal writes nothing.

Importing a plan from a spreadsheet is `xlsx_import.plan_import_xlsx`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.errors import Conflict, ValidationFailed
from motcua.core.models import StoredUpload
from motcua.core.text import text_line
from motcua.core.uploads import files_deleted_on_failure, upload_check, uploads_save
from motcua.directory.models import Agency, User
from motcua.reform.access import plan_manage_check, task_manage_check
from motcua.reform.models import ReformPlan, ReformTask, TaskEvidence, TaskProgress

PLAN_NUMBER = re.compile(r"^\d+/\S+$")
TITLE_MAX = 1000
PRODUCT_MAX = 500
NOTE_MAX = 4000
MAX_FILES = 5  # per progress report

# ---------------------------------------------------------------- input checks


@dataclass(frozen=True)
class PlanInput:
    number: str
    issued_on: date
    title: str
    year: int


def plan_input_check(
    *, agency: Agency, number: str, issued_on: date | None, title: str, year: int | None
) -> PlanInput:
    number = "".join((number or "").split())
    if not PLAN_NUMBER.match(number) or len(number) > 64:
        raise ValidationFailed(
            _("Số hiệu văn bản phải có dạng 123/QĐ-UBND."), fields={"number": "invalid"}
        )
    if issued_on is None:
        raise ValidationFailed(_("Nhập ngày ban hành."), fields={"issued_on": "required"})
    if issued_on > timezone.localdate():
        raise ValidationFailed(
            _("Ngày ban hành %(day)s là ngày trong tương lai.") % {"day": f"{issued_on:%d/%m/%Y}"},
            fields={"issued_on": "future"},
        )
    title = text_line(title, field="title", label=_("trích yếu"), limit=500)
    year = issued_on.year if year is None else year
    if not issued_on.year - 1 <= year <= issued_on.year + 1:
        raise ValidationFailed(
            _("Năm kế hoạch %(year)d không khớp với ngày ban hành %(day)s.")
            % {"year": year, "day": f"{issued_on:%d/%m/%Y}"},
            fields={"year": "invalid"},
        )
    if ReformPlan.objects.filter(agency=agency, number=number).exists():
        raise ValidationFailed(
            _("%(agency)s đã có kế hoạch số %(number)s.")
            % {"agency": agency.name, "number": number},
            fields={"number": "duplicate"},
        )
    return PlanInput(number=number, issued_on=issued_on, title=title, year=year)


def task_input_problems(
    *,
    plan_issued_on: date,
    title: str,
    lead_agency: Agency | None,
    partners: Sequence[Agency],
    deadline: date | None,
    product: str,
) -> dict[str, str]:
    """field → Vietnamese message for each bad value of a task (empty when all are good);
    the same rule for the form and for every row of an import."""
    problems: dict[str, str] = {}
    if not " ".join((title or "").split()):
        problems["title"] = _("Tên nhiệm vụ không được để trống.")
    elif len(" ".join(title.split())) > TITLE_MAX:
        problems["title"] = _("Tên nhiệm vụ dài quá %(limit)d ký tự.") % {"limit": TITLE_MAX}
    if lead_agency is None:
        problems["lead_agency"] = _("Chưa có cơ quan chủ trì.")
    elif any(p.pk == lead_agency.pk for p in partners):
        problems["partners"] = _("Cơ quan chủ trì không đồng thời là cơ quan phối hợp.")
    if deadline is None:
        problems["deadline"] = _("Chưa có thời hạn hoàn thành.")
    elif deadline < plan_issued_on:
        problems["deadline"] = _("Thời hạn %(day)s trước ngày ban hành kế hoạch %(issued)s.") % {
            "day": f"{deadline:%d/%m/%Y}",
            "issued": f"{plan_issued_on:%d/%m/%Y}",
        }
    if len(" ".join((product or "").split())) > PRODUCT_MAX:
        problems["product"] = _("Sản phẩm dự kiến dài quá %(limit)d ký tự.") % {
            "limit": PRODUCT_MAX
        }
    return problems


def _percent(value: int | None, *, upto: int) -> int:
    if value is None or not 0 <= value <= upto:
        raise ValidationFailed(
            _("Tiến độ phải là số nguyên từ 0 đến %(upto)d (%%).") % {"upto": upto},
            fields={"percent": "invalid"},
        )
    return value


# ---------------------------------------------------------------- writes


def plan_create(
    *,
    actor: User,
    agency: Agency,
    number: str,
    issued_on: date | None,
    title: str,
    year: int | None = None,
) -> ReformPlan:
    plan_manage_check(actor, agency)
    with transaction.atomic():
        checked = plan_input_check(
            agency=agency, number=number, issued_on=issued_on, title=title, year=year
        )
        plan = ReformPlan.objects.create(
            agency=agency,
            number=checked.number,
            issued_on=checked.issued_on,
            title=checked.title,
            year=checked.year,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="reform.plan_create",
            object_type="reform_plan",
            object_id=plan.pk,
            data={"number": plan.number, "agency": agency.code},
        )
    return plan


def task_add(
    *,
    actor: User,
    plan: ReformPlan,
    title: str,
    lead_agency: Agency | None,
    partners: Iterable[Agency] = (),
    deadline: date | None,
    product: str = "",
) -> ReformTask:
    plan_manage_check(actor, plan.agency)
    partners = list(partners)
    problems = task_input_problems(
        plan_issued_on=plan.issued_on,
        title=title,
        lead_agency=lead_agency,
        partners=partners,
        deadline=deadline,
        product=product,
    )
    if problems:
        raise ValidationFailed(" ".join(problems.values()), fields=problems)
    assert lead_agency is not None and deadline is not None
    with transaction.atomic():
        # The plan's row is the lock: two tasks added at once get different numbers.
        ReformPlan.objects.select_for_update().filter(pk=plan.pk).exists()
        last = plan.tasks.order_by("-seq").values_list("seq", flat=True).first() or 0
        task = ReformTask.objects.create(
            plan=plan,
            seq=last + 1,
            title=" ".join(title.split()),
            lead_agency=lead_agency,
            deadline=deadline,
            product=" ".join((product or "").split()),
        )
        task.partners.set(partners)
        audit_record(
            actor=actor,
            action="reform.task_add",
            object_type="reform_task",
            object_id=task.pk,
            data={"plan": plan.pk, "lead_agency": lead_agency.code, "deadline": str(deadline)},
        )
    return task


def _locked_open_task(task: ReformTask) -> ReformTask:
    locked = ReformTask.objects.select_for_update().select_related("plan").get(pk=task.pk)
    if locked.done_at is not None:
        raise Conflict(
            _("Nhiệm vụ đã hoàn thành ngày %(day)s; không báo cáo thêm được.")
            % {"day": f"{locked.done_on:%d/%m/%Y}"}
        )
    return locked


def _evidence_save(
    progress: TaskProgress,
    checked: list[tuple[UploadedFile, bytes, str]],
    saved: list[StoredUpload],
) -> None:
    uploads_save(
        [TaskEvidence(progress=progress) for _ in checked],
        checked,
        saved,
        default_name="minh-chung",
    )


def _files_checked(files: Sequence[UploadedFile]) -> list[tuple[UploadedFile, bytes, str]]:
    if len(files) > MAX_FILES:
        raise ValidationFailed(
            _("Mỗi lần báo cáo đính kèm tối đa %(n)d tệp.") % {"n": MAX_FILES},
            fields={"files": "too_many"},
        )
    return [(upload, *upload_check(upload, field="files")) for upload in files]


def progress_record(
    *,
    actor: User,
    task: ReformTask,
    note: str,
    percent: int | None,
    files: Sequence[UploadedFile] = (),
    at: datetime | None = None,
) -> TaskProgress:
    """A progress report below 100 %; completing the task is `task_complete`."""
    task_manage_check(actor, task)
    note = text_line(note, field="note", label=_("nội dung báo cáo"), limit=NOTE_MAX)
    value = _percent(percent, upto=99)
    checked = _files_checked(files)
    with files_deleted_on_failure() as saved, transaction.atomic():
        locked = _locked_open_task(task)
        progress = TaskProgress.objects.create(
            task=locked, by=actor, at=at or timezone.now(), note=note, percent=value
        )
        _evidence_save(progress, checked, saved)
        ReformTask.objects.filter(pk=locked.pk).update(percent=value)
        audit_record(
            actor=actor,
            action="reform.progress_record",
            object_type="reform_task",
            object_id=locked.pk,
            data={"progress": progress.pk, "percent": value, "files": len(checked)},
        )
    task.percent = value
    return progress


def task_complete(
    *,
    actor: User,
    task: ReformTask,
    note: str,
    files: Sequence[UploadedFile] = (),
    at: datetime | None = None,
) -> ReformTask:
    """Marks the task done at `at` (now): a last progress report at 100 %, which needs an
    evidence file unless an earlier report brought one."""
    task_manage_check(actor, task)
    note = text_line(note, field="note", label=_("nội dung báo cáo"), limit=NOTE_MAX)
    checked = _files_checked(files)
    moment = at or timezone.now()
    with files_deleted_on_failure() as saved, transaction.atomic():
        locked = _locked_open_task(task)
        if not checked and not TaskEvidence.objects.filter(progress__task=locked).exists():
            raise ValidationFailed(
                _("Đính kèm sản phẩm hoặc tài liệu minh chứng khi báo cáo hoàn thành nhiệm vụ."),
                fields={"files": "required"},
            )
        progress = TaskProgress.objects.create(
            task=locked, by=actor, at=moment, note=note, percent=100, completes=True
        )
        _evidence_save(progress, checked, saved)
        done_on = timezone.localtime(moment).date()
        ReformTask.objects.filter(pk=locked.pk).update(percent=100, done_at=moment, done_on=done_on)
        audit_record(
            actor=actor,
            action="reform.task_complete",
            object_type="reform_task",
            object_id=locked.pk,
            data={"progress": progress.pk, "done_on": str(done_on), "files": len(checked)},
        )
    task.percent, task.done_at, task.done_on = 100, moment, done_on
    return task
