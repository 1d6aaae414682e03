"""What every counter page shares: who may open it (reception officers, and for a dossier
those of its agency), the refusal page, and the helpers for forms, uploads and documents."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib.auth.views import redirect_to_login
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from motcua.catalog.coverage import documents_covered_in
from motcua.catalog.models import RequiredDocument
from motcua.core.errors import MotcuaError, NotFound
from motcua.directory.models import Role, User
from motcua.directory.selectors import user_has_role, user_roles
from motcua.dossiers.documents import upload_check
from motcua.dossiers.models import Dossier, DossierDocument
from motcua.dossiers.selectors import dossier_get_for_actor

# ---------------------------------------------------------------- access


def forbidden(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
    title = _("Không có quyền truy cập") if status == 403 else _("Không tìm thấy")
    return render(
        request,
        "office/counter_forbidden.html",
        {"message": message, "title": title},
        status=status,
    )


def reception_agency_ids(user: User) -> set[int]:
    return {agency for agency, role in user_roles(user) if role == Role.RECEPTION}


CounterView = Callable[..., HttpResponseBase]


def counter_required(view: CounterView) -> Callable[..., HttpResponseBase]:
    """Anonymous → login; signed in without a reception role anywhere → 403. The view gets
    the officer and the agencies where they hold reception."""

    @wraps(view)
    def wrapper(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        officer = cast(User, request.user)
        agency_ids = reception_agency_ids(officer)
        if not agency_ids:
            return forbidden(
                request, _("Trang này dành cho cán bộ một cửa (bộ phận tiếp nhận và trả kết quả).")
            )
        return view(request, officer=officer, agency_ids=agency_ids, **kwargs)

    return wrapper


def counter_dossier(view: CounterView) -> Callable[..., HttpResponseBase]:
    """As `counter_required`, and the dossier by code, read (and audited) through
    `dossier_get_for_actor`; the officer must hold reception in the dossier's agency. Missing
    and foreign dossiers get the same answer, so codes cannot be probed."""

    @counter_required
    @wraps(view)
    def wrapper(
        request: HttpRequest, *, officer: User, agency_ids: set[int], code: str, **kwargs: Any
    ) -> HttpResponseBase:
        refused = _("Không tìm thấy hồ sơ %(code)s trong các cơ quan bạn tiếp nhận.") % {
            "code": code[:96]
        }
        try:
            dossier = dossier_get_for_actor(officer, code[:96])
        except NotFound:
            return forbidden(request, refused)
        if not user_has_role(officer, Role.RECEPTION, dossier.agency_id):
            return forbidden(request, refused)
        return view(request, officer=officer, dossier=dossier, **kwargs)

    return wrapper


def error_status(error: MotcuaError) -> int:
    return error.status if 400 <= error.status < 500 else 400


def check_url(dossier: Dossier) -> str:
    return reverse("office:counter_check", kwargs={"code": dossier.public_code})


def uploads_for(
    request: HttpRequest, documents: list[RequiredDocument]
) -> list[tuple[RequiredDocument, UploadedFile]]:
    return [
        (document, upload)
        for document in documents
        if (upload := request.FILES.get(f"tep_{document.pk}")) is not None
    ]


def precheck(uploads: list[tuple[RequiredDocument, UploadedFile]]) -> None:
    """Refuse a too-big or disguised file before anything is written (and before a file lands
    on disk), so a bad scan never leaves half a dossier behind."""
    for _document, upload in uploads:
        upload_check(upload)
        upload.seek(0)


def required_rows(dossier: Dossier) -> tuple[list[dict[str, Any]], list[DossierDocument]]:
    """Each required document with the files attached for it, whether the filled e-form
    stands in for it (`covered`) and whether it is still `missing`; and the files attached
    to none."""
    documents = list(dossier.procedure.documents.all())
    covered = documents_covered_in(dossier, documents)
    files = list(
        dossier.documents.exclude(kind=DossierDocument.Kind.RESULT)
        .select_related("reused_from__dossier")
        .order_by("id")
    )
    by_document: dict[int | None, list[DossierDocument]] = {}
    for file in files:
        by_document.setdefault(file.required_document_id, []).append(file)
    known = {d.pk for d in documents}
    rows = []
    for d in documents:
        attached = by_document.get(d.pk, [])
        rows.append(
            {
                "document": d,
                "files": attached,
                "covered": d.pk in covered,
                "missing": not attached and not d.optional and d.pk not in covered,
            }
        )
    loose = [f for f in files if f.required_document_id not in known]
    return rows, loose


def first_error(form: Any) -> str:
    for name, errors in form.errors.items():
        if errors:
            label = form.fields[name].label if name in form.fields else ""
            return f"{label}: {errors[0]}" if label and name != "version" else str(errors[0])
    return _("Dữ liệu không hợp lệ.")
