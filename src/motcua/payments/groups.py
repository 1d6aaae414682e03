"""One gateway order paying several dossiers' fees at once (a bundle's children): the same
online flow as one dossier's (`services.py`) — a signed redirect, the gateway's signed
notification as the only truth, states that move forward only, reconciliation by query —
over a `GroupOrder` that holds one `Payment` per dossier.

The payments are made `pending` with the order; when the gateway says the order is paid,
each is marked paid by the single-dossier writer (`services._mark_paid`) in the one
transaction of the notification, all with the gateway's one transaction id: receipts, the
dossier's `paid_online`, the index counters and refunds (a dossier paid meanwhile at the
counter gets an overpayment and a refund) stay per dossier, as for any online payment."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.errors import Conflict, PermissionDenied, ValidationFailed
from motcua.directory.models import User
from motcua.dossiers.lifecycle import dossier_lock
from motcua.dossiers.models import Dossier
from motcua.payments.gateways import (
    GatewayNotification,
    Outcome,
    PaymentGateway,
    gateway_get,
    gateway_names,
)
from motcua.payments.models import GroupOrder, Method, Payment, Status
from motcua.payments.selectors import dossier_fee_due, online_payment_in_progress
from motcua.payments.services import (
    _check_payable,
    _mark_final,
    _mark_paid,
    _order_ref,
    _snapshot,
    notification_outcome,
    reconcile_outcome,
)

log = logging.getLogger(__name__)


def group_payment_start(
    *,
    actor: User,
    dossiers: Sequence[Dossier],
    label: str,
    gateway_name: str,
    return_url: str,
    at: datetime | None = None,
) -> tuple[GroupOrder, str]:
    """Open (or resume) one online payment of several dossiers' fees, each the applicant's
    own, payable and taking online payment; returns the order and the gateway URL."""
    moment = at or timezone.now()
    if (
        actor is None
        or not actor.is_authenticated
        or not dossiers
        or any(d.applicant_id != actor.pk for d in dossiers)
    ):
        raise PermissionDenied(_("Chỉ người nộp hồ sơ được thanh toán trực tuyến cho hồ sơ này."))
    offline = [d.public_code for d in dossiers if not d.procedure.accepts_online_payment]
    if offline:
        raise ValidationFailed(
            _(
                "Hồ sơ %(codes)s thuộc thủ tục chưa hỗ trợ thanh toán trực tuyến; "
                "vui lòng nộp phí tại bộ phận một cửa."
            )
            % {"codes": ", ".join(offline)},
            fields={"dossier": "offline_only"},
        )
    if gateway_name not in gateway_names():
        raise ValidationFailed(_("Cổng thanh toán không hợp lệ."), fields={"gateway": "invalid"})
    gateway = gateway_get(gateway_name)
    with transaction.atomic():
        # One lock order for every path: the dossiers by id.
        locked = [dossier_lock(d) for d in sorted(dossiers, key=lambda d: d.pk)]
        dues = {}
        for dossier in locked:
            _check_payable(dossier)
            dues[dossier.pk] = dossier_fee_due(dossier)
        wanted = {pk: due.amount for pk, due in dues.items()}
        order = _resumable(actor, gateway, label, wanted, moment)
        if order is None:
            for dossier in locked:
                pending = online_payment_in_progress(dossier, moment)
                if pending is not None:
                    raise Conflict(pending.message, fields={"payment": "online_in_progress"})
            order = GroupOrder.objects.create(
                order_ref=_order_ref(moment),
                label=label[:40],
                payer=actor,
                amount=sum(wanted.values()),
                gateway=gateway.name,
                created_at=moment,
            )
            payments = [
                Payment.objects.create(
                    dossier=dossier,
                    amount=dues[dossier.pk].amount,
                    lines=dues[dossier.pk].lines(),
                    **_snapshot(dossier),
                    method=Method.ONLINE,
                    gateway=gateway.name,
                    order_ref=_order_ref(moment),
                    created_at=moment,
                    group=order,
                )
                for dossier in locked
            ]
            audit_record(
                actor=actor,
                action="payment.group_start",
                object_type="payment_group",
                object_id=order.order_ref,
                data={
                    "gateway": gateway.name,
                    "amount": order.amount,
                    "label": order.label,
                    "payments": [p.order_ref for p in payments],
                },
            )
            order_id = order.pk
            transaction.on_commit(lambda: _schedule_reconcile(order_id, moment, gateway))
    return order, gateway.create_payment_url(order, return_url)


def _resumable(
    actor: User, gateway: PaymentGateway, label: str, wanted: dict[int, int], moment: datetime
) -> GroupOrder | None:
    """A second click within the gateway's window resumes the same order (same dossiers,
    same amounts) instead of opening a parallel one that could be paid twice."""
    candidates = GroupOrder.objects.filter(
        payer=actor,
        gateway=gateway.name,
        label=label[:40],
        status=Status.PENDING,
        amount=sum(wanted.values()),
        created_at__gt=moment - gateway.timeout,
    ).order_by("-created_at")
    for order in candidates:
        held = {p.dossier_id: p.amount for p in order.payments.filter(status=Status.PENDING)}
        if held == wanted:
            return order
    return None


def _schedule_reconcile(order_id: int, created_at: datetime, gateway: PaymentGateway) -> None:
    """As for one dossier's payment: ask the gateway once the window has passed."""
    from django_tasks import default_task_backend

    from motcua.payments.tasks import group_reconcile_task

    if default_task_backend.supports_defer:
        group_reconcile_task.using(run_after=created_at + gateway.timeout).enqueue(order_id)


