"""Index dashboard, ranking, exports and the public index page (domain.md §7, §8).

A leader reads the agencies they lead and everything below them (`index.access`); anyone else
signed in meets a 403 page, and nobody signed in is sent to the login page. The public page
needs nobody and shows agency-level numbers only (§10: no personal data). Every table the
pages show can be downloaded: `?format=xlsx` (all pages) and `?format=pdf` (the dashboard).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import PermissionDenied, ValidationFailed
from motcua.directory.models import Agency
from motcua.directory.selectors import agency_scope
from motcua.index import exports
from motcua.index.access import agency_for_leader, leader_agency_ids, leader_root_agencies
from motcua.index.charts import Bar, Column, bar_chart, column_chart, number_vi, percent_vi
from motcua.index.engine import Period, definition_for, period_from, period_in_range

DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
AGENCY_CHOICES_LIMIT = 300
PUBLIC_CACHE_SECONDS = 300

# ---------------------------------------------------------------- input


def _date_param(params: QueryDict, name: str) -> date | None:
    """`YYYY-MM-DD` (what the date inputs send) or `dd/mm/yyyy` (what people type)."""
    raw = params.get(name, "").strip()
    if not raw:
        return None
    found = DAY_MONTH_YEAR.match(raw)
    try:
        if found:
            day, month, year = (int(part) for part in found.groups())
            return date(year, month, day)
        if len(raw) == 10:
            return date.fromisoformat(raw)
    except ValueError:
        pass
    raise ValidationFailed(
        _("Ngày '%(value)s' không hợp lệ: nhập theo dạng dd/mm/yyyy.") % {"value": raw[:32]},
        fields={name: "invalid"},
    )


def parse_period(params: QueryDict, *, today: date) -> Period:
    """The period asked for (`from`, `to`, both inclusive); the year so far by default."""
    period = period_from(_date_param(params, "from"), _date_param(params, "to"), today=today)
    return period_in_range(period)


def _period_query(agency: Agency, period: Period, **extra: str) -> str:
    return urlencode(
        {
            "agency": agency.code,
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            **extra,
        }
    )


def _form(params: QueryDict, period: Period | None) -> dict[str, str]:
    """What the period form shows: the period in force, or what was typed when it was bad."""
    if period is not None:
        return {"from": f"{period.start:%d/%m/%Y}", "to": f"{period.end:%d/%m/%Y}"}
    return {"from": params.get("from", "")[:32], "to": params.get("to", "")[:32]}


# ---------------------------------------------------------------- access


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "index/dashboard_forbidden.html", {"message": message}, status=403)


LeaderView = Callable[[HttpRequest, list[Agency]], HttpResponse]


def leader_required(view: LeaderView) -> Callable[[HttpRequest], HttpResponse]:
    """Anonymous → the login page; signed in without a leader role → 403; the view gets the
    leader's top agencies, and a refusal it raises becomes the 403 page."""

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        roots = leader_root_agencies(request.user)  # type: ignore[arg-type]
        if not roots:
            return _forbidden(
                request, _("Trang này dành cho lãnh đạo theo dõi chỉ số phục vụ của cơ quan.")
            )
        try:
            return view(request, roots)
        except PermissionDenied as error:
            return _forbidden(request, error.message)

    return wrapper


def _chosen_agency(request: HttpRequest, roots: list[Agency]) -> Agency:
    code = request.GET.get("agency", "").strip()[:64]
    if not code:
        return roots[0]
    return agency_for_leader(request.user, code)  # type: ignore[arg-type]


def _agency_choices(request: HttpRequest) -> list[Agency]:
    """The agencies the leader may pick (empty when too many for a list: a code box then)."""
    ids = leader_agency_ids(request.user)  # type: ignore[arg-type]
    if len(ids) > AGENCY_CHOICES_LIMIT:
        return []
    return list(Agency.objects.filter(id__in=ids).order_by("code"))


