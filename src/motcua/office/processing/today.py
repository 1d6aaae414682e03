"""An agency's day: received today, due today, overdue — by step and by officer."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from motcua.core.errors import NotFound, PermissionDenied, ValidationFailed
from motcua.directory.models import Agency, User
from motcua.directory.selectors import user_readable_agency_ids, user_roles
from motcua.dossiers.models import State
from motcua.office import queues
from motcua.office.processing.common import PAGE_SIZE, processing_page, querystring, staff_of

# --- 4. an agency's day ---------------------------------------------------------------------

# The officer's own receptions today, whatever the agency (`?section=cua-toi`).
MINE = "cua-toi"
MINE_TITLE = gettext_lazy("Bạn tiếp nhận hôm nay")


def _day_agency(user: User, code: str) -> Agency:
    readable = user_readable_agency_ids(user)
    if not code:
        own = sorted({agency for agency, _role in user_roles(user)})
        first = Agency.objects.filter(pk__in=own).order_by("code").first()
        if first is None:
            raise PermissionDenied(_("Trang này chỉ dành cho cán bộ của cơ quan giải quyết."))
        return first
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        raise NotFound(_("Không có cơ quan mã “%(code)s”.") % {"code": code[:64]})
    if agency.pk not in readable:
        raise PermissionDenied(
            _("Bạn không phải cán bộ của %(agency)s nên không xem được công việc của cơ quan này.")
            % {"agency": agency.name}
        )
    return agency


@processing_page
@require_GET
def today(request: HttpRequest) -> HttpResponse:
    """The agency's day: received today, due today, overdue — by step and by officer."""
    user = staff_of(request)
    agency = _day_agency(user, request.GET.get("agency", "").strip())
    now = timezone.now()
    summaries = [queues.day_summary(agency, key, now) for key in queues.DAY_SECTIONS]
    mine = queues.received_by_summary(user, now)
    section = request.GET.get("section", "")
    step = request.GET.get("step", "")
    state = request.GET.get("state", "")
    officer = request.GET.get("officer", "")
    receiver = request.GET.get("receiver", "")
    if section and section not in queues.DAY_SECTIONS and section != MINE:
        raise ValidationFailed(_("Mục “%(value)s” không hợp lệ.") % {"value": section[:50]})
    if state and state not in State.values:
        raise ValidationFailed(_("Trạng thái “%(value)s” không hợp lệ.") % {"value": state[:50]})
    for value in (officer, receiver):
        if value and value != queues.UNASSIGNED and not (value.isdigit() and len(value) < 19):
            raise ValidationFailed(_("Cán bộ “%(value)s” không hợp lệ.") % {"value": value[:50]})
    page = None
    if section == MINE:
        page = Paginator(
            queues.received_by(user, now)
            .select_related("procedure", "current_step", "assignee", "agency")
            .order_by("-received_at", "id"),
            PAGE_SIZE,
        ).get_page(request.GET.get("page"))
    elif section:
        page = Paginator(
            queues.day_list(
                agency, section, now, step=step, state=state, officer=officer, receiver=receiver
            ),
            PAGE_SIZE,
        ).get_page(request.GET.get("page"))
    own = {a for a, _role in user_roles(user)}
    choices = list(Agency.objects.filter(pk__in=own).order_by("code").only("code", "name"))
    group_label = ""
    if section in queues.DAY_SECTIONS:
        summary = next(s for s in summaries if s.key == section)
        for group in [*summary.by_step, *summary.by_officer, *summary.by_receiver]:
            chosen = (
                {"step": step},
                {"state": state},
                {"officer": officer},
                {"receiver": receiver},
            )
            if group.params in chosen:
                group_label = group.label
    return render(
        request,
        "office/today.html",
        {
            "agency": agency,
            "agencies": choices if len(choices) > 1 or agency not in choices else [],
            "summaries": summaries,
            "mine": mine,
            "mine_total": sum(group.count for group in mine),
            "section": section,
            "section_title": MINE_TITLE
            if section == MINE
            else queues.DAY_SECTIONS.get(section, ""),
            "group_label": group_label,
            "page": page,
            "now": now,
            "base_query": urlencode({"agency": agency.code}),
            "list_query": querystring(
                {
                    "agency": agency.code,
                    "section": section,
                    "step": step,
                    "state": state,
                    "officer": officer,
                    "receiver": receiver,
                }
            ),
        },
    )
