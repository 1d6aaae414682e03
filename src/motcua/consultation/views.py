"""The public pages of the consultation portal under `/gop-y/`: drafts open and closed, a draft
with its sections and published comments, the comment form, the summary after close, the
search over drafts and procedures, a procedure's compliance cost and the simplification plans
(with their XLSX). No sign-in to read; commenting is open to all (anonymous comments are held
for moderation). Each view parses input, calls one service or selector, and renders."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from motcua.catalog.models import Procedure
from motcua.catalog.selectors import procedure_published, procedure_search_page
from motcua.consultation.checks import RAW_MAX, TEXT_MAX
from motcua.consultation.cost import RANGES, money_vi
from motcua.consultation.exports import XLSX_CONTENT_TYPE, plan_xlsx
from motcua.consultation.models import Comment, Draft, SimplificationPlan
from motcua.consultation.selectors import (
    draft_hits,
    draft_with_public_comments,
    plan_figures,
    public_drafts,
    summary_lines,
)
from motcua.consultation.services import comment_submit, procedure_cost, takes_comments
from motcua.core.errors import MotcuaError, ValidationFailed
from motcua.core.http import client_ip

PAGE_SIZE = 20
SENT = {"cho": "held", "cong-khai": "published"}


def _page_number(request: HttpRequest, name: str = "trang") -> int:
    raw = request.GET.get(name, "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 6 and int(raw) > 0 else 1


def _public_draft(pk: int) -> Draft:
    draft = public_drafts().filter(pk=pk).first()
    if draft is None:
        raise Http404("Không có dự thảo này.")
    return draft


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    drafts = list(public_drafts().order_by("-published_at", "-pk")[:200])
    return render(
        request,
        "consultation/home.html",
        {
            "open": [d for d in drafts if takes_comments(d, today=today)],
            "ended": [d for d in drafts if not takes_comments(d, today=today)],
            "plans": SimplificationPlan.objects.select_related("agency")[:20],
            "today": today,
        },
    )


def _draft_page(
    request: HttpRequest,
    draft: Draft,
    *,
    error: str = "",
    status: int = 200,
    form: Any = None,
) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "draft": draft,
        "sections": draft_with_public_comments(draft),
        "open": takes_comments(draft, today=today),
        "sent": SENT.get(request.GET.get("da_gui", ""), ""),
        "error": error,
        "form": form or {},
        "text_max": TEXT_MAX,
        "raw_max": RAW_MAX,
    }
    return render(request, "consultation/draft.html", context, status=status)


@require_GET
def draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _draft_page(request, _public_draft(pk))


@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    """Open to everyone by design (a public consultation): anonymous senders give a name and a
    contact and are held for moderation; every sender is rate-limited by address."""
    draft = _public_draft(pk)
    raw = request.POST.get("phan", "")
    section = (
        draft.sections.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 12 else None
    )
    try:
        if section is None:
            raise ValidationFailed(
                _("Chọn phần của dự thảo mà bạn góp ý."), fields={"phan": "required"}
            )
        made = comment_submit(
            actor=request.user if request.user.is_authenticated else None,  # type: ignore[arg-type]
            section=section,
            text=request.POST.get("noi_dung", ""),
            name=request.POST.get("ho_ten", ""),
            contact=request.POST.get("lien_he", ""),
            address=client_ip(request),
        )
    except MotcuaError as error:
        return _draft_page(
            request, draft, error=error.message, status=error.status, form=request.POST
        )
    sent = "cho" if made.state == Comment.State.PENDING else "cong-khai"
    url = reverse("consultation:draft", args=[draft.pk])
    return HttpResponseRedirect(f"{url}?da_gui={sent}#phan-{section.position}")


@require_GET
def summary(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _public_draft(pk)
    closed = draft.status == Draft.Status.CLOSED
    return render(
        request,
        "consultation/summary.html",
        {
            "draft": draft,
            "closed": closed,
            "lines": summary_lines(draft) if closed else [],
            "sections": draft_with_public_comments(draft) if closed else [],
        },
    )


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    drafts = Paginator(draft_hits(query) if query.strip() else Draft.objects.none(), PAGE_SIZE)
    draft_page = drafts.get_page(_page_number(request, "trang_dt"))
    number = _page_number(request, "trang_tt")
    procedures = (
        procedure_search_page(query, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
        if query.strip()
        else None
    )
    return render(
        request,
        "consultation/search.html",
        {
            "q": query,
            "drafts": draft_page,
            "procedures": procedures,
            "procedure_page": number,
            "procedure_pages": -(-procedures.count // PAGE_SIZE) if procedures else 0,
        },
    )


def _cost_rows(params) -> list[tuple[str, str]]:
    return [
        (str(RANGES["hours"].label), f"{params.hours}".replace(".", ",")),
        (str(RANGES["hourly_cost"].label), money_vi(params.hourly_cost)),
        (str(RANGES["fees"].label), money_vi(params.fees)),
        (str(RANGES["other_costs"].label), money_vi(params.other_costs)),
        (str(RANGES["frequency"].label), f"{params.frequency}".replace(".", ",")),
        (str(RANGES["subjects"].label), f"{params.subjects:,}".replace(",", ".")),
    ]


@require_GET
def cost(request: HttpRequest, code: str) -> HttpResponse:
    procedure: Procedure | None = procedure_published(code[:64])
    if procedure is None:
        raise Http404("Không có thủ tục này.")
    params = procedure_cost(procedure)
    return render(
        request,
        "consultation/cost.html",
        {
            "procedure": procedure,
            "params": params,
            "rows": _cost_rows(params) if params else [],
            "per_application": money_vi(params.per_application) if params else "",
            "per_year": money_vi(params.per_year) if params else "",
        },
    )


@require_GET
def plans(request: HttpRequest) -> HttpResponse:
    page = Paginator(SimplificationPlan.objects.select_related("agency"), PAGE_SIZE).get_page(
        _page_number(request)
    )
    return render(request, "consultation/plans.html", {"page": page})


@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(SimplificationPlan.objects.select_related("agency"), pk=pk)
    figures = plan_figures(plan)
    return render(
        request,
        "consultation/plan.html",
        {
            "plan": plan,
            "figures": figures,
            "lines": [
                {
                    "line": line,
                    "before": money_vi(line.before.per_year),
                    "after": money_vi(line.after.per_year),
                    "saving": money_vi(line.saving),
                }
                for line in figures.lines
            ],
            "before": money_vi(figures.before),
            "after": money_vi(figures.after),
            "saving": money_vi(figures.saving),
        },
    )


@require_GET
def plan_export(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(SimplificationPlan.objects.select_related("agency"), pk=pk)
    response = HttpResponse(plan_xlsx(plan), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="phuong-an-{plan.pk}.xlsx"'
    return response