# --- the gateway's notification ---------------------------------------------------------------


def group_notification_apply(
    gateway: PaymentGateway, note: GatewayNotification, moment: datetime
) -> tuple[str, str]:
    """`services._apply` for an order paying several dossiers; the caller holds the
    transaction and the notification's row. A refusal writes nothing here."""
    order = (
        GroupOrder.objects.select_for_update()
        .filter(order_ref=note.order_ref, gateway=gateway.name)
        .first()
    )
    if order is None:
        return Outcome.NOT_FOUND, "unknown_order"
    return notification_outcome(
        order,
        note,
        moment,
        settled=order.status == Status.PAID,
        paid=_group_paid,
        final=_group_final,
    )


def _members(order: GroupOrder) -> list[Payment]:
    # The payment rows only, in dossier order: `_mark_paid` then locks each dossier.
    return list(
        Payment.objects.select_for_update(of=("self",))
        .select_related("dossier")
        .filter(group=order)
        .order_by("dossier_id", "id")
    )


def _group_paid(order: GroupOrder, *, at: datetime, transaction_id: str, code: str) -> None:
    previous = order.status
    order.status = Status.PAID
    order.paid_at = at
    order.gateway_txn = transaction_id[:64]
    order.gateway_code = code[:16]
    order.save(update_fields=["status", "paid_at", "gateway_txn", "gateway_code", "updated_at"])
    for payment in _members(order):
        if payment.status in (Status.PAID, Status.OVERPAID, Status.REFUNDED):
            continue
        _mark_paid(payment, at=at, transaction_id=transaction_id, code=code)
    audit_record(
        actor=None,
        action="payment.group_paid",
        object_type="payment_group",
        object_id=order.order_ref,
        data={"amount": order.amount, "previous": previous},
    )


def _group_final(order: GroupOrder, *, status: str, code: str = "", txn: str = "") -> None:
    order.status = status
    order.gateway_code = code[:16]
    order.gateway_txn = txn[:64]
    order.save(update_fields=["status", "gateway_code", "gateway_txn", "updated_at"])
    for payment in _members(order):
        if payment.status == Status.PENDING:
            _mark_final(payment, status=status, code=code, txn=txn)
    audit_record(
        actor=None,
        action=f"payment.group_{status}",
        object_type="payment_group",
        object_id=order.order_ref,
        data={"code": code},
    )


# --- reconciliation ---------------------------------------------------------------------------


def groups_reconcile(*, now: datetime | None = None, order_id: int | None = None) -> dict[str, int]:
    """`services.payments_reconcile` for group orders still pending after their window."""
    moment = now or timezone.now()
    counts: dict[str, int] = {}
    for name in gateway_names():
        gateway = gateway_get(name)
        due = GroupOrder.objects.filter(
            status=Status.PENDING, gateway=name, created_at__lte=moment - gateway.timeout
        ).order_by("id")
        if order_id is not None:
            due = due.filter(pk=order_id)
        for order in due:
            try:
                result = gateway.query(order)  # a network call: outside any transaction
            except Exception:  # a gateway that is down must not stop the sweep
                log.exception("payment query failed: gateway=%s order=%s", name, order.order_ref)
                counts["error"] = counts.get("error", 0) + 1
                continue
            outcome = _reconcile_group(order.pk, result, moment)
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _reconcile_group(order_id: int, result, moment: datetime) -> str:
    with transaction.atomic():
        order = GroupOrder.objects.select_for_update().get(pk=order_id)
        return reconcile_outcome(
            order,
            result,
            moment,
            paid=_group_paid,
            final=_group_final,
            object_type="payment_group",
        )
