"""The one-stop counter: queue, walk-ins, completeness check, receipt, digitisation, return.

Every page is for reception officers (cán bộ một cửa) only, and a dossier page only for those
holding reception in the dossier's agency: nobody signed in goes to the login page, anyone
else meets the 403 page. A view parses the input with a form, calls one service, and renders;
a refusal from a service (`MotcuaError`, Vietnamese message) re-renders the page with the
message and the error's 4xx status, and nothing is written.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from motcua.catalog.models import Procedure, RequiredDocument
from motcua.catalog.selectors import procedure_search
from motcua.core.calendar import working_calendar
from motcua.core.errors import Conflict, MotcuaError, NotFound
from motcua.core.text import fold
from motcua.directory.models import Agency, Role, User
from motcua.directory.selectors import user_has_role, user_roles
from motcua.dossiers.documents import (
    document_attach,
    document_reuse,
    dossier_mark_digitized,
    store_documents_of,
    upload_check,
)
from motcua.dossiers.letters import letter_kinds
from motcua.dossiers.lifecycle import Action, allowed_actions, dossier_record, dossier_transition
from motcua.dossiers.models import Channel, Dossier, DossierDocument, DossierEvent, State
from motcua.dossiers.selectors import dossier_get_for_actor
from motcua.dossiers.services import dossier_create
from motcua.integration.registry import RegistryPerson, population_registry
from motcua.office.forms_counter import (
    PersonalIdForm,
    ReceiveForm,
    RefuseForm,
    ReturnForm,
    ReuseForm,
    SupplementForm,
    WalkInForm,
)
from motcua.office.queues import ASK_SUPPLEMENT

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
CODE_SHAPE = re.compile(r"[A-Za-z0-9.\-]+")
SEARCH_LIMIT = 20
STORE_LIMIT = 50
DRAFTS_LIMIT = 20
ASKED_LIMIT = 50
LETTER_OF = {"receive": "receipt", "request_supplement": "supplement", "refuse": "refusal"}
CHECK_ACTIONS = (
    Action.RECEIVE,
    Action.REQUEST_SUPPLEMENT,
    Action.REFUSE,
    Action.FORWARD,
    Action.PROVIDE_SUPPLEMENT,
)
ACTION_FORMS: dict[str, type[ReceiveForm | RefuseForm]] = {
    Action.RECEIVE: ReceiveForm,
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

# ---------------------------------------------------------------- access


def _forbidden(request: HttpRequest, message: str, status: int = 403) -> HttpResponse:
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
            return _forbidden(
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
            return _forbidden(request, refused)
        if not user_has_role(officer, Role.RECEPTION, dossier.agency_id):
            return _forbidden(request, refused)
        return view(request, officer=officer, dossier=dossier, **kwargs)

    return wrapper


def _error_status(error: MotcuaError) -> int:
    return error.status if 400 <= error.status < 500 else 400


def _check_url(dossier: Dossier) -> str:
    return reverse("office:counter_check", kwargs={"code": dossier.public_code})


# ---------------------------------------------------------------- the queue


def _page(request: HttpRequest, queryset: QuerySet[Dossier], param: str) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get(param))


def _queue(agency_ids: set[int], state: str, order: tuple[str, ...]) -> QuerySet[Dossier]:
    return (
        Dossier.objects.filter(agency_id__in=agency_ids, state=state)
        .select_related("procedure", "agency")
        .only(
            "reference",
            "code",
            "channel",
            "submitted_at",
            "finished_at",
            "created_at",
            "due_at",
            "procedure__code",
            "procedure__name",
            "agency__name",
        )
        .order_by(*order)
    )


def _asked_for_supplement(agency_ids: set[int]) -> list[Dossier]:
    """Dossiers whose processing officer asked the counter to request a supplement from the
    applicant (only the counter talks to applicants), and the counter has not yet done so."""
    asks = DossierEvent.objects.filter(dossier=OuterRef("pk"), action=ASK_SUPPLEMENT).order_by(
        "-seq"
    )
    answered = DossierEvent.objects.filter(
        dossier=OuterRef("pk"), action=Action.REQUEST_SUPPLEMENT, seq__gt=OuterRef("asked_seq")
    )
    return list(
        Dossier.objects.filter(agency_id__in=agency_ids, state=State.IN_PROGRESS)
        .annotate(
            asked_seq=Subquery(asks.values("seq")[:1]),
            asked_at=Subquery(asks.values("at")[:1]),
            asked_note=Subquery(asks.values("note")[:1]),
        )
        .filter(asked_seq__isnull=False)
        .exclude(Exists(answered))
        .select_related("procedure")
        .only("code", "reference", "procedure__code", "procedure__name")
        .order_by("asked_at", "id")[:ASKED_LIMIT]
    )


@require_http_methods(["GET"])
@counter_required
def home(request: HttpRequest, *, officer: User, agency_ids: set[int]) -> HttpResponse:
    """Online submissions waiting to be checked (oldest first) and results to hand back.
    No applicant names here: personal data is shown on the audited dossier pages only."""
    wanted = request.GET.get("ma", "").strip()[:96]
    error = ""
    if wanted and CODE_SHAPE.fullmatch(wanted):
        return redirect("office:counter_check", code=wanted)
    if wanted:
        error = _("Mã hồ sơ “%(code)s” không hợp lệ: chỉ gồm chữ, số, dấu chấm và gạch ngang.") % {
            "code": wanted
        }
    drafts = (
        Dossier.objects.filter(
            agency_id__in=agency_ids,
            state=State.DRAFT,
            channel__in=(Channel.DIRECT, Channel.POSTAL),
        )
        .select_related("procedure")
        .only("reference", "created_at", "procedure__code", "procedure__name")
        .order_by("-created_at", "-id")[:DRAFTS_LIMIT]
    )
    context = {
        "submitted": _page(
            request, _queue(agency_ids, State.SUBMITTED, ("submitted_at", "id")), "trang"
        ),
        "ready": _page(
            request, _queue(agency_ids, State.RESULT_READY, ("finished_at", "id")), "trang_kq"
        ),
        "drafts": list(drafts),
        "asked": _asked_for_supplement(agency_ids),
        "many_agencies": len(agency_ids) > 1,
        "error": error,
    }
    return render(request, "office/counter_home.html", context, status=400 if error else 200)


# ---------------------------------------------------------------- walk-in entry


def _officer_agencies(agency_ids: set[int]) -> list[Agency]:
    return list(Agency.objects.filter(id__in=agency_ids).order_by("name"))


def _registry_lookup(personal_id: str) -> tuple[RegistryPerson | None, str]:
    """The person, or None and why (not in the registry, or the registry unreachable)."""
    try:
        person = population_registry().lookup(personal_id)
    except MotcuaError as error:
        return None, error.message
    except Exception:  # a remote connector's failure must not become a 500 at the counter
        logger.exception("population registry lookup failed")
        return None, _(
            "Không kết nối được CSDL quốc gia về dân cư; hãy nhập thông tin theo giấy tờ "
            "người nộp xuất trình."
        )
    if person is None:
        return None, _(
            "CSDL quốc gia về dân cư không có số định danh này; hãy kiểm tra lại giấy tờ hoặc "
            "nhập thông tin theo giấy tờ người nộp xuất trình."
        )
    return person, ""


def _uploads_for(
    request: HttpRequest, documents: list[RequiredDocument]
) -> list[tuple[RequiredDocument, UploadedFile]]:
    return [
        (document, upload)
        for document in documents
        if (upload := request.FILES.get(f"tep_{document.pk}")) is not None
    ]


def _precheck(uploads: list[tuple[RequiredDocument, UploadedFile]]) -> None:
    """Refuse a too-big or disguised file before anything is written (and before a file lands
    on disk), so a bad scan never leaves half a dossier behind."""
    for _document, upload in uploads:
        upload_check(upload)
        upload.seek(0)


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
        return _forbidden(request, _("Bạn không phải cán bộ một cửa của cơ quan đã chọn."))
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
        "results": procedure_search(query, agency_id=agency.pk)[:SEARCH_LIMIT] if query else [],
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
        return render(request, "office/counter_walkin.html", context)

    if request.POST.get("hanh_dong") == "tra_cuu":
        return _walk_in_lookup(request, context)

    form = WalkInForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        context["error"] = _(
            "Hồ sơ chưa được tạo: hãy sửa các ô được đánh dấu (và chọn lại tệp bản quét nếu "
            "đã chọn)."
        )
        return render(request, "office/counter_walkin.html", context, status=400)
    data = form.cleaned_data
    uploads = _uploads_for(request, documents)
    person, _why = _registry_lookup(data["applicant_id_number"])
    from_registry = person is not None and fold(person.full_name) == fold(data["applicant_name"])
    try:
        _precheck(uploads)
        with transaction.atomic():
            dossier = dossier_create(
                actor=officer,
                procedure=procedure,
                agency=agency,
                channel=data["channel"],
                applicant_name=data["applicant_name"],
                applicant_id_number=data["applicant_id_number"],
                applicant_address=data["applicant_address"],
                applicant_phone=data["applicant_phone"],
                applicant_email=data["applicant_email"],
            )
            if from_registry:
                # The applicant's identity came from the population registry (§7
                # `registry_dossiers`); no service takes this flag at creation yet.
                dossier = dossier_record(
                    actor=officer,
                    dossier=dossier,
                    action="registry_lookup",
                    payload={"source": "population_registry"},
                    changes={"registry_used": True},
                )
            for document, upload in uploads:
                document_attach(
                    actor=officer,
                    dossier=dossier,
                    upload=upload,
                    kind=DossierDocument.Kind.SCAN,
                    required_document=document,
                )
    except MotcuaError as error:
        context["error"] = _("Hồ sơ chưa được tạo: %(reason)s") % {"reason": error.message}
        return render(request, "office/counter_walkin.html", context, status=_error_status(error))
    messages.success(
        request,
        _("Đã tạo hồ sơ %(code)s. Kiểm tra thành phần hồ sơ rồi tiếp nhận.")
        % {"code": dossier.public_code},
    )
    return redirect(_check_url(dossier))


def _walk_in_lookup(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """Fill name and address from the population registry; nothing is written. A POST, so
    the personal ID never sits in a URL or an access log."""
    initial = {name: request.POST.get(name, "") for name in WalkInForm.base_fields}
    lookup = PersonalIdForm(request.POST)
    if not lookup.is_valid():
        context["form"] = WalkInForm(initial=initial)
        context["id_error"] = lookup.errors["applicant_id_number"][0]
        return render(request, "office/counter_walkin.html", context, status=400)
    personal_id = lookup.cleaned_data["applicant_id_number"]
    person, why = _registry_lookup(personal_id)
    initial["applicant_id_number"] = personal_id
    if person is not None:
        initial["applicant_name"] = person.full_name
        initial["applicant_address"] = person.permanent_address
        context["person"] = person
    else:
        context["id_notice"] = why
    context["form"] = WalkInForm(initial=initial)
    return render(request, "office/counter_walkin.html", context)


# ---------------------------------------------------------------- completeness check


def _required_rows(dossier: Dossier) -> tuple[list[dict[str, Any]], list[DossierDocument]]:
    """Each required document with the files attached for it; and the files attached to none."""
    documents = list(dossier.procedure.documents.all())
    files = list(
        dossier.documents.exclude(kind=DossierDocument.Kind.RESULT)
        .select_related("reused_from__dossier")
        .order_by("id")
    )
    by_document: dict[int | None, list[DossierDocument]] = {}
    for file in files:
        by_document.setdefault(file.required_document_id, []).append(file)
    known = {d.pk for d in documents}
    rows = [{"document": d, "files": by_document.get(d.pk, [])} for d in documents]
    loose = [f for f in files if f.required_document_id not in known]
    return rows, loose


def _check_context(
    dossier: Dossier, officer: User, *, supplement: SupplementForm | None = None, **forms: Any
) -> dict[str, Any]:
    rows, loose = _required_rows(dossier)
    actions = [a for a in allowed_actions(dossier, officer) if a in CHECK_ACTIONS]
    if supplement is None and Action.REQUEST_SUPPLEMENT in actions:
        supplement = SupplementForm(
            documents=[row["document"] for row in rows],
            calendar=working_calendar(dossier.agency.office_hours),
            initial={
                "missing_documents": [
                    str(row["document"].pk)
                    for row in rows
                    if not row["files"] and not row["document"].optional
                ],
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
        "refuse_form": forms.get("refuse") or RefuseForm(initial={"version": dossier.version}),
        "can_return": Action.RETURN in allowed_actions(dossier, officer),
        "missing_count": sum(1 for r in rows if not r["files"] and not r["document"].optional),
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
    else:
        form = ACTION_FORMS[action](request.POST)
    forms_shown = {
        "supplement": form if action == Action.REQUEST_SUPPLEMENT else None,
        "refuse": form if action == Action.REFUSE else None,
    }
    if not form.is_valid():
        context = _check_context(dossier, officer, **forms_shown)
        context["error"] = _first_error(form)
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
        return render(request, "office/counter_check.html", context, status=_error_status(error))
    messages.success(
        request, DONE[action] % {"code": updated.public_code}, extra_tags=LETTER_OF.get(action, "")
    )
    return redirect(_check_url(updated))


def _first_error(form: Any) -> str:
    for name, errors in form.errors.items():
        if errors:
            label = form.fields[name].label if name in form.fields else ""
            return f"{label}: {errors[0]}" if label and name != "version" else str(errors[0])
    return _("Dữ liệu không hợp lệ.")


# ---------------------------------------------------------------- digitisation


def _digitize_context(dossier: Dossier, officer: User, **extra: Any) -> dict[str, Any]:
    rows, loose = _required_rows(dossier)
    sources = (
        list(store_documents_of(dossier.applicant_id_number).order_by("-created_at")[:STORE_LIMIT])
        if dossier.applicant_id_number
        else []
    )
    sources = [s for s in sources if s.dossier_id != dossier.pk]
    documents = [row["document"] for row in rows]
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
            uploads = _uploads_for(request, documents)
            if not uploads:
                return _digitize_error(
                    request, dossier, officer, _("Chưa chọn tệp nào để đính kèm."), 400
                )
            _precheck(uploads)
            with transaction.atomic():
                for document, upload in uploads:
                    document_attach(
                        actor=officer,
                        dossier=dossier,
                        upload=upload,
                        kind=DossierDocument.Kind.SCAN,
                        required_document=document,
                    )
            done = _("Đã lưu %(count)d bản quét.") % {"count": len(uploads)}
        elif action == "tai_su_dung":
            sources = list(
                store_documents_of(dossier.applicant_id_number)
                .exclude(dossier=dossier)
                .order_by("-created_at")[:STORE_LIMIT]
            )
            reuse = ReuseForm(request.POST, documents=documents, sources=sources)
            if not reuse.is_valid():
                return _digitize_error(
                    request, dossier, officer, _first_error(reuse), 400, reuse_form=reuse
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
        return _digitize_error(request, dossier, officer, error.message, _error_status(error))
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


# ---------------------------------------------------------------- return of the result


@require_http_methods(["GET", "POST"])
@counter_dossier
def return_result(request: HttpRequest, *, officer: User, dossier: Dossier) -> HttpResponse:
    """Hand the result over in person or by post, recording who received it and how."""
    results = list(dossier.documents.filter(kind=DossierDocument.Kind.RESULT).order_by("id"))
    can_return = Action.RETURN in allowed_actions(dossier, officer)
    context: dict[str, Any] = {"dossier": dossier, "results": results, "can_return": can_return}
    if request.method == "GET":
        context["form"] = ReturnForm(
            initial={"version": dossier.version, "receiver": dossier.applicant_name}
        )
        return render(request, "office/counter_return.html", context)
    form = ReturnForm(request.POST)
    context["form"] = form
    if not form.is_valid():
        context["error"] = _first_error(form)
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
        return render(request, "office/counter_return.html", context, status=_error_status(error))
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
        return _forbidden(request, _("Hồ sơ không có tài liệu này."), status=404)
    response = FileResponse(handle, content_type=document.content_type, filename=document.name)
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("", home, name="counter_home"),
    path("tiep-nhan/moi/", walk_in, name="counter_walkin"),
    path("ho-so/<str:code>/kiem-tra/", check, name="counter_check"),
    path("ho-so/<str:code>/so-hoa/", digitize, name="counter_digitize"),
    path("ho-so/<str:code>/tra-ket-qua/", return_result, name="counter_return"),
    path("ho-so/<str:code>/tai-lieu/<int:document_id>/", document_file, name="counter_document"),
]
