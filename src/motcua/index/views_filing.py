"""Filing the statistics report (§8.1), `/chi-so/bao-cao/nop/`: an agency's drafts and filed
versions for a period, its children's filing for the same period with the roll-up, and the
posts that draft, submit (signed with the agency's key) and correct. Leaders only: reading
as on the report page (the agency or one above it, `index.access`), writing for a leader of
the report's own agency (`index.filing`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from motcua.core.errors import MotcuaError, NotFound, PermissionDenied, ValidationFailed
from motcua.directory.models import Agency, Role
from motcua.directory.selectors import user_has_role
from motcua.index.access import agency_for_leader, leader_agency_ids, leader_root_agencies
from motcua.index.charts import number_vi
from motcua.index.engine import Period, period_in_range
from motcua.index.exports.pdf import PDF_CONTENT_TYPE
from motcua.index.exports.report_xlsx import REPORT_COLUMNS, REPORT_GROUPS
from motcua.index.filing import (
    filed_period,
    filed_report_drift,
    filing_status,
    period_kind,
    report_correct,
    report_draft,
    report_submit,
)
from motcua.index.models import FiledReport
from motcua.index.report import report_period_check
from motcua.index.views_dashboard import (
    _agency_choices,
    _chosen_agency,
    _date_param,
    _download,
    _forbidden,
    _form,
)
from motcua.index.views_report import default_period

HISTORY = 24


def leader_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """As the dashboard's (`views_dashboard.leader_required`), passing the address's
    arguments on: anonymous → the login page, no leader role → 403, a refusal → 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        roots = leader_root_agencies(request.user)  # type: ignore[arg-type]
        if not roots:
            return _forbidden(
                request, _("Trang này dành cho lãnh đạo lập và nộp báo cáo của cơ quan.")
            )
        try:
            return view(request, roots, **kwargs)
        except PermissionDenied as error:
            return _forbidden(request, error.message)
        except NotFound as error:
            raise Http404(error.message) from error

    return wrapper


def _page_url(agency: Agency, period: Period) -> str:
    query = urlencode(
        {"agency": agency.code, "from": period.start.isoformat(), "to": period.end.isoformat()}
    )
    return f"{reverse('index:filing')}?{query}"


def _period(params: Any) -> Period:
    today = timezone.localdate()
    start, end = _date_param(params, "from"), _date_param(params, "to")
    if start is None and end is None:
        return default_period(today)
    if start is None or end is None:
        raise ValidationFailed(
            _("Nhập cả ngày đầu kỳ và ngày cuối kỳ."),
            fields={"to" if start else "from": "required"},
        )
    return report_period_check(period_in_range(Period(start, end)), today=today)


def _report_for_reader(request: HttpRequest, pk: int) -> FiledReport:
    filed = FiledReport.objects.select_related("agency", "submitted_by").filter(pk=pk).first()
    if filed is None:
        raise NotFound(_("Không có báo cáo này."))
    if filed.agency_id not in leader_agency_ids(request.user):  # type: ignore[arg-type]
        raise PermissionDenied(_("Bạn không có quyền xem báo cáo của cơ quan này."))
    return filed


def _table(report: Any) -> dict[str, Any]:
    return {
        "groups": REPORT_GROUPS,
        "columns": REPORT_COLUMNS,
        "rows": [
            {"sector": line.sector, "cells": [number_vi(n, 0) for n in line.cells]}
            for line in report.rows
        ],
        "total": [number_vi(n, 0) for n in report.total.cells],
    }


def _render(
    request: HttpRequest,
    agency: Agency,
    period: Period | None,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "agency": agency,
        "choices": _agency_choices(request),
        "form": _form(request.GET if request.method == "GET" else request.POST, period),
        "error": error,
        "leads": user_has_role(request.user, Role.LEADER, agency.pk),  # type: ignore[arg-type]
        "history": list(
            FiledReport.objects.filter(agency=agency)
            .select_related("submitted_by")
            .order_by("-period_end", "period_start", "-version")[:HISTORY]
        ),
    }
    if period is not None:
        try:
            kind = period_kind(period)
        except ValidationFailed as bad:
            context["error"] = context["error"] or bad.message
            return render(request, "index/filing.html", context, status=400)
        status_of = filing_status(agency, kind, period)
        versions = [f for f in context["history"] if filed_period(f) == period]
        latest = versions[0] if versions else None
        context.update(
            period=period,
            kind=FiledReport.Kind(kind).label,
            status=status_of,
            versions=versions,
            latest=latest,
            drift=filed_report_drift(latest) if latest and latest.status != "draft" else None,
            ended=period.end < timezone.localdate(),
            rollup=_table(status_of.rollup),
        )
    return render(request, "index/filing.html", context, status=status)


