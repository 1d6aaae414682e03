"""The periodic statistics report page (§8.1): the table for an agency and a period, with
shortcuts to the periods agencies report on (months, quarters, half-years, the year) and the
same table as XLSX and PDF (`?format=xlsx|pdf`). Leaders only, as the dashboard
(`views_dashboard.leader_required`, `index.access`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from motcua.core.errors import ValidationFailed
from motcua.directory.models import Agency
from motcua.index.charts import number_vi
from motcua.index.engine import Period, period_in_range
from motcua.index.exports.labels import attachment_name
from motcua.index.exports.pdf import PDF_CONTENT_TYPE
from motcua.index.exports.report_pdf import statistics_report_pdf
from motcua.index.exports.report_xlsx import REPORT_COLUMNS, REPORT_GROUPS, statistics_report_xlsx
from motcua.index.exports.xlsx import XLSX_CONTENT_TYPE
from motcua.index.report import report_period_check, statistics_report
from motcua.index.views_dashboard import (
    _agency_choices,
    _chosen_agency,
    _date_param,
    _download,
    _form,
    _period_query,
    leader_required,
)


@dataclass(frozen=True)
class Shortcut:
    label: str
    period: Period


def _month_end(year: int, month: int) -> date:
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def default_period(today: date) -> Period:
    """The last whole month: the one a monthly report is filed for."""
    last = today.replace(day=1) - timedelta(days=1)
    return Period(last.replace(day=1), last)


def _year(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31))


def shortcuts(year: int, *, today: date) -> list[tuple[str, list[Shortcut]]]:
    """The reporting periods of `year` that have begun, by kind."""
    months = [
        Shortcut(f"T{m}", Period(date(year, m, 1), _month_end(year, m))) for m in range(1, 13)
    ]
    quarters = [
        Shortcut(f"Quý {q}", Period(date(year, 3 * q - 2, 1), _month_end(year, 3 * q)))
        for q in range(1, 5)
    ]
    halves = [
        Shortcut(_("6 tháng đầu năm"), Period(date(year, 1, 1), date(year, 6, 30))),
        Shortcut(_("6 tháng cuối năm"), Period(date(year, 7, 1), date(year, 12, 31))),
    ]
    whole = [Shortcut(_("Năm %(year)s") % {"year": year}, _year(year))]
    kinds = [
        (_("Tháng"), months),
        (_("Quý"), quarters),
        (_("6 tháng"), halves),
        (_("Năm"), whole),
    ]
    return [(kind, [s for s in items if s.period.start <= today]) for kind, items in kinds]


def _period(request: HttpRequest, today: date) -> Period:
    start, end = _date_param(request.GET, "from"), _date_param(request.GET, "to")
    if start is None and end is None:
        return default_period(today)
    if start is None or end is None:
        raise ValidationFailed(
            _("Nhập cả ngày đầu kỳ và ngày cuối kỳ."),
            fields={"to" if start else "from": "required"},
        )
    return report_period_check(period_in_range(Period(start, end)), today=today)


@require_GET
@leader_required
def report_page(request: HttpRequest, roots: list[Agency]) -> HttpResponse:
    agency = _chosen_agency(request, roots)
    today = timezone.localdate()
    context: dict[str, Any] = {"agency": agency, "choices": _agency_choices(request)}
    try:
        period = _period(request, today)
    except ValidationFailed as error:
        context.update(
            error=error.message,
            form=_form(request.GET, None),
            shortcuts=_links(agency, today.year, today),
        )
        return render(request, "index/report.html", context, status=400)

    report = statistics_report(agency=agency, period=period)
    wanted = request.GET.get("format", "")
    if wanted == "xlsx":
        return _download(
            statistics_report_xlsx(report),
            XLSX_CONTENT_TYPE,
            attachment_name("bao-cao-thong-ke", agency, period, "xlsx"),
        )
    if wanted == "pdf":
        return _download(
            statistics_report_pdf(report),
            PDF_CONTENT_TYPE,
            attachment_name("bao-cao-thong-ke", agency, period, "pdf"),
        )
    context.update(
        period=period,
        form=_form(request.GET, period),
        report=report,
        groups=REPORT_GROUPS,
        columns=REPORT_COLUMNS,
        rows=[
            {"sector": line.sector, "cells": [number_vi(n, 0) for n in line.cells]}
            for line in report.rows
        ],
        total=[number_vi(n, 0) for n in report.total.cells],
        shortcuts=_links(agency, period.start.year, today, chosen=period),
        years=[
            {"label": str(y), "query": _period_query(agency, _year(y))}
            for y in (period.start.year - 1, period.start.year + 1)
            if date(y, 1, 1) <= today
        ],
        query=_period_query(agency, period),
    )
    return render(request, "index/report.html", context)


def _links(
    agency: Agency, year: int, today: date, chosen: Period | None = None
) -> list[dict[str, Any]]:
    return [
        {
            "kind": kind,
            "items": [
                {
                    "label": s.label,
                    "query": _period_query(agency, s.period),
                    "current": s.period == chosen,
                }
                for s in items
            ],
        }
        for kind, items in shortcuts(year, today=today)
    ]


urlpatterns: list[URLPattern] = [path("bao-cao/", report_page, name="report")]