def page_start(
    request: HttpRequest, roots: list[Agency], template: str
) -> tuple[dict[str, Any], Period] | HttpResponse:
    """What every leader's page begins with: the chosen agency and the agencies to pick from
    (the context), and the period of the query — or, for a bad period, the page itself with
    its message (400)."""
    agency = _chosen_agency(request, roots)
    context: dict[str, Any] = {"agency": agency, "choices": _agency_choices(request)}
    try:
        return context, parse_period(request.GET, today=timezone.localdate())
    except ValidationFailed as error:
        context.update(error=error.message, form=_form(request.GET, None))
        return render(request, template, context, status=400)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------- dashboard


def _indicator_rows(report: exports.IndexReport, query: str) -> list[dict[str, Any]]:
    return [
        {
            "line": line,
            "ratio": percent_vi(line.ratio) if line.applicable else "",
            "score": number_vi(line.score),
            "max": number_vi(line.max),
            "numerator": number_vi(line.numerator, 0),
            "denominator": number_vi(line.denominator, 0),
            "link": f"/chi-so/chi-tieu/{line.key}/?{query}",
        }
        for line in report.indicators
    ]


def _group_chart(report: exports.IndexReport) -> str:
    bars = [
        Bar(g.name, g.score, g.max, f"{number_vi(g.score)} / {number_vi(g.max, 0)}")
        for g in report.groups
    ]
    return bar_chart(
        bars,
        chart_id="chart-groups",
        title=_("Điểm theo nhóm chỉ số"),
        description=_("Tổng điểm %(total)s trên 100, xếp loại %(band)s.")
        % {"total": number_vi(report.total), "band": report.band_label},
    )


def _indicator_chart(report: exports.IndexReport) -> str:
    bars = [
        Bar(
            i.name,
            i.score,
            i.max,
            f"{number_vi(i.score)} / {number_vi(i.max, 0)}" if i.applicable else "không phát sinh",
            muted=not i.applicable,
            detail="" if i.applicable else f"tính đủ {number_vi(i.max, 0)} điểm",
        )
        for i in report.indicators
    ]
    return bar_chart(
        bars,
        chart_id="chart-indicators",
        title=_("Điểm theo chỉ tiêu"),
        description=_(
            "Mỗi thanh là điểm đạt được so với điểm tối đa của chỉ tiêu; thanh gạch chéo là "
            "chỉ tiêu không phát sinh trong kỳ."
        ),
    )


def _trend_chart(months: Sequence[exports.MonthScore]) -> str:
    columns = []
    for index, month in enumerate(months):
        start = month.period.start
        if month.total is None:
            text = "—"
            detail = _("Tháng %(month)s: không phát sinh hồ sơ, không tính điểm") % {
                "month": month.label
            }
        else:
            text = number_vi(month.total, 1)
            detail = f"Tháng {month.label}: {number_vi(month.total)} điểm — {month.band_label}"
        columns.append(
            Column(
                label=f"T{start.month}",
                sublabel=str(start.year) if index == 0 or start.month == 1 else "",
                value=month.total,
                text=text,
                detail=detail,
            )
        )
    return column_chart(
        columns,
        chart_id="chart-trend",
        title=_("Tổng điểm theo tháng"),
        description=_(
            "Tổng điểm chỉ số của từng tháng trong 12 tháng gần nhất; tháng không phát sinh hồ "
            "sơ để trống (—), không tính điểm; các đường kẻ đứt là ngưỡng xếp loại 50, 70, 80 "
            "và 90 điểm."
        ),
    )


