"""`/lien-thong/`: the bundles (public), the citizen's one application, and the public
tracking of an application by its code."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.bundles.selectors import (
    application_get,
    application_outstanding,
    application_status,
    bundle_get,
    bundle_members,
    bundles_active,
)
from motcua.bundles.services import BundleShape, bundle_apply, bundle_pay_start, bundle_shape
from motcua.catalog.fees import fee_amount_due
from motcua.core.errors import MotcuaError, NotFound, ValidationFailed
from motcua.directory.models import Agency, User
from motcua.dossiers.models import Channel, Dossier, DossierDocument, State
from motcua.dossiers.public import dossier_public
from motcua.payments.gateways import default_gateway_name, gateway_names
from motcua.payments.models import Payment
from motcua.payments.models import Status as PaymentStatus
from motcua.portal.eforms import (
    answers_from_post,
    applicant_particulars,
    field_views,
    known_values,
    needs_spouse,
    registry_person_lookup,
    registry_spouse,
    registry_used,
    store_answers,
)
from motcua.portal.forms_apply import agency_guess
from motcua.portal.mine import owner_documents
from motcua.portal.views_apply import (
    START_TOKEN_FIELD,
    citizen_required,
    start_token_claim,
    start_token_claimed,
    start_token_issue,
    start_token_known,
    start_token_spend,
)


def _bundle(code: str):
    try:
        return bundle_get(code)
    except NotFound as error:
        raise Http404(error.message) from error


def _fee_estimate(members) -> int:
    """The online fees of the members, added: what the application will owe."""
    total = 0
    for member in members:
        try:
            total += fee_amount_due(member.procedure, {}, channel=Channel.ONLINE).amount
        except MotcuaError:
            continue
    return total


@require_http_methods(["GET"])
def bundle_list(request: HttpRequest) -> HttpResponse:
    bundles = list(bundles_active().prefetch_related("members__procedure"))
    return render(request, "bundles/list.html", {"bundles": bundles})


@require_http_methods(["GET"])
def bundle_detail(request: HttpRequest, code: str) -> HttpResponse:
    bundle = _bundle(code)
    members = bundle_members(bundle)
    return render(
        request,
        "bundles/detail.html",
        {"bundle": bundle, "members": members, "fee_total": _fee_estimate(members)},
    )


class _Page:
    """The one form of a bundle, prefilled the way the single apply page prefills."""

    def __init__(self, request: HttpRequest, shape: BundleShape):
        user: User = request.user  # type: ignore[assignment]
        self.request, self.user, self.shape = request, user, shape
        self.fields = shape.form.fields
        self.person, self.registry_down = registry_person_lookup(user)
        answered: Any = request.POST or {}
        self.known = known_values(
            self.fields,
            person=self.person,
            user=user,
            store=store_answers(user),
            spouse=(
                registry_spouse(user, self.person) if needs_spouse(self.fields, answered) else None
            ),
            answers=answered,
        )

    def render(
        self,
        *,
        answers: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        chosen: dict[int, Agency | None] | None = None,
        message: str = "",
        status: int = 200,
    ) -> HttpResponse:
        errors = errors or {}
        views = field_views(
            self.fields,
            answers=answers or {},
            known=self.known,
            errors=errors,
            use_known=answers is None,
        )
        sections: list[dict[str, Any]] = []
        for view in views:
            if view.new_section or not sections:
                sections.append({"title": view.field.section, "fields": []})
            sections[-1]["fields"].append(view)
        address = self.person.permanent_address if self.person else ""
        members = [
            {
                "member": m,
                "agencies": self.shape.agencies(m),
                "agency": (chosen or {}).get(m.pk) or agency_guess(self.shape.agencies(m), address),
                "error": errors.get(f"co_quan_{m.pk}", ""),
            }
            for m in self.shape.members
        ]
        documents = [
            {"slot": s, "error": errors.get(f"tep_{s.key}", "")} for s in self.shape.documents
        ]
        return render(
            self.request,
            "bundles/apply.html",
            {
                "bundle": self.shape.bundle,
                "members": members,
                "sections": sections,
                "documents": documents,
                "prefilled_count": sum(1 for v in views if v.prefilled),
                "registry_down": self.registry_down,
                "registry_known": self.person is not None,
                "fee_total": _fee_estimate(self.shape.members),
                "max_mb": settings.MOTCUA_MAX_UPLOAD_BYTES // 1048576,
                "message": message,
                "error_count": len(errors),
                "start_token": start_token_issue(self.request),
            },
            status=status,
        )


def _bundle_claimed(request: HttpRequest, user: User, token: str) -> HttpResponse | None:
    """Where a repeated POST of the application goes (a double click, a resend after a lost
    answer): to the application the first one made, which it does not repeat."""
    dossier = start_token_claimed(user, token)
    part = getattr(dossier, "bundle_part", None) if dossier is not None else None
    if part is None:
        return None
    application = part.application
    messages.warning(
        request,
        _(
            "Hồ sơ liên thông %(code)s đã được nộp từ lần gửi trước; lần gửi vừa rồi không tạo "
            "thêm hồ sơ nào."
        )
        % {"code": application.code},
    )
    return redirect("bundles:track_code", code=application.code)


@require_http_methods(["GET", "POST"])
@citizen_required
def bundle_apply_page(request: HttpRequest, code: str) -> HttpResponse:
    page = _Page(request, bundle_shape(_bundle(code)))
    if request.method == "GET":
        return page.render()
    post = request.POST
    # The one-time token of the page (as the single apply page's): a form posted without one
    # (an old page, a script) is taken as before, without the double-submit guard.
    token = post.get(START_TOKEN_FIELD, "")[:64]
    if token:
        earlier = _bundle_claimed(request, page.user, token)
        if earlier is not None:
            return earlier
    answers = answers_from_post(page.fields, post)
    chosen: dict[int, Agency | None] = {}
    for member in page.shape.members:
        wanted = post.get(f"co_quan_{member.pk}", "")
        chosen[member.pk] = next((a for a in page.shape.agencies(member) if a.code == wanted), None)
    uploads: dict[str, UploadedFile] = {}
    for slot in page.shape.documents:
        upload = request.FILES.get(f"tep_{slot.key}")
        if isinstance(upload, UploadedFile):
            uploads[slot.key] = upload
    if token and not start_token_known(request, token):
        return page.render(
            answers=answers,
            chosen=chosen,
            message=_(
                "Trang nộp hồ sơ này đã hết hạn. Hãy kiểm tra lại các mục và gửi lại "
                "(chọn lại tệp nếu đã chọn)."
            ),
            status=400,
        )
    user = page.user

    def claim(_application, first: Dossier) -> None:
        start_token_claim(token=token, user=user, dossier=first)

    try:
        application = bundle_apply(
            actor=page.user,
            bundle=page.shape.bundle,
            answers=answers,
            agencies=chosen,
            uploads=uploads,
            applicant=applicant_particulars(page.fields, answers, page.user, page.person),
            registry_used=registry_used(page.known, answers),
            created=claim if token else None,
        )
        if token:
            start_token_spend(request, token)
    except IntegrityError:
        earlier = _bundle_claimed(request, user, token) if token else None
        if earlier is None:
            raise
        return earlier
    except MotcuaError as error:
        return page.render(
            answers=answers,
            errors={k: str(v) for k, v in error.fields.items()},
            chosen=chosen,
            message=error.message,
            status=error.status,
        )
    return redirect("bundles:track_code", code=application.code)


@require_http_methods(["GET"])
def bundle_track(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("ma", "").strip().upper()
    if code:
        return redirect("bundles:track_code", code=code[:16])
    return render(request, "bundles/track.html", {"application": None})


def _track_page(
    request: HttpRequest, application, *, message: str = "", status_code: int = 200
) -> HttpResponse:
    status = application_status(application)
    owner = request.user.is_authenticated and request.user.pk == application.applicant_id
    payments: dict[int, Payment] = {}
    outstanding: list[tuple[Dossier, int]] = []
    if owner:
        # The latest paid, else pending, payment of each part: what the applicant sees.
        for payment in Payment.objects.filter(
            dossier_id__in=[p.dossier.pk for p in status.parts],
            status__in=[PaymentStatus.PAID, PaymentStatus.PENDING],
        ).order_by("created_at", "id"):
            held = payments.get(payment.dossier_id)
            if held is None or held.status != PaymentStatus.PAID:
                payments[payment.dossier_id] = payment
        outstanding = application_outstanding(application)
    parts = []
    for part in status.parts:
        pay_url = ""
        dossier = part.dossier
        paid = payments.get(dossier.pk)
        if owner and dossier.fee_amount > 0 and not dossier.paid_online and paid is None:
            try:
                pay_url = reverse("payments:pay", args=[dossier.reference])
            except NoReverseMatch:
                pay_url = ""
        # The returned part's results, each through the applicant's own download of a
        # dossier's file (`portal:mine_document`): its permission, never a second way.
        results = (
            list(owner_documents(dossier).filter(kind=DossierDocument.Kind.RESULT).order_by("pk"))
            if owner and dossier.state == State.RETURNED
            else []
        )
        parts.append(
            {
                "status": part,
                "public": dossier_public(dossier.public_code),
                "pay_url": pay_url,
                "payment": paid,
                "results": results,
            }
        )
    return render(
        request,
        "bundles/track.html",
        {
            "application": application,
            "status": status,
            "parts": parts,
            "owner": owner,
            "outstanding_total": sum(amount for _dossier, amount in outstanding),
            "outstanding_count": len(outstanding),
            "pay_message": message,
            "title": _("Hồ sơ liên thông %(code)s") % {"code": application.code},
        },
        status=status_code,
    )


@require_http_methods(["GET"])
def bundle_track_code(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone holding the code sees each part's milestones — never a name or a file; the
    applicant also sees what each part owes or has paid, and can pay the rest at once."""
    try:
        application = application_get(code)
    except NotFound as error:
        return render(
            request,
            "bundles/track.html",
            {"application": None, "code": code, "message": error.message},
            status=404,
        )
    return _track_page(request, application)


