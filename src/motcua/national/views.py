"""The national portal's public pages (national mode only): the ranking of the provinces for
a period, then province → agency → indicator → the synchronised dossiers behind it.

Everything here is public except the applicant's ID in the dossier list, shown only to
signed-in national staff (`is_staff`, or a leader's or administrator's role) and audited.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.errors import NotFound, ValidationFailed
from motcua.directory.models import Role, StaffRole
from motcua.index.charts import money_vi, number_vi
from motcua.index.engine import BAND_LABELS, Period, definition_for
from motcua.index.views_dashboard import parse_period
from motcua.national.selectors import (
    Scored,
    agencies_scored,
    agency_scored,
    counts_dossiers,
    figures_from,
    indicator_of,
    indicator_snapshots,
    province_scored,
    provinces_scored,
)

app_name = "national"
SNAPSHOTS_SHOWN = 200
STATUS_LABELS = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}


def national_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.MOTCUA_MODE != "national":
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            return render(request, "national/error.html", {"error": error.message}, status=404)

    return wrapped


def is_national_staff(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        bool(user.is_staff)
        or StaffRole.objects.filter(user=user, role__in=(Role.LEADER, Role.ADMIN)).exists()
    )


def _period(request: HttpRequest) -> tuple[Period | None, str]:
    try:
        return parse_period(request.GET, today=timezone.localdate()), ""
    except ValidationFailed as error:
        return None, error.message


def _query(period: Period) -> str:
    return urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})


def _form(request: HttpRequest, period: Period | None) -> dict[str, str]:
    if period is None:
        return {"from": request.GET.get("from", "")[:32], "to": request.GET.get("to", "")[:32]}
    return {"from": f"{period.start:%d/%m/%Y}", "to": f"{period.end:%d/%m/%Y}"}


def _row(rank: int | None, scored: Scored) -> dict[str, Any]:
    return {
        "rank": rank,
        "code": scored.code,
        "name": scored.name,
        "total": number_vi(scored.total),
        "band": BAND_LABELS.get(scored.result["band"], scored.result["band"]),
        "band_key": scored.result["band"],
        "received": number_vi(scored.metrics.get("received", 0), 0),
        "finished": number_vi(scored.metrics.get("finished", 0), 0),
        "groups": [number_vi(g["score"]) for g in scored.result["groups"]],
    }


def _rows(scored: list[Scored]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    ranked = [s for s in scored if s.ranked]
    return (
        [_row(rank, s) for rank, s in enumerate(ranked, start=1)],
        [_row(None, s) for s in scored if not s.ranked],
    )


def _groups(period: Period) -> list[str]:
    return [group["name"] for group in definition_for(period)["groups"]]


@national_only
def ranking_page(request: HttpRequest) -> HttpResponse:
    period, error = _period(request)
    context: dict[str, Any] = {"form": _form(request, period), "error": error}
    if period is None:
        return render(request, "national/ranking.html", context, status=400)
    scored = provinces_scored(period)
    rows, apart = _rows(scored)
    figures = figures_from(scored)
    context.update(
        period=period,
        query=_query(period),
        rows=rows,
        apart=apart,
        groups=_groups(period),
        figures={
            "online": number_vi(figures["dossiers_online"], 0),
            "synced": number_vi(figures["dossiers_synced"], 0),
            "payments": number_vi(figures["payments_online_count"], 0),
            "amount": money_vi(figures["payments_online_amount"]),
        },
    )
    return render(request, "national/ranking.html", context)


@national_only
def province_page(request: HttpRequest, province: str) -> HttpResponse:
    period, error = _period(request)
    scored = province_scored(province, period) if period else None
    context: dict[str, Any] = {
        "province": province,
        "form": _form(request, period),
        "error": error,
    }
    if period is None or scored is None:
        return render(request, "national/province.html", context, status=400)
    rows, apart = _rows(agencies_scored(province, period))
    context.update(
        period=period,
        query=_query(period),
        own=_row(None, scored),
        has_dossiers=scored.ranked,
        province_name=scored.name,
        result_groups=[
            {"name": name, "score": number_vi(group["score"]), "max": group["max"]}
            for name, group in zip(_groups(period), scored.result["groups"], strict=True)
        ],
        groups=_groups(period),
        rows=rows,
        apart=apart,
    )
    return render(request, "national/province.html", context)


def _indicator_rows(scored: Scored, period: Period) -> list[dict[str, Any]]:
    names = {
        i["key"]: (group["name"], i["name"])
        for group in definition_for(period)["groups"]
        for i in group["indicators"]
    }
    rows = []
    for group in scored.result["groups"]:
        for item in group["indicators"]:
            group_name, name = names.get(item["key"], ("", item["key"]))
            rows.append(
                {
                    **item,
                    "group": group_name,
                    "name": name,
                    "score_text": number_vi(item["score"]),
                    "ratio": (
                        f"{number_vi(100 * item['numerator'] / item['denominator'])} %"
                        if item["applicable"]
                        else "—"
                    ),
                    "dossiers": counts_dossiers(indicator_of(period, item["key"])),
                }
            )
    return rows


@national_only
def agency_page(request: HttpRequest, province: str, agency: str) -> HttpResponse:
    period, error = _period(request)
    context: dict[str, Any] = {
        "province": province,
        "agency": agency,
        "form": _form(request, period),
        "error": error,
    }
    if period is None:
        return render(request, "national/agency.html", context, status=400)
    province_name = province_scored(province, period).name
    scored = agency_scored(province, agency, period)
    context.update(
        period=period,
        query=_query(period),
        province_name=province_name,
        agency_name=scored.name,
        own=_row(None, scored),
        indicators=_indicator_rows(scored, period),
    )
    return render(request, "national/agency.html", context)


@national_only
def indicator_page(request: HttpRequest, province: str, agency: str, key: str) -> HttpResponse:
    period, error = _period(request)
    context: dict[str, Any] = {
        "province": province,
        "agency": agency,
        "form": _form(request, period),
        "error": error,
    }
    if period is None:
        return render(request, "national/indicator.html", context, status=400)
    scored = agency_scored(province, agency, period)
    indicator = indicator_of(period, key)
    found = indicator_snapshots(
        province=province, agency=agency, period=period, indicator=indicator
    )
    if found is None:
        raise NotFound(_("Chỉ tiêu này tính theo danh mục thủ tục, không theo hồ sơ."))
    rows, numerator = found
    total = rows.count()
    shown = list(rows[:SNAPSHOTS_SHOWN])
    in_numerator = set(
        rows.filter(numerator).filter(pk__in=[s.pk for s in shown]).values_list("pk", flat=True)
    )
    staff = is_national_staff(request.user)
    if staff and shown:
        audit_record(
            actor=request.user,
            action="national.snapshots_read",
            object_type="national.indicator",
            object_id=f"{province}/{agency[:40]}/{key[:16]}",
            data={"codes": [s.code for s in shown]},
        )
    context.update(
        period=period,
        query=_query(period),
        province_name=province_scored(province, period).name,
        agency_name=scored.name,
        indicator=indicator,
        staff=staff,
        total=total,
        limit=SNAPSHOTS_SHOWN,
        snapshots=[
            {
                "code": s.code,
                "procedure": s.procedure_name or s.procedure_code,
                "status": STATUS_LABELS.get(s.status, str(s.status)),
                "received_at": s.received_at,
                "due_at": s.due_at,
                "finished_at": s.finished_at,
                "counted": s.pk in in_numerator,
                "applicant_id": s.applicant_id if staff else "",
            }
            for s in shown
        ],
    )
    return render(request, "national/indicator.html", context)


urlpatterns = [
    path("", ranking_page, name="ranking"),
    path("<str:province>/", province_page, name="province"),
    path("<str:province>/co-quan/<str:agency>/", agency_page, name="agency"),
    path(
        "<str:province>/co-quan/<str:agency>/chi-tieu/<str:key>/", indicator_page, name="indicator"
    ),
]
