"""The declaration PDF, for whoever may read the dossier (its agency's staff, and the
applicant). It is fetched through `dossier_get_for_actor` like every dossier page: the read is
audited, and a dossier the user may not read is a 404 whether it exists or not."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from motcua.core.errors import NotFound
from motcua.dossiers.selectors import dossier_get_for_actor
from motcua.office.declaration import declaration_pdf, declaration_sections
from motcua.office.processing.common import processing_page


@processing_page
@require_GET
def declaration_download(request: HttpRequest, code: str) -> HttpResponse:
    """The declaration as a PDF, to whoever may read the dossier."""
    dossier = dossier_get_for_actor(request.user, code[:96])  # type: ignore[arg-type]
    sections = declaration_sections(dossier)
    if not sections:
        raise NotFound(_("Hồ sơ %(code)s không có tờ khai điện tử.") % {"code": code[:96]})
    response = HttpResponse(declaration_pdf(dossier, sections), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="to-khai-{dossier.public_code}.pdf"'
    # Personal data: never kept by a shared cache or the browser's disk cache.
    response["Cache-Control"] = "private, no-store"
    return response
