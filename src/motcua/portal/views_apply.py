"""Applying online (domain.md §4, §6): the e-form with everything known prefilled, the
attachments (uploaded or reused from the data store), drafts, submission and its
confirmation."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import cached_property, wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.catalog.coverage import documents_covered_by_eform
from motcua.catalog.eforms import eform_of
from motcua.catalog.fee_forms import FeeForm, fee_form
from motcua.catalog.models import Procedure
from motcua.core.errors import MotcuaError, NotFound
from motcua.core.rows import rows_insert, rows_where
from motcua.directory.models import Agency, User
from motcua.dossiers.documents import Attachment, result_fits, store_documents_of
from motcua.dossiers.forms import posted_version
from motcua.dossiers.models import Channel, Dossier, DossierDocument, State
from motcua.dossiers.selectors import dossier_get_for_actor, procedure_with_catalog
from motcua.dossiers.services import dossier_apply_online
from motcua.portal.eforms import (
    answers_from_post,
    applicant_particulars,
    enterprise_of_answers,
    field_views,
    form_fields,
    known_values,
    needs_spouse,
    partner_of_answers,
    registry_person_lookup,
    registry_spouse,
    registry_used,
    store_answers,
)
from motcua.portal.forms_apply import (
    agency_chosen,
    agency_guess,
    attachments_from,
    reuse_chosen,
)
from motcua.portal.models import StartToken

SAVE, SUBMIT = "luu_nhap", "nop"
START_TOKEN_FIELD = "phieu"
START_TOKENS = "portal.start_tokens"
START_TOKENS_KEPT = 20
# The data store offers at most this many earlier results to reuse.
STORE_LIMIT = 30


def citizen_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else to the sign-in page and back), and as a citizen: online dossiers are
    filed under a personal ID."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.personal_id:  # type: ignore[union-attr]
            return render(
                request,
                "portal/apply_refused.html",
                {
                    "message": _(
                        "Chỉ tài khoản công dân (đăng nhập bằng số định danh cá nhân) được nộp "
                        "hồ sơ trực tuyến."
                    )
                },
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper


def _own_dossier(request: HttpRequest, reference: str) -> Dossier:
    """The signed-in citizen's own dossier; anyone else's is 'not found', whether it exists
    or not."""
    try:
        dossier = dossier_get_for_actor(request.user, reference[:96])  # type: ignore[arg-type]
    except NotFound as error:
        raise Http404(error.message) from error
    if dossier.applicant_id != request.user.pk:
        raise Http404(_("Không tìm thấy hồ sơ %(code)s.") % {"code": reference})
    return dossier


def _procedure(code: str) -> Procedure:
    # By its code (unique), read without the query compiler: every apply page asks.
    procedure = next((p for p in rows_where(Procedure, "code", code) if p.is_active), None)
    if procedure is None or not procedure.offers_online:
        raise Http404(_("Thủ tục này không có dịch vụ nộp hồ sơ trực tuyến."))
    return procedure


class _Page:
    """Everything the form page needs, read once per request."""

    def __init__(self, request: HttpRequest, procedure: Procedure, dossier: Dossier | None):
        user: User = request.user  # type: ignore[assignment]
        # The fee lines, required documents and agencies, read once for the page (`fee_form`,
        # the lists, the agency chosen) and the online application (its checks, the fee).
        procedure = procedure_with_catalog(procedure)
        self.request, self.user, self.procedure, self.dossier = request, user, procedure, dossier
        self.eform = eform_of(procedure)
        self.fields = form_fields(self.eform)
        self.person, self.registry_down = registry_person_lookup(user)
        answered = request.POST or (dossier.form_data if dossier else {})
        self.business = enterprise_of_answers(self.fields, answered, user=user)
        self.partner = partner_of_answers(self.fields, answered, user=user)
        self.known = known_values(
            self.fields,
            person=self.person,
            user=user,
            store=store_answers(user, exclude=dossier.pk if dossier else None),
            enterprise=self.business.enterprise,
            partner=self.partner.person,
            # The spouse's record is asked for only where the form asks about a child's parents.
            spouse=(
                registry_spouse(user, self.person) if needs_spouse(self.fields, answered) else None
            ),
            answers=answered,
        )
        self.agencies = list(procedure.agencies.all())
        self.documents = list(procedure.documents.all())

    @cached_property
    def sources(self) -> dict[str, DossierDocument]:
        """The data store's files the page offers to reuse: read when the page is drawn, or
        when a post reuses one (a post that reuses nothing never asks)."""
        return {
            str(d.pk): d
            for d in store_documents_of(self.user.personal_id or "").order_by("-created_at")[
                :STORE_LIMIT
            ]
            if self.dossier is None or d.dossier_id != self.dossier.pk
        }

    def attached(self) -> dict[int | None, list[DossierDocument]]:
        if self.dossier is None:
            return {}
        result: dict[int | None, list[DossierDocument]] = {}
        for document in self.dossier.documents.filter(kind=DossierDocument.Kind.SUBMITTED):
            result.setdefault(document.required_document_id, []).append(document)
        return result

    def render(
        self,
        *,
        answers: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        agency: Agency | None = None,
        fee: FeeForm | None = None,
        message: str = "",
        status: int = 200,
    ) -> HttpResponse:
        errors = errors or {}
        if fee is None:
            fee = fee_form(
                self.procedure,
                channel=Channel.ONLINE,
                initial=self.dossier.fee_choice if self.dossier else None,
            )
        fresh = answers is None
        if answers is None:
            answers = dict(self.dossier.form_data) if self.dossier else {}
        views = field_views(
            self.fields,
            answers=answers,
            known=self.known,
            errors=errors,
            use_known=fresh and not (self.dossier and self.dossier.form_data),
        )
        if agency is None:
            agency = (
                self.dossier.agency
                if self.dossier
                else agency_guess(
                    self.agencies, self.person.permanent_address if self.person else ""
                )
            )
        attached = self.attached()
        covered = documents_covered_by_eform(self.procedure, self.documents)
        rows = [
            {
                "document": d,
                "covered": d.pk in covered,
                "files": attached.get(d.pk, []),
                "error": errors.get(f"document_{d.pk}", ""),
                # Only results of the kind this document asks for: a marriage certificate is
                # never offered where a birth extract is asked.
                "sources": [s for s in self.sources.values() if result_fits(d, s)],
            }
            for d in self.documents
        ]
        # Labels repeat across sections ("Họ, chữ đệm và tên" of the child, of the mother),
        # so the summary names the section and links to the field.
        summary = [
            (
                f"f_{view.name}",
                f"{view.field.section} — {view.field.label}"
                if view.field.section
                else view.field.label,
                view.error,
            )
            for view in views
            if view.error
        ] + [
            (f"tep_{document.pk}", document.name, errors[f"document_{document.pk}"])
            for document in self.documents
            if errors.get(f"document_{document.pk}")
        ]
        if errors.get("agency"):
            summary.insert(0, ("f_co_quan", _("Cơ quan giải quyết"), errors["agency"]))
        summary += fee.summary()
        return render(
            self.request,
            "portal/apply_form.html",
            {
                "procedure": self.procedure,
                "dossier": self.dossier,
                "eform": self.eform,
                "sections": _sections(views),
                "prefilled_count": sum(1 for v in views if v.prefilled),
                "agencies": self.agencies,
                "agency": agency,
                "agency_error": errors.get("agency", ""),
                "max_mb": settings.MOTCUA_MAX_UPLOAD_BYTES // 1048576,
                "rows": rows,
                "fee": fee,
                "message": message or errors.get("", ""),
                "summary": summary,
                "registry_known": self.person is not None,
                "registry_down": self.registry_down,
                "business_down": self.business.down,
                # Said once on the page: the partner's fields are optional, so not an error.
                "partner_notice": self.partner.error
                or (
                    _(
                        "Hiện không kết nối được CSDL quốc gia về dân cư nên chưa điền sẵn được "
                        "thông tin người kết hôn cùng; hãy tự điền các mục."
                    )
                    if self.partner.down
                    else ""
                ),
                "start_token": start_token_issue(self.request) if self.dossier is None else "",
            },
            status=status,
        )


@require_http_methods(["GET", "POST"])
@citizen_required
def apply_start(request: HttpRequest, code: str) -> HttpResponse:
    page = _Page(request, _procedure(code), None)
    if request.method == "GET":
        return page.render()
    return _save(page)


@require_http_methods(["GET", "POST"])
@citizen_required
def apply_draft(request: HttpRequest, reference: str) -> HttpResponse:
    dossier = _own_dossier(request, reference)
    if dossier.state != State.DRAFT:
        if request.method == "POST":
            return _already_submitted(request, dossier)
        return redirect("portal:apply_done", reference=dossier.reference)
    page = _Page(request, dossier.procedure, dossier)
    if request.method == "GET":
        return page.render()
    return _save(page)


def start_token_issue(request: HttpRequest) -> str:
    """A one-time token for the start form. The session keeps the last few, so a citizen can
    have several start pages open; which one was used is recorded in the database
    (StartToken), where two requests cannot both claim it."""
    token = secrets.token_urlsafe(24)
    issued = request.session.get(START_TOKENS, [])[-(START_TOKENS_KEPT - 1) :]
    request.session[START_TOKENS] = [*issued, token]
    return token


def start_token_known(request: HttpRequest, token: str) -> bool:
    """Whether this session issued the token and has not spent it."""
    return token in request.session.get(START_TOKENS, [])


def start_token_spend(request: HttpRequest, token: str) -> None:
    """Used: from now on only its StartToken row answers a repeat, and once `prune_records`
    deletes that row a repeat is refused rather than taken as new."""
    request.session[START_TOKENS] = [t for t in request.session.get(START_TOKENS, []) if t != token]


def start_token_claim(*, token: str, user: User, dossier: Dossier) -> None:
    """In the service's transaction: a second request with the same token fails on the
    unique index once this one commits, and is sent to what this one made."""
    rows_insert([StartToken(token=token, user=user, created_at=timezone.now(), dossier=dossier)])


def start_token_claimed(user: User, token: str) -> Dossier | None:
    """The dossier an earlier POST with this token made, if any. Asked on every start form
    and almost always answered no: the token (unique) looked up without the query compiler,
    the dossier read only when there is one."""
    claimed = [
        t.dossier_id
        for t in rows_where(StartToken, "token", token)
        if t.user_id == user.pk and t.dossier_id is not None
    ]
    return Dossier.objects.get(pk=claimed[0]) if claimed else None


def _start_claimed(page: _Page, token: str) -> HttpResponse | None:
    """Where a repeated POST of the start form goes: to the dossier the first one made."""
    dossier = start_token_claimed(page.user, token)
    if dossier is None:
        return None
    if dossier.state != State.DRAFT:
        return _already_submitted(page.request, dossier)
    messages.warning(
        page.request,
        _("Hồ sơ %(ref)s đã được tạo từ lần gửi trước; lần gửi vừa rồi không tạo thêm hồ sơ.")
        % {"ref": dossier.reference},
    )
    return redirect("portal:apply_draft", reference=dossier.reference)


def _save(page: _Page) -> HttpResponse:
    """Save the draft, or submit it. Everything is checked before anything is written; a
    refusal writes nothing and says what to fix."""
    request, post = page.request, page.request.POST
    action = post.get("hanh_dong", SAVE)
    answers = answers_from_post(page.fields, post)
    agency = agency_chosen(page.agencies, post.get("co_quan", ""))
    attachments = attachments_from(
        page.documents,
        request.FILES,
        post,
        page.sources if reuse_chosen(page.documents, post) else {},
    )
    # The fee category: a draft may leave it for later, a submission must have it.
    fee = fee_form(page.procedure, channel=Channel.ONLINE, data=post, required=action == SUBMIT)
    errors = dict(attachments.errors) | fee.errors()
    if agency is None:
        errors["agency"] = _("Hãy chọn cơ quan giải quyết.")
    # Only the start form carries a token; a form posted without one (an old page, a script)
    # is saved as before, without the double-click guard.
    token = post.get(START_TOKEN_FIELD, "")[:64] if page.dossier is None else ""
    if token:
        earlier = _start_claimed(page, token)
        if earlier is not None:
            return earlier
        if not start_token_known(request, token):
            errors[""] = _(
                "Trang nộp hồ sơ này đã hết hạn. Hãy kiểm tra lại các mục và gửi lại "
                "(chọn lại tệp nếu đã chọn)."
            )
    if errors:
        return page.render(
            answers=answers,
            errors=errors,
            agency=agency,
            fee=fee,
            message=errors.get("")
            or _(
                "Hồ sơ chưa được lưu: hãy sửa các mục được đánh dấu (và chọn lại tệp nếu đã chọn)."
            ),
            status=400,
        )
    assert agency is not None
    user = page.user

    def claim(dossier: Dossier) -> None:
        start_token_claim(token=token, user=user, dossier=dossier)

    try:
        dossier = dossier_apply_online(
            actor=user,
            procedure=page.procedure,
            dossier=page.dossier,
            form_data=answers,
            agency=agency,
            applicant=applicant_particulars(page.fields, answers, user, page.person),
            registry_used=registry_used(page.known, answers),
            fee_choice=fee.choice(),
            files=[
                *(Attachment(required_document=d, upload=u) for d, u in attachments.uploads),
                *(Attachment(required_document=d, source=s) for d, s in attachments.reuses),
            ],
            submit=action == SUBMIT,
            expected_version=posted_version(post, "phien_ban")
            if page.dossier and post.get("phien_ban")
            else None,
            created=claim if token else None,
        )
        if token:
            start_token_spend(request, token)
    except IntegrityError:
        earlier = _start_claimed(page, token) if token else None
        if earlier is None:
            raise
        return earlier
    except MotcuaError as error:
        if page.dossier is not None:
            # Two tabs (or a double click) posting the same draft: the other request
            # submitted it while this one was on its way, and its version check or the
            # draft check refused this one. Say so plainly instead of "updated by someone".
            now = Dossier.objects.get(pk=page.dossier.pk)
            if now.state != State.DRAFT:
                return _already_submitted(request, now)
        return page.render(
            answers=answers,
            errors={k: str(v) for k, v in error.fields.items() if k in _named(page)},
            agency=agency,
            fee=fee,
            message=error.message,
            status=error.status,
        )
    if action == SUBMIT:
        return redirect("portal:apply_done", reference=dossier.reference)
    messages.success(
        request,
        _("Đã lưu nháp hồ sơ %(ref)s. Bạn có thể quay lại hoàn thiện và nộp bất cứ lúc nào.")
        % {"ref": dossier.reference},
    )
    return redirect("portal:apply_draft", reference=dossier.reference)


def _already_submitted(request: HttpRequest, dossier: Dossier) -> HttpResponse:
    """A second "Nộp hồ sơ" for a dossier already submitted changes nothing; the
    confirmation page says why the citizen landed there."""
    messages.warning(
        request,
        _(
            "Hồ sơ %(ref)s đã được nộp lúc %(at)s; lần gửi vừa rồi không được ghi nhận và "
            "hồ sơ không thay đổi."
        )
        % {
            "ref": dossier.reference,
            "at": timezone.localtime(dossier.submitted_at).strftime("%H:%M %d/%m/%Y")
            if dossier.submitted_at
            else "—",
        },
    )
    return redirect("portal:apply_done", reference=dossier.reference)


def _sections(views: list[Any]) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    for view in views:
        if view.new_section or not sections:
            sections.append({"title": view.field.section, "fields": []})
        sections[-1]["fields"].append(view)
    return sections


def _named(page: _Page) -> set[str]:
    return {f.name for f in page.fields} | {f"document_{d.pk}" for d in page.documents}


@require_http_methods(["GET"])
@citizen_required
def apply_done(request: HttpRequest, reference: str) -> HttpResponse:
    """The confirmation, at once: the temporary reference, what happens next, the fee."""
    dossier = _own_dossier(request, reference)
    if dossier.state == State.DRAFT:
        return redirect("portal:apply_draft", reference=dossier.reference)
    try:
        mine_url = reverse("portal:mine_detail", args=[dossier.public_code])
    except NoReverseMatch:  # the "my dossiers" pages are built separately
        mine_url = ""
    pay_url = ""
    if dossier.fee_amount > 0 and not dossier.paid_online:
        try:
            pay_url = reverse("payments:pay", args=[dossier.reference])
        except NoReverseMatch:
            pay_url = ""
    return render(
        request,
        "portal/apply_done.html",
        {
            "dossier": dossier,
            "procedure": dossier.procedure,
            "documents": list(
                dossier.documents.filter(kind=DossierDocument.Kind.SUBMITTED).select_related(
                    "required_document"
                )
            ),
            "pay_url": pay_url,
            "mine_url": mine_url,
        },
    )
