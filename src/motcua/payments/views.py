"""Payment pages: the citizen's "Thanh toán" page and the return from the gateway, the
gateway's notification endpoint (IPN), the receipt PDF, and the counter's fee collection.
Each view parses input, calls one service or selector, renders."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from motcua.core.errors import MotcuaError, NotFound, ValidationFailed
from motcua.directory.models import Role, User
from motcua.directory.selectors import user_has_role
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import dossier_get_for_actor
from motcua.payments.gateways import (
    NotificationRejected,
    default_gateway_name,
    gateway_get,
    gateway_names,
)
from motcua.payments.models import Method, Payment, Refund, Status
from motcua.payments.receipts import receipt_pdf
from motcua.payments.selectors import (
    online_payment_in_progress,
    payment_get_for_actor,
    payment_state,
    refund_agency_ids,
    refunds_open_for,
)
from motcua.payments.services import (
    REFUND_NOTE_MAX,
    notification_handle,
    payment_record_counter,
    payment_start,
    refund_settle,
)


def _status(error: MotcuaError) -> int:
    return error.status if 400 <= error.status < 500 else 400


def _not_found(request: HttpRequest, message: str, status: int = 404) -> HttpResponse:
    return render(request, "payments/error.html", {"message": message}, status=status)


def _owned_dossier(user: User, reference: str) -> Dossier:
    """The applicant's own dossier; staff who may read it still do not pay for it here."""
    dossier = dossier_get_for_actor(user, reference[:96])
    if dossier.applicant_id != user.pk:
        raise NotFound(_("Không tìm thấy hồ sơ %(code)s.") % {"code": reference[:96]})
    return dossier


def _pay_context(dossier: Dossier, **extra: Any) -> dict[str, Any]:
    state = payment_state(dossier)
    return {
        "dossier": dossier,
        "state": state,
        "gateway": default_gateway_name(),
        "gateways": gateway_names(),
        **extra,
    }


@require_http_methods(["GET", "POST"])
def pay(request: HttpRequest, reference: str) -> HttpResponse:
    """The fees of the citizen's dossier, then off to the gateway."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    user = cast(User, request.user)
    try:
        dossier = _owned_dossier(user, reference)
    except NotFound as error:
        return _not_found(request, error.message)
    if request.method == "GET":
        return render(request, "payments/pay.html", _pay_context(dossier))
    gateway = (request.POST.get("cong", "") or default_gateway_name() or "")[:32]
    try:
        if gateway not in gateway_names():
            raise ValidationFailed(
                _("Cổng thanh toán không hợp lệ."), fields={"gateway": "invalid"}
            )
        return_url = request.build_absolute_uri(
            reverse("payments:return", kwargs={"gateway": gateway})
        )
        _payment, url = payment_start(
            actor=user, dossier=dossier, gateway_name=gateway, return_url=return_url
        )
    except MotcuaError as error:
        context = _pay_context(dossier, error=error.message)
        return render(request, "payments/pay.html", context, status=_status(error))
    return redirect(url)


@require_http_methods(["GET"])
def payment_return(request: HttpRequest, gateway: str) -> HttpResponse:
    """Where the gateway sends the browser back. It only shows what we know: the IPN is the
    source of truth, so until it arrives the page says "đang xử lý" and checks again."""
    if gateway not in gateway_names():
        raise Http404
    adapter = gateway_get(gateway)
    params = {key: str(request.GET.get(key, "")) for key in request.GET}
    try:
        note = adapter.verify_notification(params)
        order_ref, tampered = note.order_ref, False
    except NotificationRejected as rejected:
        order_ref, tampered = rejected.order_ref, True
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        payment = payment_get_for_actor(cast(User, request.user), order_ref)
    except NotFound as error:
        return _not_found(request, error.message)
    context = {
        "payment": payment,
        "dossier": payment.dossier,
        "tampered": tampered,
        "pending": payment.status == Status.PENDING,
    }
    return render(request, "payments/result.html", context)


@csrf_exempt  # signed by the gateway's secret instead; the gateway has no session
@require_http_methods(["GET", "POST"])
def ipn(request: HttpRequest, gateway: str) -> HttpResponse:
    """The gateway's server-to-server notification. Always 200 with the gateway's answer
    codes (a gateway retries on anything else)."""
    if gateway not in gateway_names():
        return JsonResponse({"RspCode": "99", "Message": "Unknown gateway"}, status=404)
    source = request.POST if request.method == "POST" else request.GET
    params = {key: str(source.get(key, "")) for key in source}
    _outcome, answer = notification_handle(gateway_name=gateway, params=params)
    return JsonResponse(answer)


@require_http_methods(["GET"])
def receipt(request: HttpRequest, order_ref: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        payment = payment_get_for_actor(cast(User, request.user), order_ref)
        pdf = receipt_pdf(payment)
    except NotFound as error:
        return _not_found(request, error.message)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bien-lai-{payment.receipt_no}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the counter --------------------------------------------------------------------------


def _counter_context(dossier: Dossier, **extra: Any) -> dict[str, Any]:
    return {
        "dossier": dossier,
        "state": payment_state(dossier),
        "in_progress": online_payment_in_progress(dossier, timezone.now()),
        "payments": list(
            Payment.objects.filter(dossier=dossier)
            .select_related("recorded_by")
            .order_by("-created_at")
        ),
        "methods": [(Method.CASH, Method.CASH.label), (Method.TRANSFER, Method.TRANSFER.label)],
        **extra,
    }


@require_http_methods(["GET", "POST"])
def counter(request: HttpRequest, code: str) -> HttpResponse:
    """The one-stop officer collects the fees in cash or confirms a transfer."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    officer = cast(User, request.user)
    refused = _("Không tìm thấy hồ sơ %(code)s trong các cơ quan bạn tiếp nhận.") % {
        "code": code[:96]
    }
    try:
        dossier = dossier_get_for_actor(officer, code[:96])
    except NotFound:
        return _not_found(request, refused, status=403)
    if not user_has_role(officer, Role.RECEPTION, dossier.agency_id):
        return _not_found(request, refused, status=403)
    if request.method == "GET":
        wanted = request.GET.get("da_thu", "")[:40]
        recorded = Payment.objects.filter(
            dossier=dossier, order_ref=wanted, status=Status.PAID
        ).first()
        context = _counter_context(dossier, recorded=recorded)
        return render(request, "payments/counter.html", context)
    method = request.POST.get("hinh_thuc", "")[:12]
    note = request.POST.get("ghi_chu", "")[:500]
    try:
        payment = payment_record_counter(actor=officer, dossier=dossier, method=method, note=note)
    except MotcuaError as error:
        context = _counter_context(dossier, error=error.message, method=method, note=note)
        return render(request, "payments/counter.html", context, status=_status(error))
    # The confirmation comes from the record, not from a flash message: a reload shows the
    # same thing, and a forged parameter can only name a payment of this dossier.
    url = reverse("payments:counter", kwargs={"code": dossier.public_code})
    return redirect(f"{url}?da_thu={payment.order_ref}")


