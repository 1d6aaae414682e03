"""The counter's queue: online submissions to check, results to hand back, walk-in drafts,
and the processing officers' asks for a supplement."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast
from urllib.parse import quote

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.directory.models import User
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Channel, Dossier, DossierEvent, State
from motcua.office.counter.common import counter_required
from motcua.office.queues import ASK_SUPPLEMENT
from motcua.payments.selectors import refunds_open_count

PAGE_SIZE = 50
CODE_SHAPE = re.compile(r"[A-Za-z0-9.\-]+")

DRAFTS_LIMIT = 20
ASKED_LIMIT = 50

# ---------------------------------------------------------------- the queue


# What a row of the two queues shows: named tuples, not dossiers, since a page of model
# instances cost more than its query.
ROW_FIELDS = (
    "pk",
    "code",
    "reference",
    "submitted_at",
    "finished_at",
    "due_at",
    "procedure__code",
    "procedure__name",
    "agency__name",
)


def _page(request: HttpRequest, queryset: QuerySet[Dossier], param: str) -> Any:
    """One page of a queue. The rows' fields are chosen on the page's slice only: chosen
    before, their joins would go into the count over the whole queue too."""
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get(param))
    rows = cast("QuerySet[Dossier]", page.object_list)
    page.object_list = rows.values_list(*ROW_FIELDS, named=True)
    return page


def _queue(agency_ids: set[int], state: str, order: tuple[str, ...]) -> QuerySet[Dossier]:
    return Dossier.objects.filter(agency_id__in=agency_ids, state=state).order_by(*order)


def _asked_for_supplement(agency_ids: set[int]) -> list[Any]:
    """Dossiers whose processing officer asked the counter to request a supplement from the
    applicant (only the counter talks to applicants), and the counter has not yet done so."""
    asks = DossierEvent.objects.filter(dossier=OuterRef("pk"), action=ASK_SUPPLEMENT).order_by(
        "-seq"
    )
    answered = DossierEvent.objects.filter(
        dossier=OuterRef("pk"), action=Action.REQUEST_SUPPLEMENT, seq__gt=OuterRef("asked_seq")
    )
    return list(
        Dossier.objects.filter(agency_id__in=agency_ids, state=State.IN_PROGRESS)
        .annotate(
            asked_seq=Subquery(asks.values("seq")[:1]),
            asked_at=Subquery(asks.values("at")[:1]),
            asked_note=Subquery(asks.values("note")[:1]),
        )
        .filter(asked_seq__isnull=False)
        .exclude(Exists(answered))
        .order_by("asked_at", "id")
        .values_list(
            "pk", "code", "reference", "procedure__name", "asked_at", "asked_note", named=True
        )[:ASKED_LIMIT]
    )


def _moment(value: datetime | None) -> str:
    # As the template's `date:"H:i d/m/Y"` wrote it, in the current time zone.
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y") if value is not None else ""


def _url_for_code(name: str) -> Callable[[str], str]:
    """`reverse(name, kwargs={"code": code})` for a page of codes at the price of one
    `reverse`: a hundred of them were a tenth of the page. The code is quoted as `reverse`
    quotes it."""
    marker = "__code__"
    pattern = reverse(name, kwargs={"code": marker})
    return lambda code: pattern.replace(marker, quote(code, safe=RFC3986_SUBDELIMS + "/~:@"))


def _rows(page: Any, moment: str, *, ready: bool) -> list[dict[str, Any]]:
    """What each row of a queue's page shows, as strings for the template to place (the
    template's lookups and `date` filters over 50 rows cost more than the queries)."""
    check = _url_for_code("office:counter_check")
    give_back = _url_for_code("office:counter_return")
    rows = []
    for number, d in enumerate(page.object_list, start=page.start_index()):
        code = d.code or d.reference
        rows.append(
            {
                "number": number,
                "code": code,
                "check_url": check(code),
                "return_url": give_back(code) if ready else "",
                "procedure": d.procedure__name,
                "procedure_code": d.procedure__code,
                "agency": d.agency__name,
                "at": _moment(getattr(d, moment)),
                "due": _moment(d.due_at) or "—",
            }
        )
    return rows


@require_http_methods(["GET"])
@counter_required
def home(request: HttpRequest, *, officer: User, agency_ids: set[int]) -> HttpResponse:
    """Online submissions waiting to be checked (oldest first) and results to hand back.
    No applicant names here: personal data is shown on the audited dossier pages only."""
    wanted = request.GET.get("ma", "").strip()[:96]
    error = ""
    if wanted and CODE_SHAPE.fullmatch(wanted):
        return redirect("office:counter_check", code=wanted)
    if wanted:
        error = _("Mã hồ sơ “%(code)s” không hợp lệ: chỉ gồm chữ, số, dấu chấm và gạch ngang.") % {
            "code": wanted
        }
    drafts = (
        Dossier.objects.filter(
            agency_id__in=agency_ids,
            state=State.DRAFT,
            channel__in=(Channel.DIRECT, Channel.POSTAL),
        )
        .order_by("-created_at", "-id")
        .values_list("pk", "reference", "created_at", "procedure__name", named=True)[:DRAFTS_LIMIT]
    )
    submitted = _page(request, _queue(agency_ids, State.SUBMITTED, ("submitted_at", "id")), "trang")
    ready = _page(
        request, _queue(agency_ids, State.RESULT_READY, ("finished_at", "id")), "trang_kq"
    )
    asked = _asked_for_supplement(agency_ids)
    check = _url_for_code("office:counter_check")
    context = {
        "submitted": submitted,
        "submitted_rows": _rows(submitted, "submitted_at", ready=False),
        "ready": ready,
        "ready_rows": _rows(ready, "finished_at", ready=True),
        "drafts": [
            {
                "url": check(d.reference),
                "reference": d.reference,
                "procedure": d.procedure__name,
                "at": _moment(d.created_at),
            }
            for d in drafts
        ],
        "asked": asked,
        "asked_rows": [
            {
                "url": check(d.code or d.reference),
                "code": d.code or d.reference,
                "procedure": d.procedure__name,
                "note": d.asked_note,
                "at": _moment(d.asked_at),
            }
            for d in asked
        ],
        "many_agencies": len(agency_ids) > 1,
        "refunds_open": refunds_open_count(agency_ids),
        "error": error,
    }
    return render(request, "office/counter_home.html", context, status=400 if error else 200)
