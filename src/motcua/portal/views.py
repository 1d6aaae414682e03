from __future__ import annotations

import mimetypes
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from motcua.catalog.eforms import covered_positions
from motcua.catalog.fees import fee_schedule
from motcua.catalog.models import Procedure, RequiredDocument, Sector
from motcua.catalog.selectors import (
    SearchPage,
    agency_groups,
    procedure_published,
    procedure_search_page,
)
from motcua.core.errors import NotFound
from motcua.dossiers.letters import letter_pdf
from motcua.dossiers.public import dossier_public
from motcua.dossiers.selectors import dossier_get_for_actor
from motcua.portal.blank_forms import blank_declaration_pdf

SEARCH_PAGE_SIZE = 20


def home(request: HttpRequest) -> HttpResponse:
    """The public catalog: search with or without diacritics, filter by sector, level and
    the agency that handles the procedure; one page of hits at a time, best first."""
    query = request.GET.get("q", "")[:200]
    level = request.GET.get("level", "")
    level = level if level in Procedure.Level.values else ""
    sector_id = request.GET.get("sector", "")
    sector = int(sector_id) if sector_id.isdigit() else None
    groups = agency_groups()
    wanted = request.GET.get("agency", "")[:64]
    # Only a code from the list is a filter: anything else would silently empty the page.
    codes = {o.code for g in groups for o in g.options if o.handles}
    agency = wanted if wanted in codes else ""
    wanted_page = request.GET.get("trang", "")
    # `isdecimal`, not `isdigit`: `²` is a digit that `int` refuses.
    number = int(wanted_page) if wanted_page.isdecimal() and len(wanted_page) < 7 else 1
    number = max(number, 1)

    def read(number: int) -> SearchPage:
        return procedure_search_page(
            query,
            sector_id=sector,
            level=level,
            agency_code=agency,
            limit=SEARCH_PAGE_SIZE,
            offset=(number - 1) * SEARCH_PAGE_SIZE,
        )

    found = read(number)
    if not found.items and found.count:
        # Past the last page (an old link, a shorter list now): show the last one.
        number = -(-found.count // SEARCH_PAGE_SIZE)
        found = read(number)
    # The page is read already; the paginator only numbers the pages from the count.
    paginator = Paginator(found.items, SEARCH_PAGE_SIZE)
    paginator.count = found.count
    page = Page(found.items, number, paginator)
    # The pager's links keep the search; only the page number changes.
    kept = request.GET.copy()
    kept.pop("trang", None)
    return render(
        request,
        "portal/home.html",
        {
            "page": page,
            "procedures": page.object_list,
            "pager_query": kept.urlencode() + "&" if kept else "",
            "query": query,
            "level": level,
            "sector": sector,
            "agency": agency,
            "agency_groups": groups,
            "sectors": Sector.objects.all(),
            "levels": Procedure.Level.choices,
        },
    )


def _published(code: str) -> Procedure:
    procedure = procedure_published(code)
    if procedure is None:
        raise Http404(_("Không có thủ tục này."))
    return procedure


def _template_url(procedure: Procedure, document: RequiredDocument) -> str:
    """Where the form of a required document is downloaded: the file the catalog uploaded,
    else, for the declaration the e-form replaces, the blank generated from the e-form."""
    if document.template:
        return reverse("portal:document_template", args=[procedure.code, document.pk])
    if document.position in covered_positions(procedure.eform):
        return reverse("portal:blank_declaration", args=[procedure.code, document.pk])
    return ""


def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    procedure = _published(code)
    documents = [
        {"document": d, "template_url": _template_url(procedure, d)}
        for d in procedure.documents.all()
    ]
    return render(
        request,
        "portal/procedure.html",
        {"procedure": procedure, "documents": documents, "fee_schedule": fee_schedule(procedure)},
    )


def _document(procedure: Procedure, document_id: int) -> RequiredDocument:
    for document in procedure.documents.all():
        if document.pk == document_id:
            return document
    raise Http404(_("Thủ tục này không có giấy tờ đó."))


@require_GET
def document_template(request: HttpRequest, code: str, document_id: int) -> HttpResponseBase:
    """The form the catalog uploaded for a required document (public, like the catalog)."""
    procedure = _published(code)
    document = _document(procedure, document_id)
    if not document.template:
        raise Http404(_("Giấy tờ này không có mẫu tải về."))
    try:
        handle = document.template.open("rb")
    except OSError as error:
        raise Http404(_("Giấy tờ này không có mẫu tải về.")) from error
    # The uploaded name may be anything; the procedure and the position name the file.
    extension = Path(document.template.name).suffix.lower()[:8]
    content_type = mimetypes.guess_type(f"x{extension}")[0] or "application/octet-stream"
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"mau-{procedure.code}-{document.position}{extension}",
        content_type=content_type,
    )


@require_GET
def blank_declaration(request: HttpRequest, code: str, document_id: int) -> HttpResponse:
    """The declaration that the e-form replaces, as a blank printable PDF."""
    procedure = _published(code)
    document = _document(procedure, document_id)
    if procedure.eform is None or document.position not in covered_positions(procedure.eform):
        raise Http404(_("Giấy tờ này không có mẫu tải về."))
    pdf = blank_declaration_pdf(procedure.eform, procedure_name=procedure.name)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="mau-{procedure.code}-{document.position}.pdf"'
    )
    return response


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
