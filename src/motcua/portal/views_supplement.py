"""Answering a supplement request: exactly what the counter asked for, one slot per item, each
filled by an upload or an earlier result, then `provide_supplement` (§5 resumes the clock)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.core.errors import MotcuaError, ValidationFailed
from motcua.dossiers.documents import (
    document_attach,
    document_reuse,
    result_fits,
    store_documents_of,
    upload_check,
)
from motcua.dossiers.lifecycle import Action, dossier_transition
from motcua.dossiers.models import Dossier, DossierDocument, DossierEvent, State
from motcua.portal.views_apply import STORE_LIMIT, _own_dossier, citizen_required


def supplement_request(dossier: Dossier) -> DossierEvent | None:
    """The request now pending: the latest `request_supplement` event."""
    return dossier.events.filter(action=Action.REQUEST_SUPPLEMENT).order_by("-seq").first()


def _slots(dossier: Dossier, request_event: DossierEvent | None) -> list[dict[str, Any]]:
    """One slot per listed item; an item that names a required document attaches to it (and
    may reuse an earlier result), any other item is a free-standing document."""
    by_name = {d.name: d for d in dossier.procedure.documents.all()}
    missing = (request_event.payload.get("missing") if request_event else None) or []
    return [
        {"index": i, "item": str(item), "document": by_name.get(str(item)), "error": ""}
        for i, item in enumerate(missing)
    ]


@require_http_methods(["GET", "POST"])
@citizen_required
def supplement(request: HttpRequest, reference: str) -> HttpResponse:
    dossier = _own_dossier(request, reference)
    event = supplement_request(dossier)
    pending = dossier.state == State.SUPPLEMENT_REQUESTED
    slots = _slots(dossier, event) if pending else []
    sources = {
        str(d.pk): d
        for d in store_documents_of(dossier.applicant_id_number).order_by("-created_at")[
            :STORE_LIMIT
        ]
        if d.dossier_id != dossier.pk
    }
    for slot in slots:
        # Each slot offers only the earlier results of the kind its document asks for.
        slot["sources"] = (
            [d for d in sources.values() if result_fits(slot["document"], d)]
            if slot["document"] is not None
            else []
        )
    context: dict[str, Any] = {
        "dossier": dossier,
        "event": event,
        "pending": pending,
        "slots": slots,
        "sources": list(sources.values()),
    }
    if request.method == "GET":
        return render(request, "portal/supplement.html", context)
    if not pending:
        context["message"] = _("Hồ sơ %(ref)s không có yêu cầu bổ sung đang chờ.") % {
            "ref": dossier.public_code
        }
        return render(request, "portal/supplement.html", context, status=409)

    uploads, reuses = [], []
    for slot in slots:
        upload = request.FILES.get(f"tep_bs_{slot['index']}")
        choice = request.POST.get(f"dung_lai_bs_{slot['index']}", "").strip()
        if upload is not None:
            try:
                upload_check(upload)
                upload.seek(0)
                uploads.append((slot["document"], upload))
            except ValidationFailed as error:
                slot["error"] = error.message
        elif choice in sources and sources[choice] in slot["sources"]:
            reuses.append((slot["document"], sources[choice]))
        else:
            slot["error"] = _("Chưa đính kèm giấy tờ này.")
    if any(slot["error"] for slot in slots):
        context["message"] = _(
            "Chưa nộp bổ sung: hãy đính kèm đủ các giấy tờ được yêu cầu (và chọn lại tệp nếu "
            "đã chọn)."
        )
        return render(request, "portal/supplement.html", context, status=400)
    try:
        with transaction.atomic():
            attached = [
                document_attach(
                    actor=request.user,  # type: ignore[arg-type]
                    dossier=dossier,
                    upload=upload,
                    kind=DossierDocument.Kind.SUBMITTED,
                    required_document=document,
                ).pk
                for document, upload in uploads
            ] + [
                document_reuse(
                    actor=request.user,  # type: ignore[arg-type]
                    dossier=dossier,
                    source=source,
                    required_document=document,
                ).pk
                for document, source in reuses
            ]
            dossier = dossier_transition(
                actor=request.user,  # type: ignore[arg-type]
                dossier=dossier,
                action=Action.PROVIDE_SUPPLEMENT,
                payload={"documents": attached},
            )
    except MotcuaError as error:
        context["message"] = error.message
        return render(request, "portal/supplement.html", context, status=error.status)
    messages.success(
        request,
        _("Đã nộp bổ sung hồ sơ %(ref)s. Cơ quan giải quyết tiếp tục xử lý hồ sơ.")
        % {"ref": dossier.public_code},
    )
    return redirect("portal:supplement", reference=dossier.public_code)
