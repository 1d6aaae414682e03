"""The personal work queue: the dossiers at a step the user holds, nearest due first."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from motcua.core.errors import PermissionDenied
from motcua.directory.selectors import user_roles
from motcua.dossiers.models import State
from motcua.office import forms_processing as f
from motcua.office import queues
from motcua.office.processing.common import PAGE_SIZE, processing_page, querystring, staff_of
from motcua.office.queues import Calendars, Thresholds

CHIP_CSS: dict[str, str] = {State.SUSPENDED.value: "paused", State.TRANSFERRED.value: "transferred"}


@processing_page
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The dossiers at a step the user holds, nearest due moment first."""
    user = staff_of(request)
    if not any(role in queues.STEP_ROLES for _agency, role in user_roles(user)):
        raise PermissionDenied(
            _("Danh sách hồ sơ cần xử lý dành cho chuyên viên xử lý và lãnh đạo phê duyệt.")
        )
    agencies = queues.queue_agencies(user)
    form = f.QueueFilterForm(
        request.GET or None, agencies=agencies, procedures=queues.queue_procedures(agencies)
    )
    errors: list[str] = []
    flt = queues.QueueFilter()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        flt = queues.QueueFilter(
            status=data["status"],
            procedure=form.procedures.get(data["procedure"]),
            agency=form.agencies.get(data["agency"]),
            q=data["q"],
        )
    elif form.is_bound:
        errors = [str(message) for field in form.errors.values() for message in field]
    now = timezone.now()
    calendars = Calendars()
    thresholds = Thresholds.at(now, calendars)
    condition = queues.queue_filter(flt, thresholds)
    # Built once for both queries: composing the union of its parts is a large part of
    # the ORM's work on this page.
    scope = queues.queue_scope(user)
    counts = queues.queue_counts(scope, thresholds, condition)
    page = queues.CountedPaginator(
        queues.queue_ids(scope, condition), PAGE_SIZE, count=counts["matching"]
    ).get_page(request.GET.get("page"))
    dossiers = queues.queue_fetch(list(page.object_list))
    params = {k: request.GET.get(k, "") for k in ("q", "status", "procedure", "agency")}
    chips = [
        {
            "key": key,
            "label": label,
            "count": counts[key],
            "css": CHIP_CSS.get(key, key),
            "query": urlencode({"status": key}),
        }
        for key, label in queues.QUEUE_FILTERS.items()
    ]
    return render(
        request,
        "office/processing_queue.html",
        {
            "form": form,
            "selects": {name: form.select(name) for name in ("status", "procedure", "agency")},
            "errors": errors,
            "page": page,
            "rows": queues.queue_rows(dossiers, now, calendars),
            "chips": chips,
            "total": counts["total"],
            "filtered": any(params.values()),
            "params": params,
            "query": querystring(params),
            "now": now,
        },
        status=400 if errors else 200,
    )
