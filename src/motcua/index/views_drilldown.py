"""Drill-down from an indicator to dossiers and officers, and early warnings.

Each view parses its input, asks `index.drilldown` (reads only) and renders. Anonymous people
are sent to sign in; a refusal is a 403 page, an unknown thing a 404 page and bad input a 400
page, never a 500.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import NotFound, PermissionDenied
from motcua.directory.models import Agency, StaffRole, User
from motcua.directory.selectors import (
    AgencyScope,
    agency_scope,
    agency_subtree_ids,
    user_roles,
)
from motcua.dossiers.selectors import dossier_get_for_actor
from motcua.index import drilldown
from motcua.index.access import agency_for_leader, leader_agency_ids, leader_root_agencies
from motcua.index.engine import Period, definition_for
from motcua.pages import signed_in_page

PAGE_SIZE = 50
_MAX_ID = 2**63 - 1


_page = signed_in_page("index/indicator_error.html")


def _period(request: HttpRequest, *, default_start: date | None = None) -> Period:
    return drilldown.period_parse(
        request.GET.get("from") or (default_start.isoformat() if default_start else None),
        request.GET.get("to"),
        today=timezone.localdate(),
    )


def _leader_scope(request: HttpRequest) -> tuple[Agency, Period]:
    """The agency a leader asked for (default: the top agency they lead) and the period."""
    code = request.GET.get("agency", "")
    if code:
        agency = agency_for_leader(request.user, code)  # type: ignore[arg-type]
    else:
        roots = leader_root_agencies(request.user)  # type: ignore[arg-type]
        if not roots:
            raise PermissionDenied(_("Trang này dành cho lãnh đạo theo dõi chỉ số."))
        agency = roots[0]
    return agency, _period(request)


def _query(agency: Agency, period: Period) -> str:
    return urlencode(
        {"agency": agency.code, "from": period.start.isoformat(), "to": period.end.isoformat()}
    )


def _agency_choices(user: Any, agency: Agency) -> list[Agency]:
    """The agencies a leader can switch to from the form: their top agencies and the ones
    directly below them (the full subtree may hold thousands of communes)."""
    roots = leader_root_agencies(user)
    children = Agency.objects.filter(parent__in=roots).order_by("code")
    choices = {a.pk: a for a in [*roots, *children]}
    choices.setdefault(agency.pk, agency)
    return sorted(choices.values(), key=lambda a: a.code)


def _officer_agencies(scope: AgencyScope, period: Period) -> set[int]:
    """Whose officers' steps count under the scope's agency for the officer lines: its
    subtree, and the agencies merged into it by the period's last day (the organisation as it
    then stands, as the catalog metrics read it), so a successor's leader sees the steps of
    the staff it took over; a period before the merger reads as it always did."""
    return scope.tree() | set(scope.ids_on(period.end))


@_page
def indicator(request: HttpRequest, key: str) -> HttpResponse:
    """Why an indicator lost points: the dossiers or procedures that kept it below full."""
    agency, period = _leader_scope(request)
    # The reading rule of merged agencies, as the index: the dossiers by their own day, the
    # catalog as the organisation stands on the period's last day.
    scope = agency_scope([agency])
    catalog_ids = set(scope.ids_on(period.end))
    view = drilldown.indicator_view(
        spec=definition_for(period), key=key, scope=scope, period=period
    )
    if view is None:
        raise NotFound(_("Không có chỉ tiêu '%(key)s'.") % {"key": key[:50]})
    rows: list[Any] = []
    page: Page[Any] | None = None
    officers: list[drilldown.OfficerLine] = []
    if view.kind == "dossiers":
        page = Paginator(drilldown.LostDossierList(view, scope, period), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        rows = drilldown.lost_dossier_rows(view, list(page.object_list), drilldown.Calendars())
        if view.numerator_metric == "finished_on_time":
            now = timezone.now()
            officer_ids = _officer_agencies(scope, period)
            officers = drilldown.officer_lines_in_period(officer_ids, period, now=now)[:10]
            drilldown.count_delayed(officers, officer_ids, period, now=now)
    elif view.kind == "procedures":
        page = Paginator(drilldown.lost_procedures(view, catalog_ids), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        rows = drilldown.lost_procedure_rows(view, page.object_list)
    elif view.kind == "publications":
        page = Paginator(
            drilldown.late_publications(view, catalog_ids, period), PAGE_SIZE
        ).get_page(request.GET.get("page"))
        rows = list(page.object_list)
    return render(
        request,
        "index/indicator.html",
        {
            "agency": agency,
            "period": period,
            "query": _query(agency, period),
            "view": view,
            "rows": rows,
            "page": page,
            "officers": officers,
            "first": 1,
            "agencies": _agency_choices(request.user, agency),
        },
    )


def _is_staff(user: Any) -> bool:
    return bool(user.is_superuser or user_roles(user))


@_page
def dossier(request: HttpRequest, code: str) -> HttpResponse:
    """An overdue dossier's story: each step, who held it, its working time against its budget."""
    if not _is_staff(request.user):
        raise PermissionDenied(_("Trang này dành cho cán bộ, lãnh đạo."))
    found = dossier_get_for_actor(request.user, code[:96])  # type: ignore[arg-type]
    story = drilldown.dossier_story(found, now=timezone.now())
    led = leader_agency_ids(request.user)  # type: ignore[arg-type]
    officer_query = ""
    if found.agency_id in led:
        asked = request.GET.get("agency", "")
        scope = Agency.objects.filter(code=asked, pk__in=led).first() if asked else None
        received = timezone.localtime(found.received_at).date() if found.received_at else None
        officer_query = _query(scope or found.agency, _period(request, default_start=received))
    back = request.GET.get("back", "")
    return render(
        request,
        "index/dossier.html",
        {
            "story": story,
            "dossier": story.dossier,
            "officer_query": officer_query,
            # Only a path inside the index pages, so the link cannot lead elsewhere.
            "back": back if back.startswith("/chi-so/") and "//" not in back else "",
        },
    )