@leader_required
def dashboard(request: HttpRequest, roots: list[Agency]) -> HttpResponse:
    started = page_start(request, roots, "index/dashboard.html")
    if isinstance(started, HttpResponse):
        return started
    context, period = started
    agency = context["agency"]

    report = exports.index_report(agency=agency, period=period)
    kpis = exports.kpi_lines(agency=agency, period=period)
    wanted = request.GET.get("format", "")
    if wanted == "pdf":
        return _download(
            exports.index_report_pdf(report, kpis),
            exports.PDF_CONTENT_TYPE,
            exports.attachment_name("bao-cao-chi-so", agency, period, "pdf"),
        )
    months = exports.trend(agency=agency, end=period.end)
    if wanted == "xlsx":
        return _download(
            exports.index_report_xlsx(report, kpis, months),
            exports.XLSX_CONTENT_TYPE,
            exports.attachment_name("chi-so", agency, period, "xlsx"),
        )
    query = _period_query(agency, period)
    context.update(
        period=period,
        form=_form(request.GET, period),
        report=report,
        total=number_vi(report.total),
        indicators=_indicator_rows(report, query),
        groups=[
            {"line": g, "score": number_vi(g.score), "max": number_vi(g.max)} for g in report.groups
        ],
        group_chart=_group_chart(report),
        indicator_chart=_indicator_chart(report),
        trend_chart=_trend_chart(months),
        months=[
            {
                "label": m.label,
                "total": "—" if m.total is None else number_vi(m.total),
                "band": m.band_label,
            }
            for m in months
        ],
        kpis=kpis,
        query=query,
        has_children=Agency.objects.filter(parent=agency).exists(),
    )
    return render(request, "index/dashboard.html", context)


# ---------------------------------------------------------------- ranking


def _group_maxima(period: Period) -> list[tuple[str, str, float]]:
    return [(g["key"], g.get("name", g["key"]), g["max"]) for g in definition_for(period)["groups"]]


def _group_names(period: Period) -> list[tuple[str, str]]:
    return [(key, name) for key, name, _max in _group_maxima(period)]


def _score_rows(
    ranked: Sequence[exports.Ranked], groups: Sequence[tuple[str, str]], period: Period
) -> list[dict[str, Any]]:
    return [
        {
            "rank": item.rank,
            "agency": item.row.agency,
            "total": number_vi(item.row.total),
            "band": item.row.band_label,
            "band_key": item.row.band,
            "groups": [number_vi(item.row.groups.get(key, 0.0)) for key, _name in groups],
            "query": _period_query(item.row.agency, period),
        }
        for item in ranked
    ]


def _apart_rows(apart: Sequence[exports.AgencyScore], period: Period) -> list[dict[str, Any]]:
    """The agencies listed apart, unranked and without a score (§7)."""
    return [{"agency": row.agency, "query": _period_query(row.agency, period)} for row in apart]


@leader_required
def ranking(request: HttpRequest, roots: list[Agency]) -> HttpResponse:
    """The agencies below the chosen one (all levels), ranked by total or by a group."""
    started = page_start(request, roots, "index/ranking.html")
    if isinstance(started, HttpResponse):
        return started
    context, period = started
    root = context["agency"]

    groups = _group_names(period)
    keys = ["total", *(key for key, _name in groups)]
    sort = request.GET.get("sort", "total")
    sort = sort if sort in keys else "total"
    descending = request.GET.get("dir", "desc") != "asc"
    # An agency merged on or before the period's start is not ranked on its own: its figures
    # are its successor's (`AgencyScope`).
    below = agency_scope([root]).listed(period.start) - {root.pk}
    rows = exports.agency_scores(Agency.objects.filter(id__in=below).order_by("code"), period)
    ranked = exports.ranked(rows, key=sort, descending=descending)
    apart = exports.without_dossiers(rows)

    if request.GET.get("format") == "xlsx":
        return _download(
            exports.scores_xlsx(
                title="Xếp hạng chỉ số phục vụ các cơ quan trực thuộc",
                root=root,
                period=period,
                rows=ranked,
                groups=groups,
                apart=apart,
            ),
            exports.XLSX_CONTENT_TYPE,
            exports.attachment_name("xep-hang", root, period, "xlsx"),
        )

    def header(key: str, name: str) -> dict[str, Any]:
        active = key == sort
        # A click on the active column turns its direction; on another, best first.
        direction = ("asc" if descending else "desc") if active else "desc"
        return {
            "key": key,
            "name": name,
            "active": active,
            "aria_sort": ("descending" if descending else "ascending") if active else "",
            "query": _period_query(root, period, sort=key, dir=direction),
        }

    sort_name = dict([("total", "Tổng điểm"), *groups])[sort]
    context.update(
        period=period,
        form=_form(request.GET, period),
        sort=sort,
        sort_name=sort_name,
        descending=descending,
        total_header=header("total", "Tổng điểm"),
        group_headers=[header(key, name) for key, name in groups],
        rows=_score_rows(ranked, groups, period),
        apart=_apart_rows(apart, period),
        link_apart="/chi-so/",
        query=_period_query(root, period, sort=sort, dir="desc" if descending else "asc"),
    )
    return render(request, "index/ranking.html", context)


