"""The completeness check: the dossier against the required documents, the e-form answers,
and the outcomes (receive, request a supplement, refuse, hand over to processing)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from motcua.core.calendar import working_calendar
from motcua.core.errors import Conflict, MotcuaError
from motcua.directory.models import User
from motcua.dossiers.letters import letter_kinds
from motcua.dossiers.lifecycle import Action, Refusal, dossier_permissions, dossier_transition
from motcua.dossiers.models import Dossier
from motcua.office.counter.common import (
    check_url,
    counter_dossier,
    error_status,
    first_error,
    required_rows,
)
from motcua.office.declaration import declaration_context
from motcua.office.forms_counter import ReceiveForm, ReceptionForm, RefuseForm, SupplementForm

LETTER_OF = {"receive": "receipt", "request_supplement": "supplement", "refuse": "refusal"}
CHECK_ACTIONS = (
    Action.RECEIVE,
    Action.REQUEST_SUPPLEMENT,
    Action.REFUSE,
    Action.FORWARD,
    Action.PROVIDE_SUPPLEMENT,
)
ACTION_FORMS: dict[str, type[ReceiveForm | RefuseForm]] = {
    Action.FORWARD: ReceiveForm,
    Action.PROVIDE_SUPPLEMENT: ReceiveForm,
    Action.REFUSE: RefuseForm,
}
DONE: dict[str, Any] = {
    Action.RECEIVE: gettext_lazy("Đã tiếp nhận hồ sơ %(code)s."),
    Action.REQUEST_SUPPLEMENT: gettext_lazy("Đã yêu cầu bổ sung hồ sơ %(code)s."),
    Action.REFUSE: gettext_lazy("Đã từ chối tiếp nhận hồ sơ %(code)s."),
    Action.FORWARD: gettext_lazy("Đã chuyển hồ sơ %(code)s sang bước xử lý đầu tiên."),
    Action.PROVIDE_SUPPLEMENT: gettext_lazy("Đã nhận hồ sơ bổ sung cho hồ sơ %(code)s."),
}

# ---------------------------------------------------------------- completeness check


def _reception_form(
    dossier: Dossier, rows: list[dict[str, Any]], data: Any = None
) -> ReceptionForm:
    """The papers to tick at reception: ticked already, the required ones (the officer has
    them in hand or asks for a supplement instead) and the optional ones with a file."""
    return ReceptionForm(
        data,
        documents=[row["document"] for row in rows],
        covered={row["document"].pk for row in rows if row["covered"]},
        initial={
            "version": dossier.version,
            "checklist": True,
            "received_documents": [
                str(row["document"].pk)
                for row in rows
                if not row["covered"] and (row["files"] or not row["document"].optional)
            ],
        },
    )


def _check_context(
    dossier: Dossier,
    officer: User,
    *,
    supplement: SupplementForm | None = None,
    reception: ReceptionForm | None = None,
    **forms: Any,
) -> dict[str, Any]:
    rows, loose = required_rows(dossier)
    # The lifecycle's answer for this officer and this dossier: the buttons, and why an
    # outcome the officer could take here is held back by what the dossier lacks.
    permissions = dossier_permissions(officer, dossier)
    actions = [a for a in CHECK_ACTIONS if permissions[a].allowed]
    held_back = [
        answer.message
        for a in CHECK_ACTIONS
        if isinstance(answer := permissions[a], Refusal) and answer.held
    ]
    if reception is None and Action.RECEIVE in actions:
        reception = _reception_form(dossier, rows)
    if supplement is None and Action.REQUEST_SUPPLEMENT in actions:
        supplement = SupplementForm(
            documents=[row["document"] for row in rows],
            calendar=working_calendar(dossier.agency.office_hours),
            initial={
                "missing_documents": [str(row["document"].pk) for row in rows if row["missing"]],
                "version": dossier.version,
            },
        )
    return {
        "dossier": dossier,
        "rows": rows,
        "loose": loose,
        "actions": actions,
        "letters": letter_kinds(dossier),
        "supplement_form": supplement,
        "reception_form": reception,
        "refuse_form": forms.get("refuse") or RefuseForm(initial={"version": dossier.version}),
        "held_back": held_back,
        "can_return": permissions[Action.RETURN].allowed,
        "missing_count": sum(1 for r in rows if r["missing"]),
        **declaration_context(dossier),
    }


@require_http_methods(["GET", "POST"])
@counter_dossier
def check(request: HttpRequest, *, officer: User, dossier: Dossier) -> HttpResponse:
    """The dossier against the procedure's required documents, and the three outcomes:
    receive, request a supplement, refuse (then hand over to processing)."""
    if request.method == "GET":
        return render(request, "office/counter_check.html", _check_context(dossier, officer))

    action = request.POST.get("hanh_dong", "")
    if action not in CHECK_ACTIONS:
        context = _check_context(dossier, officer)
        context["error"] = _("Thao tác không hợp lệ.")
        return render(request, "office/counter_check.html", context, status=400)
    form: Any
    if action == Action.REQUEST_SUPPLEMENT:
        form = SupplementForm(
            request.POST,
            documents=list(dossier.procedure.documents.all()),
            calendar=working_calendar(dossier.agency.office_hours),
        )
    elif action == Action.RECEIVE:
        form = _reception_form(dossier, required_rows(dossier)[0], request.POST)
    else:
        form = ACTION_FORMS[action](request.POST)
    forms_shown = {
        "supplement": form if action == Action.REQUEST_SUPPLEMENT else None,
        "reception": form if action == Action.RECEIVE else None,
        "refuse": form if action == Action.REFUSE else None,
    }
    if not form.is_valid():
        context = _check_context(dossier, officer, **forms_shown)
        context["error"] = first_error(form)
        context["failed_action"] = action
        return render(request, "office/counter_check.html", context, status=400)
    try:
        updated = dossier_transition(
            actor=officer,
            dossier=dossier,
            action=action,
            note=form.note(),
            payload=form.payload(),
            expected_version=form.cleaned_data["version"],
        )
    except MotcuaError as error:
        # After a conflict the forms start afresh with the version now in force.
        context = _check_context(
            dossier, officer, **({} if isinstance(error, Conflict) else forms_shown)
        )
        context["error"] = error.message
        context["failed_action"] = action
        return render(request, "office/counter_check.html", context, status=error_status(error))
    messages.success(
        request, DONE[action] % {"code": updated.public_code}, extra_tags=LETTER_OF.get(action, "")
    )
    return redirect(check_url(updated))
