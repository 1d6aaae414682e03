"""Walk-in entry: search the catalog, look the applicant up in the population registry,
enter the dossier with its scans."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.catalog.fee_forms import fee_form
from motcua.catalog.models import Procedure
from motcua.catalog.selectors import procedure_hits
from motcua.core.audit import audit_record
from motcua.core.errors import MotcuaError
from motcua.directory.models import Agency, User
from motcua.dossiers.documents import Attachment
from motcua.dossiers.models import Channel
from motcua.dossiers.services import dossier_walk_in
from motcua.integration.registry import (
    RegistryPerson,
    RegistryUnavailable,
    personal_id_fingerprint,
    population_registry,
)
from motcua.office.counter.common import (
    check_url,
    counter_required,
    error_status,
    forbidden,
    uploads_for,
)
from motcua.office.forms_counter import PersonalIdForm, WalkInForm

logger = logging.getLogger(__name__)

SEARCH_LIMIT = 20

# ---------------------------------------------------------------- walk-in entry


def _officer_agencies(agency_ids: set[int]) -> list[Agency]:
    return list(Agency.objects.filter(id__in=agency_ids).order_by("name"))


UNAVAILABLE = "unavailable"


def registry_down_message() -> str:
    return _(
        "Hiện không kết nối được CSDL quốc gia về dân cư. Hãy nhập họ tên, địa chỉ theo giấy "
        "tờ người nộp xuất trình; hồ sơ vẫn được tạo nhưng không ghi nhận là đã xác thực với "
        "CSDL dân cư."
    )


def _registry_lookup(
    personal_id: str, *, officer: User, agency: Agency, purpose: str
) -> tuple[RegistryPerson | None, str, str]:
    """The person, or None and why; and the outcome (`found`, `not_found`, `refused`,
    `unavailable` — the registry could not be asked now).

    Every lookup reads someone's name and address, so each one is audited (§10): who, for
    which agency, why, with what outcome — the ID only as a keyed hash and its last 3 digits."""
    try:
        person = population_registry().lookup(personal_id, actor=officer, purpose=purpose)
    except MotcuaError as error:
        person, why, outcome = None, error.message, "refused"
    except RegistryUnavailable:
        person, outcome, why = None, UNAVAILABLE, registry_down_message()
    except Exception as error:  # a connector's failure must not become a 500 at the counter
        # Only the class: an exception's text may hold a URL or the ID.
        logger.error("population registry lookup failed", extra={"error": type(error).__name__})
        person, outcome, why = None, UNAVAILABLE, registry_down_message()
    else:
        outcome = "found" if person is not None else "not_found"
        why = (
            ""
            if person is not None
            else _(
                "CSDL quốc gia về dân cư không có số định danh này; hãy kiểm tra lại giấy tờ "
                "hoặc nhập thông tin theo giấy tờ người nộp xuất trình."
            )
        )
    audit_record(
        actor=officer,
        action="registry.lookup",
        object_type="personal_id",
        object_id=personal_id_fingerprint(personal_id),
        data={
            "id_tail": personal_id[-3:],
            "agency": agency.code,
            "purpose": purpose,
            "outcome": outcome,
        },
    )
    return person, why, outcome


@require_http_methods(["GET", "POST"])
@counter_required
def walk_in(request: HttpRequest, *, officer: User, agency_ids: set[int]) -> HttpResponse:
    """Search the catalog of the officer's agencies, look the applicant up in the population
    registry, enter the dossier and attach the scans; then on to the completeness check."""
    agencies = _officer_agencies(agency_ids)
    params = request.GET
    agency_code = params.get("co_quan", "").strip()[:64]
    agency = next((a for a in agencies if a.code == agency_code), None)
    if agency_code and agency is None:
        return forbidden(request, _("Bạn không phải cán bộ một cửa của cơ quan đã chọn."))
    agency = agency or agencies[0]
    query = params.get("q", "").strip()[:200]
    procedure: Procedure | None = None
    procedure_code = params.get("thu_tuc", "").strip()[:32]
    if procedure_code:
        procedure = (
            Procedure.objects.filter(code=procedure_code, agencies=agency, is_active=True)
            .select_related("sector")
            .first()
        )
    context: dict[str, Any] = {
        "agencies": agencies,
        "agency": agency,
        "query": query,
        "procedure": procedure,
        "results": list(procedure_hits(query, agency_id=agency.pk)[:SEARCH_LIMIT]) if query else [],
        "searched": bool(query),
    }
    if procedure_code and procedure is None:
        context["error"] = _("%(agency)s không giải quyết thủ tục mã %(code)s.") % {
            "agency": agency.name,
            "code": procedure_code,
        }
        return render(request, "office/counter_walkin.html", context, status=400)
    if procedure is None:
        return render(request, "office/counter_walkin.html", context)

    documents = list(procedure.documents.all())
    context["documents"] = documents
    if request.method == "GET":
        context["form"] = WalkInForm()
        context["fee"] = fee_form(procedure, channel=Channel.DIRECT)
        return render(request, "office/counter_walkin.html", context)

    if request.POST.get("hanh_dong") == "tra_cuu":
        context["fee"] = fee_form(procedure, channel=Channel.DIRECT, data=request.POST)
        return _walk_in_lookup(request, context, officer=officer, agency=agency)

    form = WalkInForm(request.POST)
    context["form"] = form
    # The officer picks the fee category the applicant declares (and proves) at the counter.
    fee = fee_form(procedure, channel=Channel.DIRECT, data=request.POST, required=True)
    context["fee"] = fee
    if not form.is_valid() or fee.errors():
        context["error"] = _(
            "Hồ sơ chưa được tạo: hãy sửa các ô được đánh dấu (và chọn lại tệp bản quét nếu "
            "đã chọn)."
        )
        return render(request, "office/counter_walkin.html", context, status=400)
    data = form.cleaned_data
    person, _why, outcome = _registry_lookup(
        data["applicant_id_number"], officer=officer, agency=agency, purpose="walk_in_create"
    )
    try:
        dossier = dossier_walk_in(
            actor=officer,
            procedure=procedure,
            agency=agency,
            channel=data["channel"],
            applicant_name=data["applicant_name"],
            applicant_id_number=data["applicant_id_number"],
            applicant_address=data["applicant_address"],
            applicant_phone=data["applicant_phone"],
            applicant_email=data["applicant_email"],
            fee_choice=fee.choice(),
            registry_person=person,
            files=[
                Attachment(required_document=document, upload=upload)
                for document, upload in uploads_for(request, documents)
            ],
        )
    except MotcuaError as error:
        context["error"] = _("Hồ sơ chưa được tạo: %(reason)s") % {"reason": error.message}
        return render(request, "office/counter_walkin.html", context, status=error_status(error))
    messages.success(
        request,
        _("Đã tạo hồ sơ %(code)s. Kiểm tra thành phần hồ sơ rồi tiếp nhận.")
        % {"code": dossier.public_code},
    )
    if outcome == UNAVAILABLE:
        messages.warning(
            request,
            _(
                "Không kết nối được CSDL quốc gia về dân cư: thông tin người nộp của hồ sơ "
                "%(code)s là thông tin cán bộ nhập theo giấy tờ, chưa được xác thực với CSDL "
                "dân cư."
            )
            % {"code": dossier.public_code},
        )
    return redirect(check_url(dossier))


def _walk_in_lookup(
    request: HttpRequest, context: dict[str, Any], *, officer: User, agency: Agency
) -> HttpResponse:
    """Fill name and address from the population registry; nothing is written. A POST, so
    the personal ID never sits in a URL or an access log."""
    initial = {name: request.POST.get(name, "") for name in WalkInForm.base_fields}
    lookup = PersonalIdForm(request.POST)
    if not lookup.is_valid():
        context["form"] = WalkInForm(initial=initial)
        context["id_error"] = lookup.errors["applicant_id_number"][0]
        return render(request, "office/counter_walkin.html", context, status=400)
    personal_id = lookup.cleaned_data["applicant_id_number"]
    person, why, outcome = _registry_lookup(
        personal_id, officer=officer, agency=agency, purpose="walk_in_fill"
    )
    context["registry_down"] = outcome == UNAVAILABLE
    initial["applicant_id_number"] = personal_id
    if person is not None:
        initial["applicant_name"] = person.full_name
        initial["applicant_address"] = person.permanent_address
        context["person"] = person
    else:
        context["id_notice"] = why
    context["form"] = WalkInForm(initial=initial)
    return render(request, "office/counter_walkin.html", context)