@require_GET
@leader_required
def filing_page(request: HttpRequest, roots: list[Agency]) -> HttpResponse:
    agency = _chosen_agency(request, roots)
    try:
        period = _period(request.GET)
    except ValidationFailed as error:
        return _render(request, agency, None, error=error.message, status=400)
    return _render(request, agency, period)


def _refused(request: HttpRequest, agency: Agency, period: Period | None, error: MotcuaError):
    if isinstance(error, PermissionDenied):
        raise error
    return _render(request, agency, period, error=error.message, status=error.status)


@require_POST
@leader_required
def filing_draft(request: HttpRequest, roots: list[Agency]) -> HttpResponse:
    agency = agency_for_leader(request.user, request.POST.get("agency", "")[:64])  # type: ignore[arg-type]
    period: Period | None = None
    try:
        period = _period(request.POST)
        report_draft(agency=agency, kind=period_kind(period), period=period, actor=request.user)  # type: ignore[arg-type]
    except MotcuaError as error:
        return _refused(request, agency, period, error)
    return HttpResponseRedirect(_page_url(agency, period))


@require_POST
@leader_required
def filing_submit(request: HttpRequest, roots: list[Agency], pk: int) -> HttpResponse:
    filed = _report_for_reader(request, pk)
    period = filed_period(filed)
    try:
        if request.POST.get("xac_nhan") != "1":
            raise ValidationFailed(
                _("Đánh dấu ô xác nhận đã kiểm tra số liệu trước khi nộp báo cáo."),
                fields={"xac_nhan": "required"},
            )
        report_submit(actor=request.user, filed=filed)  # type: ignore[arg-type]
    except MotcuaError as error:
        return _refused(request, filed.agency, period, error)
    return HttpResponseRedirect(_page_url(filed.agency, period))


@require_POST
@leader_required
def filing_correct(request: HttpRequest, roots: list[Agency], pk: int) -> HttpResponse:
    filed = _report_for_reader(request, pk)
    period = filed_period(filed)
    try:
        report_correct(
            actor=request.user,  # type: ignore[arg-type]
            filed=filed,
            reason=request.POST.get("ly_do", ""),
        )
    except MotcuaError as error:
        return _refused(request, filed.agency, period, error)
    return HttpResponseRedirect(_page_url(filed.agency, period))


@require_GET
@leader_required
def filing_pdf(request: HttpRequest, roots: list[Agency], pk: int) -> HttpResponse:
    filed = _report_for_reader(request, pk)
    if not filed.signed_sha256:
        raise PermissionDenied(_("Báo cáo này chưa nộp nên chưa có bản ký số."))
    with filed.signed_pdf.open("rb") as handle:
        data = handle.read()
    name = (
        f"bao-cao-thong-ke_{filed.agency.code}_{filed.period_start:%Y-%m-%d}_"
        f"{filed.period_end:%Y-%m-%d}_lan-{filed.version}.pdf"
    )
    return _download(data, PDF_CONTENT_TYPE, name)


urlpatterns: list[URLPattern] = [
    path("bao-cao/nop/", filing_page, name="filing"),
    path("bao-cao/nop/lap/", filing_draft, name="filing_draft"),
    path("bao-cao/nop/<int:pk>/nop/", filing_submit, name="filing_submit"),
    path("bao-cao/nop/<int:pk>/dinh-chinh/", filing_correct, name="filing_correct"),
    path("bao-cao/nop/<int:pk>/ban-ky.pdf", filing_pdf, name="filing_pdf"),
]
