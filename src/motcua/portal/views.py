from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from motcua.catalog.models import Procedure, Sector
from motcua.catalog.selectors import procedure_search
from motcua.core.errors import NotFound
from motcua.dossiers.letters import letter_pdf
from motcua.dossiers.public import dossier_public
from motcua.dossiers.selectors import dossier_get_for_actor


def home(request: HttpRequest) -> HttpResponse:
    """The public catalog: search with or without diacritics, filter by sector and level."""
    query = request.GET.get("q", "")[:200]
    level = request.GET.get("level", "")
    level = level if level in Procedure.Level.values else ""
    sector_id = request.GET.get("sector", "")
    sector = int(sector_id) if sector_id.isdigit() else None
    procedures = procedure_search(query, sector_id=sector, level=level)
    return render(
        request,
        "portal/home.html",
        {
            "procedures": procedures,
            "query": query,
            "level": level,
            "sector": sector,
            "sectors": Sector.objects.all(),
            "levels": Procedure.Level.choices,
        },
    )


def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    procedure = (
        Procedure.objects.select_related("sector")
        .prefetch_related("documents", "fees", "agencies", "steps")
        .filter(code=code, is_active=True)
        .first()
    )
    if procedure is None:
        raise Http404("Không có thủ tục này.")
    return render(request, "portal/procedure.html", {"procedure": procedure})


def tracking_lookup(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("ma", "").strip()[:96]
    if code:
        return redirect("portal:tracking", code=code)
    return render(request, "portal/tracking.html", {"dossier": None, "code": ""})


def tracking(request: HttpRequest, code: str) -> HttpResponse:
    """Public tracking: anyone with the code sees progress, never personal data (§10)."""
    try:
        dossier = dossier_public(code)
    except NotFound:
        return render(
            request,
            "portal/tracking.html",
            {"dossier": None, "code": code, "not_found": True},
            status=404,
        )
    return render(request, "portal/tracking.html", {"dossier": dossier, "code": code})


@login_required
def letter(request: HttpRequest, code: str, kind: str) -> HttpResponse:
    """A receipt, supplement request, refusal or apology — to the applicant and their
    agency's staff only."""
    try:
        dossier = dossier_get_for_actor(request.user, code)  # type: ignore[arg-type]
        pdf = letter_pdf(dossier, kind)
    except NotFound as error:
        raise Http404(error.message) from error
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{kind}-{dossier.public_code}.pdf"'
    return response
