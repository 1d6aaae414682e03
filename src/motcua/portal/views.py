from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from motcua.catalog.models import Procedure, Sector
from motcua.catalog.selectors import procedure_search


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
