"""Payment reads: what a dossier owes and whether it is paid (for the portal's pages and
"my dossiers"), and a payment fetched for someone allowed to see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.fees import FeeDue, fee_due_recorded
from motcua.core.audit import audit_record
from motcua.core.errors import NotFound
from motcua.directory.models import Role, User
from motcua.directory.selectors import user_has_role, user_roles
from motcua.dossiers.models import Dossier, State
from motcua.payments.gateways import gateway_get, gateway_names
from motcua.payments.models import Method, Payment, Refund, Status

# From submission until the result is handed over: an agency may ask for a financial
# obligation at any point before the return (§12 status 6). Not a draft: its procedure and
# agency can still change, and a payment names the agency that collects.
PAYABLE_STATES = frozenset(
    {
        State.SUBMITTED,
        State.RECEIVED,
        State.IN_PROGRESS,
        State.SUPPLEMENT_REQUESTED,
        State.SUSPENDED,
        State.TRANSFERRED,
        State.RESULT_READY,
    }
)


def dossier_fee_due(dossier: Dossier) -> FeeDue:
    """What the dossier owes, line by line: the catalog's rule (`catalog.fees`) applied to the
    category recorded on the dossier — the same amount at the counter, at the gateway and on
    the receipt. When the catalog changed since submission, the recorded amount stands."""
    return fee_due_recorded(
        dossier.procedure,
        choice=dossier.fee_choice,
        channel=dossier.channel,
        recorded=dossier.fee_amount,
    )


@dataclass(frozen=True)
class PaymentState:
    amount: int
    lines: list[dict[str, Any]]
    categories: list[str]  # the fee categories picked among alternative rates
    paid: Payment | None
    pending: Payment | None
    overpaid: list[Payment]  # taken twice: refunds owed (or settled) to the applicant
    online: bool  # the procedure takes online payment
    open: bool  # the dossier is still in a state where fees are collected
    draft: bool  # not submitted yet: payable once it is

    @property
    def free(self) -> bool:
        return self.amount <= 0

    @property
    def can_pay_online(self) -> bool:
        return not self.free and self.paid is None and self.online and self.open


def payment_state(dossier: Dossier) -> PaymentState:
    payments = list(Payment.objects.filter(dossier=dossier).order_by("-created_at", "-id"))
    due = dossier_fee_due(dossier)
    return PaymentState(
        amount=due.amount,
        lines=due.lines() if due.amount > 0 else [],
        categories=due.categories,
        paid=next((p for p in payments if p.status == Status.PAID), None),
        pending=next(
            (p for p in payments if p.status == Status.PENDING and p.method == Method.ONLINE),
            None,
        ),
        overpaid=[p for p in payments if p.status in (Status.OVERPAID, Status.REFUNDED)],
        online=dossier.procedure.accepts_online_payment,
        open=dossier.state in PAYABLE_STATES,
        draft=dossier.state == State.DRAFT,
    )


def payment_get_for_actor(actor: User | None, order_ref: str) -> Payment:
    """The payment, to the dossier's applicant and the reception officers of its agency;
    anyone else gets the same NotFound as for a reference that does not exist. Staff reads
    are audited: a receipt carries the payer's name."""
    refused = NotFound(_("Không tìm thấy giao dịch %(ref)s.") % {"ref": order_ref[:40]})
    if actor is None or not actor.is_authenticated:
        raise refused
    payment = (
        Payment.objects.select_related("dossier", "dossier__procedure", "dossier__agency")
        .filter(order_ref=order_ref[:40])
        .first()
    )
    if payment is None:
        raise refused
    dossier = payment.dossier
    if dossier.applicant_id == actor.pk:
        return payment
    if user_has_role(actor, Role.RECEPTION, dossier.agency_id):
        audit_record(
            actor=actor, action="payment.read", object_type="payment", object_id=payment.order_ref
        )
        return payment
    raise refused


@dataclass(frozen=True)
class OnlineInProgress:
    payment: Payment
    until: datetime  # when the gateway's window closes

    @property
    def message(self) -> str:
        return _(
            "Hồ sơ %(code)s đang có giao dịch thanh toán trực tuyến %(ref)s chưa có kết quả "
            "(bắt đầu lúc %(start)s). Chưa thu tại quầy để tránh thu tiền hai lần: hãy chờ cổng "
            "thanh toán trả kết quả (chậm nhất đến %(until)s) hoặc đề nghị người nộp hủy giao "
            "dịch trực tuyến, rồi thu lại."
        ) % {
            "code": self.payment.dossier.public_code,
            "ref": self.payment.order_ref,
            "start": f"{timezone.localtime(self.payment.created_at):%H:%M %d/%m/%Y}",
            "until": f"{timezone.localtime(self.until):%H:%M %d/%m/%Y}",
        }


def online_payment_in_progress(dossier: Dossier, moment: datetime) -> OnlineInProgress | None:
    """The online payment the applicant may be completing now: pending and still inside its
    gateway's window. After the window the gateway has given up on it (a confirmation that
    still comes is taken as an overpayment and refunded)."""
    configured = set(gateway_names())
    pending = Payment.objects.filter(
        dossier=dossier, method=Method.ONLINE, status=Status.PENDING
    ).order_by("-created_at", "-id")
    for payment in pending:
        if payment.gateway not in configured:
            continue
        until = payment.created_at + gateway_get(payment.gateway).timeout
        if until > moment:
            payment.dossier = dossier
            return OnlineInProgress(payment=payment, until=until)
    return None


# --- refunds ----------------------------------------------------------------------------------


def refund_agency_ids(actor: User | None) -> set[int]:
    """The agencies whose refunds the actor settles: where they are one-stop staff (the
    officers who collect fees)."""
    return {agency for agency, role in user_roles(actor) if role == Role.RECEPTION}


def refunds_open_for(actor: User | None) -> QuerySet[Refund]:
    """Open refunds of the actor's agencies, oldest first (the applicant has waited longest)."""
    return (
        Refund.objects.filter(agency_id__in=refund_agency_ids(actor), state=Refund.State.OPEN)
        .select_related("payment", "kept", "dossier", "agency")
        .order_by("created_at", "id")
    )


def refunds_open_count(agency_ids: set[int]) -> int:
    """How many refunds these agencies still owe (the counter's home shows it)."""
    return Refund.objects.filter(agency_id__in=agency_ids, state=Refund.State.OPEN).count()


def refunds_owed_count(agency_ids: set[int], at: datetime) -> int:
    """Refunds these agencies owed at `at`: taken twice before it and not settled by then (the
    leaders' operating figures, at the end of the period)."""
    return (
        Refund.objects.filter(agency_id__in=agency_ids, created_at__lt=at)
        .filter(Q(settled_at__isnull=True) | Q(settled_at__gte=at))
        .count()
    )
