"""The counter's queue: online submissions to check, results to hand back, walk-in drafts,
and the processing officers' asks for a supplement."""

from __future__ import annotations

import re
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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


def _page(request: HttpRequest, queryset: QuerySet[Dossier], param: str) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get(param))


def _queue(agency_ids: set[int], state: str, order: tuple[str, ...]) -> QuerySet[Dossier]:
    return (
        Dossier.objects.filter(agency_id__in=agency_ids, state=state)
        .select_related("procedure", "agency")
        .only(
            "reference",
            "code",
            "channel",
            "submitted_at",
            "finished_at",
            "created_at",
            "due_at",
            "procedure__code",
            "procedure__name",
            "agency__name",
        )
        .order_by(*order)
    )


def _asked_for_supplement(agency_ids: set[int]) -> list[Dossier]:
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
        .select_related("procedure")
        .only("code", "reference", "procedure__code", "procedure__name")
        .order_by("asked_at", "id")[:ASKED_LIMIT]
    )


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
        .select_related("procedure")
        .only("reference", "created_at", "procedure__code", "procedure__name")
        .order_by("-created_at", "-id")[:DRAFTS_LIMIT]
    )
    context = {
        "submitted": _page(
            request, _queue(agency_ids, State.SUBMITTED, ("submitted_at", "id")), "trang"
        ),
        "ready": _page(
            request, _queue(agency_ids, State.RESULT_READY, ("finished_at", "id")), "trang_kq"
        ),
        "drafts": list(drafts),
        "asked": _asked_for_supplement(agency_ids),
        "many_agencies": len(agency_ids) > 1,
        "refunds_open": refunds_open_count(agency_ids),
        "error": error,
    }
    return render(request, "office/counter_home.html", context, status=400 if error else 200)
