"""Digitisation: scans of each required document, or links to earlier results in the
applicant's data store."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.core.errors import MotcuaError
from motcua.directory.models import User
from motcua.dossiers.documents import (
    Attachment,
    document_reuse,
    documents_attach,
    dossier_mark_digitized,
    store_documents_of,
)
from motcua.dossiers.models import Dossier, DossierDocument
from motcua.office.counter.common import (
    counter_dossier,
    error_status,
    first_error,
    precheck,
    required_rows,
    uploads_for,
)
from motcua.office.forms_counter import ReuseForm

STORE_LIMIT = 50

# ---------------------------------------------------------------- digitisation


def _reuse_sources(dossier: Dossier) -> list[DossierDocument]:
    """The applicant's issued results from other dossiers, newest first; the form offers each
    only for the documents whose kind it is (`result_fits`)."""
    return list(
        store_documents_of(dossier.applicant_id_number)
        .exclude(dossier=dossier)
        .order_by("-created_at")[:STORE_LIMIT]
    )


def _digitize_context(dossier: Dossier, officer: User, **extra: Any) -> dict[str, Any]:
    rows, loose = required_rows(dossier)
    documents = [row["document"] for row in rows]
    sources = _reuse_sources(dossier)
    return {
        "dossier": dossier,
        "rows": [
            {**row, "scans": [f for f in row["files"] if f.kind == DossierDocument.Kind.SCAN]}
            for row in rows
        ],
        "loose": loose,
        "sources": sources,
        "reuse_form": extra.pop("reuse_form", None)
        or ReuseForm(documents=documents, sources=sources),
        "can_mark": dossier.received_at is not None and not dossier.digitized,
        **extra,
    }


@require_http_methods(["GET", "POST"])
@counter_dossier
def digitize(request: HttpRequest, *, officer: User, dossier: Dossier) -> HttpResponse:
    """Scan each required document (or link an earlier result from the applicant's data store)
    and mark the dossier digitised."""
    if request.method == "GET":
        return render(request, "office/counter_digitize.html", _digitize_context(dossier, officer))
    action = request.POST.get("hanh_dong", "")
    documents = list(dossier.procedure.documents.all())
    try:
        if action == "dinh_kem":
            uploads = uploads_for(request, documents)
            if not uploads:
                return _digitize_error(
                    request, dossier, officer, _("Chưa chọn tệp nào để đính kèm."), 400
                )
            precheck(uploads)
            # The scans posted together are one intent: one lock, one event.
            documents_attach(
                actor=officer,
                dossier=dossier,
                files=[Attachment(required_document=d, upload=u) for d, u in uploads],
                kind=DossierDocument.Kind.SCAN,
            )
            done = _("Đã lưu %(count)d bản quét.") % {"count": len(uploads)}
        elif action == "tai_su_dung":
            sources = _reuse_sources(dossier)
            reuse = ReuseForm(request.POST, documents=documents, sources=sources)
            if not reuse.is_valid():
                return _digitize_error(
                    request, dossier, officer, first_error(reuse), 400, reuse_form=reuse
                )
            document = next(d for d in documents if d.pk == reuse.cleaned_data["required_document"])
            source = next(s for s in sources if s.pk == reuse.cleaned_data["source"])
            document_reuse(
                actor=officer, dossier=dossier, source=source, required_document=document
            )
            done = _("Đã liên kết “%(name)s” từ kho dữ liệu cho thành phần “%(document)s”.") % {
                "name": source.name,
                "document": document.name,
            }
        elif action == "so_hoa":
            dossier_mark_digitized(actor=officer, dossier=dossier)
            done = _("Đã đánh dấu hồ sơ %(code)s là đã số hóa.") % {"code": dossier.public_code}
        else:
            return _digitize_error(request, dossier, officer, _("Thao tác không hợp lệ."), 400)
    except MotcuaError as error:
        return _digitize_error(request, dossier, officer, error.message, error_status(error))
    messages.success(request, done)
    return redirect("office:counter_digitize", code=dossier.public_code)


def _digitize_error(
    request: HttpRequest,
    dossier: Dossier,
    officer: User,
    message: str,
    status: int,
    **extra: Any,
) -> HttpResponse:
    context = _digitize_context(dossier, officer, **extra)
    context["error"] = message
    return render(request, "office/counter_digitize.html", context, status=status)