@require_http_methods(["POST"])
def bundle_pay(request: HttpRequest, code: str) -> HttpResponse:
    """ "Thanh toán một lần": the applicant pays what every part still owes in one gateway
    order; the gateway sends the browser back to the tracking page."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("bundles:track_code", args=[code[:16]]))
    user: User = request.user  # type: ignore[assignment]
    try:
        application = application_get(code)
    except NotFound as error:
        raise Http404(error.message) from error
    if application.applicant_id != user.pk:
        # Anyone else's application is "not found" here, as another's dossier is.
        raise Http404(_("Không tìm thấy hồ sơ liên thông %(code)s.") % {"code": code[:16]})
    gateway = (request.POST.get("cong", "") or default_gateway_name() or "")[:32]
    try:
        if gateway not in gateway_names():
            raise ValidationFailed(
                _("Cổng thanh toán không hợp lệ."), fields={"gateway": "invalid"}
            )
        _order, url = bundle_pay_start(
            actor=user,
            application=application,
            gateway_name=gateway,
            return_url=request.build_absolute_uri(
                reverse("bundles:track_code", args=[application.code])
            ),
        )
    except MotcuaError as error:
        return _track_page(
            request,
            application,
            message=error.message,
            status_code=error.status if 400 <= error.status < 500 else 400,
        )
    return redirect(url)