def _officer(user_id: int) -> User:
    staff = StaffRole.objects.filter(user_id=user_id)
    officer = User.objects.filter(pk=user_id).first() if user_id <= _MAX_ID else None
    if officer is None or not staff.exists():
        raise NotFound(_("Không có cán bộ này."))
    return officer


@_page
def officer(request: HttpRequest, user_id: int) -> HttpResponse:
    """One officer's steps in the period: how many ran over budget, by how much, and the
    overdue dossiers they delayed; the steps and the dossiers each paged (`page`, `tre`)."""
    agency, period = _leader_scope(request)
    person = _officer(user_id)
    found = drilldown.officer_period(
        _officer_agencies(agency_scope([agency]), period),
        period,
        now=timezone.now(),
        officer=person,
    )
    page = Paginator(found.steps, PAGE_SIZE).get_page(request.GET.get("page"))
    delayed = Paginator(found.delayed, PAGE_SIZE).get_page(request.GET.get("tre"))
    query = _query(agency, period)
    return render(
        request,
        "index/officer.html",
        {
            "agency": agency,
            "period": period,
            "query": query,
            "person": person,
            "roles": StaffRole.objects.filter(user=person).select_related("agency"),
            "line": found.line,
            "page": page,
            "delayed": delayed,
            # Each pager keeps the other list on the page it shows.
            "steps_query": f"{query}&tre={delayed.number}" if delayed.number > 1 else query,
            "delayed_query": f"{query}&page={page.number}" if page.number > 1 else query,
            "agencies": _agency_choices(request.user, agency),
        },
    )


@_page
def responsibility(request: HttpRequest) -> HttpResponse:
    """Officers of an agency (and below) ranked by steps over budget in the period."""
    agency, period = _leader_scope(request)
    now = timezone.now()
    officer_ids = _officer_agencies(agency_scope([agency]), period)
    lines = drilldown.officer_lines_in_period(officer_ids, period, now=now)
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    drilldown.count_delayed(list(page.object_list), officer_ids, period, now=now)
    return render(
        request,
        "index/officer_responsibility.html",
        {
            "agency": agency,
            "period": period,
            "query": _query(agency, period),
            "officers": page.object_list,
            "page": page,
            "first": page.start_index(),
            "totals": {
                "officers": len(lines),
                "steps": sum(line.step_count for line in lines),
                "over": sum(line.over_count for line in lines),
            },
            "agencies": _agency_choices(request.user, agency),
        },
    )


@_page
def warnings(request: HttpRequest) -> HttpResponse:
    """Open dossiers due within the next working day or already past due: a leader sees the
    agencies below theirs, any other staff member the agencies they work in."""
    user = request.user
    led = leader_agency_ids(user)  # type: ignore[arg-type]
    own = {agency_id for agency_id, _role in user_roles(user)}  # type: ignore[arg-type]
    code = request.GET.get("agency", "")
    agency = Agency.objects.filter(code=code).first() if code else None
    if code:
        if agency is not None and agency.pk in led:
            ids = agency_subtree_ids([agency.pk])
        elif agency is not None and agency.pk in own:
            ids = {agency.pk}
        else:
            raise PermissionDenied(_("Bạn không có quyền xem hồ sơ của cơ quan này."))
    else:
        ids = led | own
        if not ids:
            raise PermissionDenied(_("Trang này dành cho cán bộ, lãnh đạo."))
    groups, cut = drilldown.warnings_for(ids, now=timezone.now())
    choices = {a.pk: a for a in leader_root_agencies(user)}  # type: ignore[arg-type]
    choices.update({a.pk: a for a in Agency.objects.filter(pk__in=own)})
    return render(
        request,
        "index/warnings.html",
        {
            "agency": agency,
            "groups": groups,
            "cut": cut,
            "limit": drilldown.WARNINGS_LIMIT,
            "total": sum(g.count for g in groups),
            "overdue": sum(g.overdue_count for g in groups),
            "led": led,
            "choices": sorted(choices.values(), key=lambda a: a.code),
        },
    )


urlpatterns: list[URLPattern] = [
    path("chi-tieu/<str:key>/", indicator, name="indicator"),
    path("ho-so/<str:code>/", dossier, name="dossier"),
    path("can-bo/<int:user_id>/", officer, name="officer"),
    path("trach-nhiem/", responsibility, name="responsibility"),
    path("canh-bao/", warnings, name="warnings"),
]