# --- refunds ------------------------------------------------------------------------------


def _refunds_page(
    request: HttpRequest, officer: User, *, status: int = 200, **extra: Any
) -> HttpResponse:
    refunds = list(refunds_open_for(officer))
    context = {
        "refunds": refunds,
        "total": sum(refund.amount for refund in refunds),
        "note_max": REFUND_NOTE_MAX,
        **extra,
    }
    return render(request, "payments/refunds.html", context, status=status)


def _refund_officer(request: HttpRequest) -> User | HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    officer = cast(User, request.user)
    if not refund_agency_ids(officer):
        return _not_found(
            request, _("Chỉ cán bộ một cửa được xem các khoản thu trùng cần hoàn tiền."), 403
        )
    return officer


@require_http_methods(["GET"])
def refunds(request: HttpRequest) -> HttpResponse:
    """Money taken twice for one dossier, owed back to the applicant, in the agencies where the
    officer works at the one-stop counter."""
    officer = _refund_officer(request)
    if isinstance(officer, HttpResponse):
        return officer
    settled = None
    wanted = request.GET.get("da_hoan", "")[:12]
    if wanted.isdigit():
        settled = (
            Refund.objects.filter(
                pk=int(wanted),
                agency_id__in=refund_agency_ids(officer),
                state=Refund.State.SETTLED,
            )
            .select_related("payment", "dossier")
            .first()
        )
    return _refunds_page(request, officer, settled=settled)


@require_http_methods(["POST"])
def refund_settle_view(request: HttpRequest, refund_id: int) -> HttpResponse:
    officer = _refund_officer(request)
    if isinstance(officer, HttpResponse):
        return officer
    note = request.POST.get("cach_hoan", "")[:1000]
    try:
        refund = refund_settle(actor=officer, refund_id=refund_id, note=note)
    except MotcuaError as error:
        return _refunds_page(
            request,
            officer,
            status=_status(error),
            error=error.message,
            failed_id=refund_id,
            note=note,
        )
    return redirect(f"{reverse('payments:refunds')}?da_hoan={refund.pk}")
