"""The operations dashboard (bộ chỉ số chỉ đạo, điều hành), `/chi-so/dieu-hanh/`: every
measure of `index.operations` for the chosen agency against its target, its 12-month trend,
the worst five agencies below it with a link to the drill-down, the table of every agency
(also as XLSX, `?format=xlsx`), the statistics report's filing and the opinion ballots.

Leaders only, as the dashboard (`views_dashboard.leader_required`): anonymous → the login
page, no leader role → 403, an agency outside the leader's → 403. GET only.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from motcua.directory.models import Agency
from motcua.directory.selectors import agency_scope
from motcua.index import exports, operations
from motcua.index.charts import Column, column_chart, number_vi
from motcua.index.engine import Period
from motcua.index.exports.labels import now_text, period_text
from motcua.index.exports.xlsx import XlsxColumn, _cover, _saved, _table
from motcua.index.operations import MEASURES, AgencyRow, Measure, TrendPoint, Value
from motcua.index.views_dashboard import (
    _download,
    _form,
    _period_query,
    leader_required,
    page_start,
)
from motcua.reform.status import percent_vi

MET_TEXT = {True: "Đạt", False: "Chưa đạt", None: "Không phát sinh"}


def value_text(value: Value) -> str:
    if value.denominator is None:
        return number_vi(value.numerator, 0)
    return percent_vi(value.percent)


def _detail(value: Value) -> str:
    """“9 / 10” under a rate, so the share is never read without its base."""
    if value.denominator is None:
        return ""
    return f"{number_vi(value.numerator, 0)} / {number_vi(value.denominator, 0)}"


def drilldown_url(measure: Measure, agency: Agency, period: Period) -> str:
    """The existing page behind the figure for this agency, or "" when there is none."""
    if measure.drilldown.startswith("indicator:"):
        key = measure.drilldown.partition(":")[2]
        return f"{reverse('index:indicator', args=[key])}?{_period_query(agency, period)}"
    if measure.drilldown == "warnings":
        return f"{reverse('index:warnings')}?{urlencode({'agency': agency.code})}"
    if measure.drilldown == "reform":
        query = urlencode(
            {
                "co_quan": agency.code,
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
            }
        )
        return f"{reverse('reform:kpi')}?{query}"
    return ""


def _trend_chart(measure: Measure, points: Sequence[TrendPoint]) -> str:
    """The month columns of the dashboard's trend chart: a rate on 0–100 % with its target as
    the guide line, a count on 0 to its highest month; a month with nothing to judge is a
    gap."""
    columns = []
    for index, point in enumerate(points):
        start = point.period.start
        value = point.value
        if value.denominator is not None:
            share = value.percent
            shown = None if share is None else float(share)
            text = "—" if share is None else number_vi(float(share), 1)
        else:
            shown = float(value.numerator)
            text = number_vi(value.numerator, 0)
        detail = f"Tháng {point.label}: " + (
            _("không phát sinh") if shown is None else f"{value_text(value)} {_detail(value)}"
        )
        columns.append(
            Column(
                label=f"T{start.month}",
                sublabel=str(start.year) if index == 0 or start.month == 1 else "",
                value=shown,
                text=text,
                detail=detail.strip(),
            )
        )
    if measure.kind == "rate":
        target = measure.target
        maximum: float = 100
        guides: tuple[float, ...] = (float(target.percent),) if target else ()
        description = _("Tỷ lệ (%) của từng tháng trong 12 tháng gần nhất") + (
            _("; đường kẻ đứt là chỉ tiêu %(target)s.") % {"target": target.text} if target else "."
        )
    else:
        maximum = max([1.0, *(c.value or 0.0 for c in columns)])
        guides = ()
        description = _("Số lượng của từng tháng trong 12 tháng gần nhất.")
    return column_chart(
        columns,
        chart_id=f"chart-{measure.key}",
        title=measure.label,
        description=description,
        maximum=maximum,
        guides=guides,
    )


def _measure_cards(
    rows: Sequence[AgencyRow],
    trends: dict[str, list[TrendPoint]],
    period: Period,
) -> list[dict[str, Any]]:
    own = rows[0].values
    cards = []
    for measure in MEASURES:
        value = own[measure.key]
        target = measure.target
        met = target.met(value.percent) if target else None
        cards.append(
            {
                "measure": measure,
                "value": value_text(value),
                "detail": _detail(value),
                "target": target,
                "met": met,
                "met_text": MET_TEXT[met] if target else "",
                "chart": _trend_chart(measure, trends[measure.key]) if measure.trend else "",
                "months": [
                    {"label": p.label, "value": value_text(p.value), "detail": _detail(p.value)}
                    for p in trends.get(measure.key, [])
                ],
                "worst": [
                    {
                        "agency": row.agency,
                        "value": value_text(row.values[measure.key]),
                        "detail": _detail(row.values[measure.key]),
                        "link": drilldown_url(measure, row.agency, period),
                    }
                    for row in operations.worst(rows, measure.key)
                ],
                "worse": measure.worse,
                "link": drilldown_url(measure, rows[0].agency, period),
            }
        )
    return cards


# ---------------------------------------------------------------- XLSX


def _xlsx_value(value: Value) -> float | int | str:
    if value.denominator is None:
        return value.numerator
    share = value.percent
    return "" if share is None else float(share / Decimal(100))


def operations_xlsx(
    *, agency: Agency, period: Period, rows: Sequence[AgencyRow], cards: Sequence[dict]
) -> bytes:
    """The page's tables as a workbook: the measures against their targets, then every agency
    (rolled up over its subtree) with each measure; rates as numbers formatted 0.00 %."""
    workbook = Workbook()
    _cover(
        workbook,
        "Bộ chỉ số chỉ đạo, điều hành",
        [
            ("Cơ quan", f"{agency.name} ({agency.code})", "text"),
            ("Kỳ", period_text(period), "text"),
            ("Xuất lúc", now_text(), "text"),
        ],
    )
    _table(
        workbook,
        "Chỉ tiêu",
        [
            XlsxColumn("Nhóm", 22),
            XlsxColumn("Chỉ tiêu", 48),
            XlsxColumn("Giá trị", 12, "count"),
            XlsxColumn("Tỷ lệ", 12, "rate"),
            XlsxColumn("Tử số", 10, "count"),
            XlsxColumn("Mẫu số", 10, "count"),
            XlsxColumn("Mục tiêu", 10),
            XlsxColumn("Đánh giá", 16),
            XlsxColumn("Nguồn mục tiêu", 60),
        ],
        [
            [
                card["measure"].group,
                card["measure"].label,
                "" if value.denominator is not None else value.numerator,
                _xlsx_value(value) if value.denominator is not None else "",
                value.numerator if value.denominator is not None else "",
                value.denominator if value.denominator is not None else "",
                card["target"].text if card["target"] else "",
                card["met_text"],
                card["target"].source if card["target"] else "",
            ]
            for card, value in ((c, rows[0].values[c["measure"].key]) for c in cards)
        ],
    )
    _table(
        workbook,
        "Theo cơ quan",
        [
            XlsxColumn("Mã cơ quan", 18),
            XlsxColumn("Cơ quan", 40),
            *(XlsxColumn(m.label, 16, "rate" if m.kind == "rate" else "count") for m in MEASURES),
        ],
        [
            [
                row.agency.code,
                row.agency.name,
                *(_xlsx_value(row.values[m.key]) for m in MEASURES),
            ]
            for row in rows
        ],
    )
    return _saved(workbook)


# ---------------------------------------------------------------- the page


@require_GET
@leader_required
def operations_page(request: HttpRequest, roots: list[Agency]) -> HttpResponse:
    started = page_start(request, roots, "index/operations.html")
    if isinstance(started, HttpResponse):
        return started
    context, period = started
    agency = context["agency"]

    today, now = timezone.localdate(), timezone.now()
    scope = agency_scope([agency])
    ids = scope.tree()
    agencies = list(Agency.objects.filter(id__in=scope.ids))
    rows = operations.agency_rows(agency, agencies, period, now=now, today=today, scope=scope)
    trends = operations.trends(scope, period.end, today=today)
    cards = _measure_cards(rows, trends, period)
    if request.GET.get("format") == "xlsx":
        return _download(
            operations_xlsx(agency=agency, period=period, rows=rows, cards=cards),
            exports.XLSX_CONTENT_TYPE,
            exports.attachment_name("dieu-hanh", agency, period, "xlsx"),
        )
    children = sorted((a for a in agencies if a.parent_id == agency.pk), key=lambda a: a.code)
    filing = operations.filing(children, today=today)
    ballots = operations.ballots(ids, end=period.end)
    query = _period_query(agency, period)
    context.update(
        period=period,
        form=_form(request.GET, period),
        cards=cards,
        groups=[
            (group, [c for c in cards if c["measure"].group == group])
            for group in (operations.DOSSIERS, operations.PETITIONS, operations.REFORM)
        ],
        measures=MEASURES,
        table=[
            {
                "agency": row.agency,
                "depth": row.depth,
                "indent": f"{row.depth * 1.25:.2f}rem",
                "cells": [value_text(row.values[m.key]) for m in MEASURES],
            }
            for row in rows
        ],
        filing=filing,
        filing_link=f"{reverse('index:filing')}?"
        + urlencode(
            {
                "agency": agency.code,
                "from": filing.period.start.isoformat(),
                "to": filing.period.end.isoformat(),
            }
        ),
        ballots=ballots,
        ballots_share=value_text(ballots.answered_share),
        ballots_sent=[(p.start.strftime("%m/%Y"), n) for p, n in ballots.sent],
        query=query,
    )
    return render(request, "index/operations.html", context)


urlpatterns: list[URLPattern] = [
    path("dieu-hanh/", operations_page, name="operations"),
]
