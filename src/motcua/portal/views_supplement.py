"""Answering a supplement request: exactly what the counter asked for, one slot per item, each
filled by an upload or an earlier result; `dossier_supplement_answer` checks and writes it all
(§5 resumes the clock)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.core.errors import MotcuaError
from motcua.dossiers.documents import result_fits, store_documents_of
from motcua.dossiers.models import Dossier, DossierEvent, State
from motcua.dossiers.selectors import supplement_items, supplement_request
from motcua.dossiers.services import SupplementAnswer, dossier_supplement_answer
from motcua.portal.views_apply import STORE_LIMIT, _own_dossier, citizen_required


def _slots(dossier: Dossier, request_event: DossierEvent | None) -> list[dict[str, Any]]:
    """One slot per listed item; an item that names a required document attaches to it (and
    may reuse an earlier result), any other item is a free-standing document."""
    return [
        {"index": i, "item": item, "document": document, "error": ""}
        for i, (item, document) in enumerate(supplement_items(dossier, request_event))
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

    answers: dict[int, SupplementAnswer] = {}
    for slot in slots:
        upload = request.FILES.get(f"tep_bs_{slot['index']}")
        choice = request.POST.get(f"dung_lai_bs_{slot['index']}", "").strip()
        if upload is not None:
            answers[slot["index"]] = upload
        elif choice in sources:
            answers[slot["index"]] = sources[choice]
    try:
        dossier = dossier_supplement_answer(
            actor=request.user,  # type: ignore[arg-type]
            dossier=dossier,
            answers=answers,
        )
    except MotcuaError as error:
        for slot in slots:
            slot["error"] = error.fields.get(f"item_{slot['index']}", "")
        context["message"] = error.message
        return render(request, "portal/supplement.html", context, status=error.status)
    messages.success(
        request,
        _("Đã nộp bổ sung hồ sơ %(ref)s. Cơ quan giải quyết tiếp tục xử lý hồ sơ.")
        % {"ref": dossier.public_code},
    )
    return redirect("portal:supplement", reference=dossier.public_code)
