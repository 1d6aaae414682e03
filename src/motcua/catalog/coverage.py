"""Which required documents a filled e-form stands in for: the one rule behind the portal's
"tờ khai điện tử ở trên thay cho giấy tờ này", the counter's completeness check and
supplement request, and the receipt slip.

A procedure's own e-form names the positions of the documents it replaces
(`ui.covers_documents`, catalog/eforms.py); the generic e-form replaces none. For a dossier the
cover holds only once its e-form was filled in: a walk-in entered at the counter has no
declaration, so its paper declaration is still needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from motcua.catalog.eforms import covered_positions
from motcua.catalog.models import Procedure, RequiredDocument


def documents_covered_by_eform(
    procedure: Procedure, documents: Iterable[RequiredDocument] | None = None
) -> set[int]:
    """Ids of the procedure's required documents that its e-form replaces. `documents` is the
    procedure's list when the caller already holds it (saves a query)."""
    positions = covered_positions(procedure.eform)
    if not positions:
        return set()
    listed = procedure.documents.all() if documents is None else documents
    return {d.pk for d in listed if d.position in positions}


def eform_filled(dossier: Any) -> bool:
    """The applicant filled in the procedure's own e-form for this dossier."""
    return bool(dossier.procedure.eform) and bool(dossier.form_data)


def documents_covered_in(
    dossier: Any, documents: Iterable[RequiredDocument] | None = None
) -> set[int]:
    """Ids of the required documents this dossier's filled e-form replaces: received, as
    the e-form, without a file."""
    if not eform_filled(dossier):
        return set()
    return documents_covered_by_eform(dossier.procedure, documents)


def document_is_covered(document: RequiredDocument, dossier: Any) -> bool:
    return document.pk in documents_covered_in(dossier, [document])
