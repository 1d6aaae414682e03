"""Handing the result over, and the dossier's files for the reception officers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.core.downloads import upload_response
from motcua.core.errors import MotcuaError, NotFound
from motcua.directory.models import User
from motcua.dossiers.lifecycle import Action, allowed_actions, dossier_transition
from motcua.dossiers.models import Dossier, DossierDocument
from motcua.office.counter.common import counter_dossier, error_status, first_error, forbidden
from motcua.office.forms_counter import ReturnForm

# ---------------------------------------------------------------- return of the result

# The e-form's "Hình thức nhận kết quả" answer (`delivery`) → the return method it asks for.
DELIVERY_METHODS = {
    "truc_tiep": "in_person",
    "buu_chinh": "post",
    "truc_tuyen": "online",
    "in_person": "in_person",
    "post": "post",
    "online": "online",
}


def delivery_chosen(dossier: Dossier) -> str:
    """How the applicant asked to receive the result when applying; "" when they did not
    say (a walk-in, a procedure whose e-form does not ask)."""
    answer = (dossier.form_data or {}).get("delivery")
    return DELIVERY_METHODS.get(answer, "") if isinstance(answer, str) else ""


def electronic_delivery_possible(dossier: Dossier) -> bool:
    """An issued e-result that is in the applicant's data store (approval put it there)."""
    return dossier.e_result and dossier.result_to_store


@require_http_methods(["GET", "POST"])
@counter_dossier
def return_result(request: HttpRequest, *, officer: User, dossier: Dossier) -> HttpResponse:
    """Hand the result over in person, by post or electronically, as the applicant chose,
    recording who received it and how."""
    results = list(dossier.documents.filter(kind=DossierDocument.Kind.RESULT).order_by("id"))
    can_return = Action.RETURN in allowed_actions(dossier, officer)
    chosen = delivery_chosen(dossier)
    electronic = electronic_delivery_possible(dossier)
    context: dict[str, Any] = {
        "dossier": dossier,
        "results": results,
        "can_return": can_return,
        "chosen": dict(ReturnForm.METHODS).get(chosen, ""),
        "chosen_unavailable": chosen == "online" and not electronic,
    }
    if request.method == "GET":
        context["form"] = ReturnForm(
            electronic=electronic,
            initial={
                "version": dossier.version,
                "receiver": dossier.applicant_name,
                "method": chosen if chosen and (chosen != "online" or electronic) else "in_person",
            },
        )
        return render(request, "office/counter_return.html", context)
    form = ReturnForm(request.POST, electronic=electronic)
    context["form"] = form
    if not form.is_valid():
        context["error"] = first_error(form)
        return render(request, "office/counter_return.html", context, status=400)
    try:
        updated = dossier_transition(
            actor=officer,
            dossier=dossier,
            action=Action.RETURN,
            note=form.note(),
            payload=form.payload(),
            expected_version=form.cleaned_data["version"],
        )
    except MotcuaError as error:
        context["error"] = error.message
        return render(request, "office/counter_return.html", context, status=error_status(error))
    messages.success(
        request,
        _("Đã trả kết quả hồ sơ %(code)s cho %(receiver)s.")
        % {"code": updated.public_code, "receiver": form.cleaned_data["receiver"]},
    )
    return redirect("office:counter_home")


# ---------------------------------------------------------------- files


@require_http_methods(["GET"])
@counter_dossier
def document_file(
    request: HttpRequest, *, officer: User, dossier: Dossier, document_id: int
) -> HttpResponseBase:
    """A file of the dossier, to the reception officers of its agency only (never public
    media)."""
    document = dossier.documents.filter(pk=document_id).first()
    try:
        if document is None:
            raise NotFound(_("Hồ sơ không có tài liệu này."))
        handle = document.file.open("rb")
    except (NotFound, OSError):
        return forbidden(request, _("Hồ sơ không có tài liệu này."), status=404)
    return upload_response(handle, content_type=document.content_type, filename=document.name)
