"""The reform-task pages under `/cai-cach/`: plans and tasks with status filters and early
warnings, a task's progress history with the report form, the XLSX import, and the KPIs with
the ranking and their export. Managers only (`access.py`): anonymous visitors are sent to sign
in, anyone else signed in meets the 403 page. Each view parses input, calls one service or
selector, and renders."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from motcua.core.calendar import working_calendar
from motcua.core.downloads import upload_response
from motcua.core.errors import MotcuaError, NotFound, PermissionDenied, ValidationFailed
from motcua.core.text import number_vi
from motcua.directory.models import Agency, User
from motcua.pages import day_param, gated_page
from motcua.reform import exports
from motcua.reform.access import (
    is_manager,
    managed_agency_ids,
    manager_root_agencies,
    readable_plans,
    readable_tasks,
)
from motcua.reform.models import ReformPlan, ReformTask, TaskEvidence
from motcua.reform.selectors import (
    DUE_SOON,
    by_level,
    kpi_compute,
    ranking,
    status_filter,
    task_lines,
)
from motcua.reform.services import plan_create, progress_record, task_add, task_complete
from motcua.reform.status import Status, percent_vi, warning_days, warning_end
from motcua.reform.xlsx_import import COLUMNS, XLSX_CONTENT_TYPE, ImportRejected, plan_import_xlsx

app_name = "reform"
PAGE_SIZE = 50
STATUS_CHOICES = [
    ("", gettext_lazy("Tất cả")),
    (Status.OVERDUE.value, Status.OVERDUE.label),
    (DUE_SOON, gettext_lazy("Sắp đến hạn")),
    (Status.NOT_DUE.value, Status.NOT_DUE.label),
    (Status.DONE_ON_TIME.value, Status.DONE_ON_TIME.label),
    (Status.DONE_LATE.value, Status.DONE_LATE.label),
]


# ---------------------------------------------------------------- access and input


manager_required = gated_page(
    may=is_manager,
    refused=gettext_lazy("Trang này dành cho lãnh đạo theo dõi nhiệm vụ cải cách hành chính."),
    forbidden_template="reform/forbidden.html",
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _year(params: QueryDict) -> int | None:
    raw = params.get("nam", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationFailed(_("Năm kế hoạch phải là số, ví dụ 2026."), fields={"nam": "invalid"})
    return int(raw)


def _agency(code: str, *, label: str) -> Agency:
    code = code.strip()[:64]
    agency = Agency.objects.filter(code=code).first() if code else None
    if agency is None:
        raise ValidationFailed(
            _("Không có %(label)s mã “%(code)s”.") % {"label": label, "code": code},
            fields={"agency": "unknown"},
        )
    return agency


def _agencies(raw: str) -> list[Agency]:
    codes = [c.strip() for c in raw.replace(",", ";").split(";") if c.strip()]
    found = {a.code: a for a in Agency.objects.filter(code__in=codes)}
    missing = [code for code in codes if code not in found]
    if missing:
        raise ValidationFailed(
            _("Không có cơ quan phối hợp mã: %(codes)s.") % {"codes": ", ".join(missing)[:200]},
            fields={"phoi_hop": "unknown"},
        )
    return [found[code] for code in dict.fromkeys(codes)]


def _managed_choices(request: HttpRequest) -> list[Agency]:
    ids = managed_agency_ids(_user(request))
    return list(Agency.objects.filter(id__in=ids).order_by("code")[:300])


def _plan_for(request: HttpRequest, pk: int) -> ReformPlan:
    plan = readable_plans(_user(request)).select_related("agency").filter(pk=pk).first()
    if plan is None:
        raise NotFound(_("Không có kế hoạch này."))
    return plan


def _task_for(request: HttpRequest, pk: int) -> ReformTask:
    task = (
        readable_tasks(_user(request))
        .select_related("plan", "plan__agency", "lead_agency")
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise NotFound(_("Không có nhiệm vụ này."))
    return task


# ---------------------------------------------------------------- plans and tasks


@require_GET
@manager_required
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    until = warning_end(today=today, calendar=working_calendar())
    tasks = readable_tasks(_user(request))
    status = request.GET.get("trang_thai", "")
    if status not in dict(STATUS_CHOICES):
        status = ""
    chosen = tasks.filter(status_filter(status, today=today, until=until)) if status else tasks
    page = Paginator(chosen.order_by("deadline", "plan_id", "seq"), PAGE_SIZE).get_page(
        request.GET.get("trang")
    )
    lines = task_lines(ReformTask.objects.filter(pk__in=[t.pk for t in page]), today=today)
    lines.sort(key=lambda line: (line.task.deadline, line.task.plan_id, line.task.seq))
    context = {
        "plans": readable_plans(_user(request)).select_related("agency")[:100],
        "lines": lines,
        "page": page,
        "status": status,
        "statuses": STATUS_CHOICES,
        "overdue": tasks.filter(status_filter(Status.OVERDUE, today=today, until=until)).count(),
        "due_soon": tasks.filter(status_filter(DUE_SOON, today=today, until=until)).count(),
        "warning_days": warning_days(),
        "until": until,
        "today": today,
    }
    return render(request, "reform/home.html", context)


@require_http_methods(["GET", "POST"])
@manager_required
def plan_new(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"choices": _managed_choices(request), "form": request.POST}
    if request.method == "POST":
        try:
            plan = plan_create(
                actor=_user(request),
                agency=_agency(request.POST.get("co_quan", ""), label=_("cơ quan")),
                number=request.POST.get("so_hieu", ""),
                issued_on=day_param(request.POST, "ngay_ban_hanh", label=_("ngày ban hành")),
                title=request.POST.get("trich_yeu", ""),
                year=_year(request.POST),
            )
        except ValidationFailed as error:
            context["error"] = error.message
            return render(request, "reform/plan_new.html", context, status=400)
        return HttpResponseRedirect(reverse("reform:plan", args=[plan.pk]))
    return render(request, "reform/plan_new.html", context)


def _plan_page(
    request: HttpRequest, plan: ReformPlan, *, error: str = "", status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "plan": plan,
        "lines": task_lines(plan.tasks.order_by("seq"), today=today),
        "manages": plan.agency_id in managed_agency_ids(_user(request)),
        "error": error,
        "form": request.POST if error else {},
        "today": today,
    }
    return render(request, "reform/plan.html", context, status=status)


@require_GET
@manager_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _plan_page(request, _plan_for(request, pk))


@require_POST
@manager_required
def task_new(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_for(request, pk)
    try:
        task = task_add(
            actor=_user(request),
            plan=plan,
            title=request.POST.get("ten", ""),
            lead_agency=_agency(request.POST.get("chu_tri", ""), label=_("cơ quan chủ trì")),
            partners=_agencies(request.POST.get("phoi_hop", "")),
            deadline=day_param(request.POST, "thoi_han", label=_("thời hạn")),
            product=request.POST.get("san_pham", ""),
        )
    except ValidationFailed as error:
        return _plan_page(request, plan, error=error.message, status=400)
    return HttpResponseRedirect(reverse("reform:task", args=[task.pk]))


def _task_page(
    request: HttpRequest, task: ReformTask, *, error: str = "", status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    (line,) = task_lines(ReformTask.objects.filter(pk=task.pk), today=today)
    context = {
        "line": line,
        "task": line.task,
        "progress": task.progress.select_related("by").prefetch_related("evidence"),
        "manages": task.lead_agency_id in managed_agency_ids(_user(request)),
        "error": error,
        "form": request.POST if error else {},
    }
    return render(request, "reform/task.html", context, status=status)


@require_GET
@manager_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _task_page(request, _task_for(request, pk))


def _percent_field(params: QueryDict) -> int | None:
    raw = params.get("tien_do", "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 3 else None


@require_POST
@manager_required
def progress_new(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for(request, pk)
    try:
        progress_record(
            actor=_user(request),
            task=task,
            note=request.POST.get("noi_dung", ""),
            percent=_percent_field(request.POST),
            files=request.FILES.getlist("minh_chung"),
        )
    except PermissionDenied:
        raise
    except MotcuaError as error:
        return _task_page(request, task, error=error.message, status=400)
    return HttpResponseRedirect(reverse("reform:task", args=[task.pk]))


@require_POST
@manager_required
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_for(request, pk)
    try:
        task_complete(
            actor=_user(request),
            task=task,
            note=request.POST.get("noi_dung", ""),
            files=request.FILES.getlist("minh_chung"),
        )
    except PermissionDenied:
        raise
    except MotcuaError as error:
        return _task_page(request, task, error=error.message, status=400)
    return HttpResponseRedirect(reverse("reform:task", args=[task.pk]))


@require_GET
@manager_required
def evidence(request: HttpRequest, pk: int) -> HttpResponseBase:
    found = TaskEvidence.objects.select_related("progress").filter(pk=pk).first()
    if (
        found is None
        or not readable_tasks(_user(request)).filter(pk=found.progress.task_id).exists()
    ):
        raise NotFound(_("Không có tài liệu này."))
    return upload_response(
        found.file.open("rb"), content_type=found.content_type, filename=found.name
    )


# ---------------------------------------------------------------- import


@require_http_methods(["GET", "POST"])
@manager_required
def plan_import(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {
        "choices": _managed_choices(request),
        "form": request.POST,
        "columns": COLUMNS,
    }
    if request.method == "POST":
        upload = request.FILES.get("tep")
        try:
            if upload is None:
                raise ValidationFailed(
                    _("Chọn tệp Excel (.xlsx) để nhập."), fields={"tep": "required"}
                )
            plan = plan_import_xlsx(
                actor=_user(request),
                agency=_agency(request.POST.get("co_quan", ""), label=_("cơ quan")),
                number=request.POST.get("so_hieu", ""),
                issued_on=day_param(request.POST, "ngay_ban_hanh", label=_("ngày ban hành")),
                title=request.POST.get("trich_yeu", ""),
                year=_year(request.POST),
                upload=upload,
            )
        except ImportRejected as rejected:
            context.update(error=rejected.message, problems=rejected.problems)
            return render(request, "reform/import.html", context, status=400)
        except ValidationFailed as error:
            context["error"] = error.message
            return render(request, "reform/import.html", context, status=400)
        return HttpResponseRedirect(reverse("reform:plan", args=[plan.pk]))
    return render(request, "reform/import.html", context)


@require_GET
@manager_required
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(exports.template_xlsx(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="mau-ke-hoach-cai-cach.xlsx"'
    return response


# ---------------------------------------------------------------- KPIs


@require_GET
@manager_required
def kpi(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    roots = manager_root_agencies(_user(request))
    code = request.GET.get("co_quan", "").strip()[:64]
    agency = roots[0] if not code else Agency.objects.filter(code=code).first()
    if agency is None or agency.pk not in managed_agency_ids(_user(request)):
        raise PermissionDenied(_("Bạn không có quyền xem số liệu của cơ quan này."))
    context: dict[str, Any] = {"agency": agency, "choices": _managed_choices(request)}
    try:
        start = day_param(request.GET, "from", label=_("ngày đầu kỳ"), required=False)
        end = day_param(request.GET, "to", label=_("ngày cuối kỳ"), required=False)
        start = start or date(today.year, 1, 1)
        end = end or date(today.year, 12, 31)
        if end < start:
            raise ValidationFailed(_("Ngày cuối kỳ trước ngày đầu kỳ."), fields={"to": "invalid"})
    except ValidationFailed as error:
        context.update(error=error.message, start=None, end=None)
        return render(request, "reform/kpi.html", context, status=400)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            exports.kpi_xlsx(agency=agency, start=start, end=end, today=today),
            content_type=XLSX_CONTENT_TYPE,
        )
        name = f"cai-cach-{agency.code}-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    figures = kpi_compute(agency=agency, start=start, end=end, today=today)
    context.update(
        start=start,
        end=end,
        today=today,
        kpi=figures,
        percent_done=percent_vi(figures.percent_done),
        percent_on_time=percent_vi(figures.percent_on_time),
        levels=[
            {"line": line, "percent": percent_vi(line.kpi.percent_done)}
            for line in by_level(agency=agency, start=start, end=end, today=today)
        ],
        ranking=[
            {
                "line": line,
                "percent": percent_vi(line.kpi.percent_done),
                "done": number_vi(line.kpi.done, 0),
                "total": number_vi(line.kpi.total, 0),
            }
            for line in ranking(agency=agency, start=start, end=end, today=today)
        ],
    )
    return render(request, "reform/kpi.html", context)


urlpatterns = [
    path("", home, name="home"),
    path("ke-hoach/moi/", plan_new, name="plan_new"),
    path("ke-hoach/<int:pk>/", plan_detail, name="plan"),
    path("ke-hoach/<int:pk>/nhiem-vu/", task_new, name="task_add"),
    path("nhiem-vu/<int:pk>/", task_detail, name="task"),
    path("nhiem-vu/<int:pk>/tien-do/", progress_new, name="progress"),
    path("nhiem-vu/<int:pk>/hoan-thanh/", complete, name="complete"),
    path("minh-chung/<int:pk>/", evidence, name="evidence"),
    path("nhap/", plan_import, name="import"),
    path("nhap/mau.xlsx", import_template, name="import_template"),
    path("chi-so/", kpi, name="kpi"),
]