# ---------------------------------------------------------------- public page


def _public_scores(agencies: list[Agency], period: Period) -> list[exports.AgencyScore]:
    """Cached a few minutes: anyone may ask, and each agency costs a few queries."""
    key = "index-public:" + ",".join(str(a.pk) for a in agencies) + f":{period.start}:{period.end}"
    found = cache.get(key)
    if found is None:
        found = exports.agency_scores(agencies, period)
        cache.set(key, found, PUBLIC_CACHE_SECONDS)
    return found


def public(request: HttpRequest) -> HttpResponse:
    """The index of the province (or the agency asked for) and of each agency directly below
    it, as the national portal publishes it: agency-level numbers only."""
    roots = list(Agency.objects.filter(parent__isnull=True).order_by("code"))
    code = request.GET.get("agency", "").strip()[:64]
    agency = Agency.objects.filter(code=code).first() if code else (roots[0] if roots else None)
    context: dict[str, Any] = {"agency": agency, "roots": roots}
    if agency is None:
        message = _("Không có cơ quan mã '%(code)s'.") % {"code": code} if code else ""
        context.update(error=message or _("Chưa có cơ quan nào."), form=_form(request.GET, None))
        return render(request, "index/public.html", context, status=404 if code else 200)
    try:
        period = parse_period(request.GET, today=timezone.localdate())
    except ValidationFailed as error:
        context.update(error=error.message, form=_form(request.GET, None))
        return render(request, "index/public.html", context, status=400)

    groups = _group_names(period)
    children = list(
        Agency.objects.filter(parent=agency).exclude(merged_on__lte=period.start).order_by("code")
    )
    scores = _public_scores([agency, *children], period)
    own, below = scores[0], scores[1:]
    ranked = exports.ranked(below, key="total", descending=True)
    apart = exports.without_dossiers(below)
    if request.GET.get("format") == "xlsx":
        return _download(
            exports.scores_xlsx(
                title="Chỉ số phục vụ người dân, doanh nghiệp (công khai)",
                root=agency,
                period=period,
                rows=[exports.Ranked(0, own), *ranked] if own.has_dossiers else ranked,
                groups=groups,
                apart=apart if own.has_dossiers else [own, *apart],
            ),
            exports.XLSX_CONTENT_TYPE,
            exports.attachment_name("chi-so-cong-khai", agency, period, "xlsx"),
        )
    with_children = set(
        Agency.objects.filter(parent__in=children).values_list("parent_id", flat=True)
    )
    rows = _score_rows(ranked, groups, period)
    apart_rows = _apart_rows(apart, period)
    for row in [*rows, *apart_rows]:
        row["has_children"] = row["agency"].pk in with_children
    context.update(
        period=period,
        form=_form(request.GET, period),
        groups=groups,
        own=_score_rows([exports.Ranked(0, own)], groups, period)[0],
        group_chart=bar_chart(
            [
                Bar(
                    name,
                    own.groups.get(key, 0.0),
                    top,
                    f"{number_vi(own.groups.get(key, 0.0))} / {number_vi(top, 0)}",
                )
                for key, name, top in _group_maxima(period)
            ],
            chart_id="chart-public-groups",
            title=_("Điểm theo nhóm chỉ số"),
            description=_("Tổng điểm %(total)s trên 100, xếp loại %(band)s.")
            % {"total": number_vi(own.total), "band": own.band_label},
        ),
        own_has_dossiers=own.has_dossiers,
        rows=rows,
        apart=apart_rows,
        parent=agency.parent,
        parent_query=_period_query(agency.parent, period) if agency.parent else "",
        query=_period_query(agency, period),
    )
    return render(request, "index/public.html", context)


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("xep-hang/", ranking, name="ranking"),
    path("cong-khai/", public, name="public"),
]
