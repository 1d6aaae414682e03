"""Payment writes: start an online payment, handle a gateway's notification, record a counter
payment, reconcile payments left pending (docs/decisions/0003-payments.md).

The gateway's signed notification (IPN) is the source of truth for an online payment; the
browser's return only shows it. Marking a payment paid and setting `Dossier.paid_online` and
`paid_online_at` (the gateway's pay date of the dossier's first paid payment, when that one
is online) happen in one transaction through `record_apply` (under `dossier_lock`), so the
§7 payment group (by reception day) and the §8 payments_online_* figures (by confirmation
day) move with it. Logs and audit events carry order references and reasons only — never a
name or an ID number (§10).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.errors import Conflict, PermissionDenied, ValidationFailed
from motcua.directory.models import Role, User
from motcua.directory.selectors import user_has_role
from motcua.dossiers.lifecycle import Record, dossier_lock, record_apply
from motcua.dossiers.models import Dossier, State
from motcua.payments.gateways import (
    GatewayNotification,
    NotificationRejected,
    Outcome,
    PaymentGateway,
    gateway_get,
    gateway_names,
)
from motcua.payments.models import GroupOrder, Method, Notification, Payment, Refund, Status
from motcua.payments.selectors import (
    PAYABLE_STATES,
    dossier_fee_due,
    online_payment_in_progress,
)

log = logging.getLogger(__name__)
_REF_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _order_ref(at: datetime) -> str:
    """Letters and digits only, as the gateways require of a merchant reference."""
    tail = "".join(secrets.choice(_REF_ALPHABET) for _ in range(10))
    return f"MC{timezone.localtime(at):%y%m%d}{tail}"


def _receipt_no(payment: Payment) -> str:
    return f"BL-{payment.order_ref[2:8]}-{payment.order_ref[8:]}"


def _paid_payment(dossier: Dossier) -> Payment | None:
    return Payment.objects.filter(dossier=dossier, status=Status.PAID).order_by("paid_at").first()


def _check_payable(dossier: Dossier) -> None:
    if dossier.fee_amount <= 0:
        raise ValidationFailed(
            _("Hồ sơ %(code)s không phải nộp phí, lệ phí.") % {"code": dossier.public_code},
            fields={"dossier": "free"},
        )
    if dossier.state == State.DRAFT:
        raise ValidationFailed(
            _("Hồ sơ chưa được nộp. Hãy nộp hồ sơ rồi thanh toán phí, lệ phí."),
            fields={"dossier": "draft"},
        )
    if dossier.state not in PAYABLE_STATES:
        raise ValidationFailed(
            _("Hồ sơ đã kết thúc, không thu phí, lệ phí nữa."), fields={"dossier": "closed"}
        )
    paid = _paid_payment(dossier)
    if paid is not None:
        raise Conflict(
            _("Hồ sơ %(code)s đã được thanh toán (biên lai số %(receipt)s).")
            % {"code": dossier.public_code, "receipt": paid.receipt_no}
        )


def _snapshot(dossier: Dossier) -> dict[str, str]:
    """What the receipt names, fixed when the payment is created (`Payment.agency_name`)."""
    return {
        "agency_code": dossier.agency.code,
        "agency_name": dossier.agency.name,
        "procedure_code": dossier.procedure.code,
        "procedure_name": dossier.procedure.name,
        "payer_name": dossier.applicant_name,
    }


# --- online -----------------------------------------------------------------------------------


def payment_start(
    *,
    actor: User,
    dossier: Dossier,
    gateway_name: str,
    return_url: str,
    at: datetime | None = None,
) -> tuple[Payment, str]:
    """Open (or resume) an online payment of the dossier's fees; returns the payment and the
    gateway URL to send the applicant's browser to."""
    moment = at or timezone.now()
    if actor is None or not actor.is_authenticated or dossier.applicant_id != actor.pk:
        raise PermissionDenied(_("Chỉ người nộp hồ sơ được thanh toán trực tuyến cho hồ sơ này."))
    if not dossier.procedure.accepts_online_payment:
        raise ValidationFailed(
            _(
                "Thủ tục này chưa hỗ trợ thanh toán trực tuyến; "
                "vui lòng nộp phí tại bộ phận một cửa."
            ),
            fields={"dossier": "offline_only"},
        )
    if gateway_name not in gateway_names():
        raise ValidationFailed(_("Cổng thanh toán không hợp lệ."), fields={"gateway": "invalid"})
    gateway = gateway_get(gateway_name)
    with transaction.atomic():
        locked = dossier_lock(dossier)
        _check_payable(locked)
        due = dossier_fee_due(locked)
        # A second click within the gateway's window resumes the same order instead of
        # opening a parallel one that could be paid twice.
        payment = (
            Payment.objects.filter(
                dossier=locked,
                method=Method.ONLINE,
                status=Status.PENDING,
                gateway=gateway.name,
                amount=due.amount,
                created_at__gt=moment - gateway.timeout,
                group__isnull=True,
            )
            .order_by("-created_at")
            .first()
        )
        if payment is None:
            payment = Payment.objects.create(
                dossier=locked,
                amount=due.amount,
                lines=due.lines(),
                **_snapshot(locked),
                method=Method.ONLINE,
                gateway=gateway.name,
                order_ref=_order_ref(moment),
                created_at=moment,
            )
            audit_record(
                actor=actor,
                action="payment.start",
                object_type="payment",
                object_id=payment.order_ref,
                data={"gateway": gateway.name, "amount": payment.amount},
            )
            transaction.on_commit(lambda: _schedule_reconcile(payment, gateway))
    payment.dossier = locked
    return payment, gateway.create_payment_url(payment, return_url)


def _schedule_reconcile(payment: Payment, gateway: PaymentGateway) -> None:
    """Ask the gateway once the payment window has passed, if the task backend can defer
    (the database worker can; the cron sweep `motcua payments_reconcile` covers the rest)."""
    from django_tasks import default_task_backend

    from motcua.payments.tasks import payment_reconcile_task

    if default_task_backend.supports_defer:
        payment_reconcile_task.using(run_after=payment.created_at + gateway.timeout).enqueue(
            payment.pk
        )


def _fingerprint(signature: str) -> str:
    return hashlib.sha256((signature or "").encode("utf-8")).hexdigest()


def _refuse(gateway: PaymentGateway, outcome: str, reason: str, order_ref: str) -> dict:
    """A refusal of a notification that carried a valid signature: only the gateway, holding
    the secret, can have made it, so a stranger cannot multiply these lines and rows."""
    log.warning(
        "payment notification refused: gateway=%s order=%s outcome=%s reason=%s",
        gateway.name,
        order_ref or "-",
        outcome,
        reason,
    )
    audit_record(
        actor=None,
        action="payment.notification_refused",
        object_type="payment",
        object_id=order_ref[:64],
        data={"gateway": gateway.name, "outcome": outcome, "reason": reason},
    )
    return gateway.acknowledge(outcome)


def notification_handle(
    *, gateway_name: str, params: Mapping[str, str], now: datetime | None = None
) -> tuple[str, dict]:
    """A gateway's notification (IPN): verify, then act once. Returns our outcome and the body
    the gateway expects. Repeats, late or out-of-order notifications change nothing.

    A notification is not refused for its age: a gateway retries for hours, and the stored
    `(gateway, notification_id)` row is what stops a replay."""
    moment = now or timezone.now()
    gateway = gateway_get(gateway_name)
    try:
        note = gateway.verify_notification(params)
    except NotificationRejected as rejected:
        if rejected.signed:
            return rejected.outcome, _refuse(
                gateway, rejected.outcome, rejected.reason, rejected.order_ref
            )
        # This endpoint is public: whatever an unsigned request carries is the sender's word,
        # and writing an audit row for each would let anyone fill the audit log.
        log.info(
            "payment notification refused: gateway=%s outcome=%s", gateway.name, rejected.outcome
        )
        return rejected.outcome, gateway.acknowledge(rejected.outcome)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = Notification.objects.create(
                    gateway=gateway.name,
                    notification_id=note.notification_id[:128],
                    signature_hash=_fingerprint(note.signature),
                    order_ref=note.order_ref,
                    received_at=moment,
                    outcome=Outcome.INVALID,
                    reported_status=note.status,
                )
        except IntegrityError:
            record = None
        if record is not None:
            outcome, reason = _apply(gateway, note, moment)
            record.outcome = outcome
            record.save(update_fields=["outcome"])
    if record is None:
        # Seen before: the gateway retrying, or someone replaying a signed notification (the
        # browser's return carries the same parameters). Its first arrival was recorded.
        log.info("payment notification repeated: gateway=%s order=%s", gateway.name, note.order_ref)
        return Outcome.ALREADY, gateway.acknowledge(Outcome.ALREADY)
    if outcome != Outcome.CONFIRMED:
        return outcome, _refuse(gateway, outcome, reason, note.order_ref)
    log.info(
        "payment notification: gateway=%s order=%s status=%s",
        gateway.name,
        note.order_ref,
        note.status,
    )
    return outcome, gateway.acknowledge(outcome)


def _paid_moment(
    reported: datetime | None, payment: Payment | GroupOrder, now: datetime
) -> datetime:
    """When the money was taken: the gateway's pay date, which a retried notification or a
    reconciliation hours later still carries, so §8 counts the payment on its own day. It is
    the gateway's clock, so bounded: not after we heard of it, not before the order existed."""
    if reported is None:
        return now
    return min(max(reported, payment.created_at), now)


def _apply(gateway: PaymentGateway, note: GatewayNotification, moment: datetime) -> tuple[str, str]:
    payment = (
        Payment.objects.select_for_update()
        .filter(order_ref=note.order_ref, gateway=gateway.name, method=Method.ONLINE)
        .first()
    )
    if payment is None:
        # Not a dossier's own order: perhaps one paying several dossiers at once.
        from motcua.payments.groups import group_notification_apply

        return group_notification_apply(gateway, note, moment)
    return notification_outcome(
        payment,
        note,
        moment,
        settled=payment.status in (Status.PAID, Status.OVERPAID, Status.REFUNDED),
        paid=_mark_paid,
        final=_mark_final,
    )


def notification_outcome(
    order: Payment | GroupOrder,
    note: GatewayNotification,
    moment: datetime,
    *,
    settled: bool,
    paid: Callable[..., None],
    final: Callable[..., None],
) -> tuple[str, str]:
    """What a notification does to the order it names, locked by the caller — one payment, or
    a bundle's group order (`groups.py`): a wrong amount changes nothing, a settled order
    stays as it is, a success beats an earlier failure or expiry, and a failure ends only a
    pending order."""
    if note.amount != order.amount:
        return Outcome.BAD_AMOUNT, "amount_mismatch"
    if settled:
        return Outcome.ALREADY, f"already_paid:{note.status}"
    if note.status == Status.PAID:
        # Money taken is money taken: a success beats an earlier failure or expiry.
        paid(
            order,
            at=_paid_moment(note.paid_at, order, moment),
            transaction_id=note.transaction_id,
            code=note.response_code,
        )
        return Outcome.CONFIRMED, ""
    if order.status != Status.PENDING:
        return Outcome.ALREADY, f"already_final:{order.status}"
    final(order, status=note.status, code=note.response_code, txn=note.transaction_id)
    return Outcome.CONFIRMED, ""


def _mark_paid(
    payment: Payment, *, at: datetime, transaction_id: str, code: str, actor: User | None = None
) -> None:
    """One transaction with the caller: the payment, the dossier flag, the counters, events.

    The dossier is locked before anything is read or written: a confirmation and the
    counter's cash (or two confirmations of two windows) of one dossier queue here, and the
    second sees the first. Money that arrives for a dossier already paid is not a second
    `paid` row (the database refuses one, `payment_one_paid_per_dossier`) but an
    overpayment with a refund the agency's staff must settle."""
    dossier = dossier_lock(payment.dossier)
    previous = payment.status
    payment.paid_at = at
    payment.gateway_txn = transaction_id[:64]
    payment.gateway_code = code[:16]
    kept = _paid_payment(dossier)
    if kept is not None:
        _mark_overpaid(payment, kept=kept, dossier=dossier, previous=previous)
        return
    payment.status = Status.PAID
    payment.receipt_no = _receipt_no(payment)
    payment.save(
        update_fields=[
            "status",
            "paid_at",
            "gateway_txn",
            "gateway_code",
            "receipt_no",
            "updated_at",
        ]
    )
    record_apply(
        actor=actor,
        dossier=dossier,
        action=Record.PAY,
        at=at,
        payload={
            "order_ref": payment.order_ref,
            "amount": payment.amount,
            "method": payment.method,
            "gateway": payment.gateway,
            "receipt_no": payment.receipt_no,
        },
        changes=_paid_online_changes(dossier, payment, at),
    )
    audit_record(
        actor=actor,
        action="payment.paid",
        object_type="payment",
        object_id=payment.order_ref,
        data={"method": payment.method, "amount": payment.amount, "previous": previous},
    )


def _mark_overpaid(payment: Payment, *, kept: Payment, dossier: Dossier, previous: str) -> None:
    """The gateway took money for a dossier already paid (cash at the counter while the
    applicant was still on the gateway's page, or a second window): the dossier stays paid
    by `kept`, and this payment is a refund owed to the applicant. It is not the dossier's
    payment, so neither its flag, its counters nor its history change."""
    payment.status = Status.OVERPAID
    payment.save(update_fields=["status", "paid_at", "gateway_txn", "gateway_code", "updated_at"])
    refund = Refund.objects.create(
        payment=payment,
        kept=kept,
        dossier=dossier,
        agency_id=dossier.agency_id,
        amount=payment.amount,
        created_at=payment.paid_at or timezone.now(),
    )
    log.warning(
        "payment taken twice: order=%s kept=%s refund=%s",
        payment.order_ref,
        kept.order_ref,
        refund.pk,
    )
    audit_record(
        actor=None,
        action="payment.overpaid",
        object_type="payment",
        object_id=payment.order_ref,
        data={
            "amount": payment.amount,
            "previous": previous,
            "kept": kept.order_ref,
            "refund": refund.pk,
        },
    )


def _paid_online_changes(dossier: Dossier, payment: Payment, at: datetime) -> dict[str, object]:
    """The first confirmed online payment is the dossier's: §8 counts it on that day."""
    if payment.method != Method.ONLINE or dossier.paid_online:
        return {}
    return {"paid_online": True, "paid_online_at": at}


def _mark_final(payment: Payment, *, status: str, code: str = "", txn: str = "") -> None:
    payment.status = status
    payment.gateway_code = code[:16]
    payment.gateway_txn = txn[:64]
    payment.save(update_fields=["status", "gateway_code", "gateway_txn", "updated_at"])
    audit_record(
        actor=None,
        action=f"payment.{status}",
        object_type="payment",
        object_id=payment.order_ref,
        data={"code": code},
    )


# --- reconciliation ---------------------------------------------------------------------------


def payments_reconcile(
    *, now: datetime | None = None, payment_id: int | None = None
) -> dict[str, int]:
    """Ask the gateway about online payments still pending after their gateway's window.
    A gateway that still says pending after the window has let the order expire."""
    moment = now or timezone.now()
    counts: dict[str, int] = {}
    for name in gateway_names():
        gateway = gateway_get(name)
        due = Payment.objects.filter(
            method=Method.ONLINE,
            status=Status.PENDING,
            gateway=name,
            created_at__lte=moment - gateway.timeout,
            # A group's payments are not orders the gateway knows: their group is asked.
            group__isnull=True,
        ).order_by("id")
        if payment_id is not None:
            due = due.filter(pk=payment_id)
        for payment in due:
            try:
                result = gateway.query(payment)  # a network call: outside any transaction
            except Exception:  # a gateway that is down must not stop the sweep
                log.exception("payment query failed: gateway=%s order=%s", name, payment.order_ref)
                counts["error"] = counts.get("error", 0) + 1
                continue
            outcome = _reconcile_one(payment.pk, result, moment)
            counts[outcome] = counts.get(outcome, 0) + 1
    if payment_id is None:
        from motcua.payments.groups import groups_reconcile

        for outcome, count in groups_reconcile(now=moment).items():
            counts[outcome] = counts.get(outcome, 0) + count
    return counts


def _reconcile_one(payment_id: int, result, moment: datetime) -> str:
    with transaction.atomic():
        # The payment row only; `_mark_paid` locks the dossier after it, in the order every
        # other path takes (on PostgreSQL a join would lock both rows in one statement).
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("dossier")
            .get(pk=payment_id)
        )
        return reconcile_outcome(
            payment, result, moment, paid=_mark_paid, final=_mark_final, object_type="payment"
        )


def reconcile_outcome(
    order: Payment | GroupOrder,
    result,
    moment: datetime,
    *,
    paid: Callable[..., None],
    final: Callable[..., None],
    object_type: str,
) -> str:
    """What the gateway's answer to a query does to a pending order — one payment, or a
    bundle's group order (`groups.py`) — in the caller's transaction with the order locked:
    paid, failed or abandoned as the gateway says, expired when it knows nothing more; an
    amount that is not the order's changes nothing. Returns the outcome for the sweep."""
    if order.status != Status.PENDING:
        return "unchanged"  # an IPN arrived meanwhile
    if result.amount is not None and result.amount != order.amount:
        log.warning("payment query amount mismatch: order=%s", order.order_ref)
        return "mismatch"
    if result.status == Status.PAID:
        paid(
            order,
            at=_paid_moment(result.paid_at, order, moment),
            transaction_id=result.transaction_id,
            code=result.response_code,
        )
    elif result.status in (Status.FAILED, Status.ABANDONED):
        final(order, status=result.status, code=result.response_code, txn=result.transaction_id)
    else:
        final(order, status=Status.EXPIRED, code=result.response_code)
    audit_record(
        actor=None,
        action="payment.reconcile",
        object_type=object_type,
        object_id=order.order_ref,
        data={"gateway_status": result.status, "status": order.status},
    )
    return order.status


# --- the counter ------------------------------------------------------------------------------

COUNTER_METHODS = (Method.CASH, Method.TRANSFER)


def _check_no_online_in_progress(dossier: Dossier, moment: datetime) -> None:
    """The applicant may be paying on the gateway's page right now: taking cash too would
    charge them twice. Until the gateway's window closes the counter waits (or the applicant
    cancels on the gateway's page); a confirmation that still comes later is a refund."""
    pending = online_payment_in_progress(dossier, moment)
    if pending is not None:
        raise Conflict(pending.message, fields={"payment": "online_in_progress"})


def payment_record_counter(
    *,
    actor: User,
    dossier: Dossier,
    method: str,
    note: str = "",
    at: datetime | None = None,
) -> Payment:
    """The one-stop officer collects the fees in cash or confirms a bank transfer. Not an
    online payment: the dossier's `paid_online` flag (and the §7 payment group) stays as is."""
    moment = at or timezone.now()
    if not user_has_role(actor, Role.RECEPTION, dossier.agency_id):
        raise PermissionDenied(
            _("Chỉ cán bộ một cửa của cơ quan giải quyết hồ sơ được thu phí, lệ phí.")
        )
    if method not in COUNTER_METHODS:
        raise ValidationFailed(
            _("Hình thức nộp phí phải là tiền mặt hoặc chuyển khoản."), fields={"method": "invalid"}
        )
    note = " ".join((note or "").split())[:200]
    if method == Method.TRANSFER and not note:
        raise ValidationFailed(
            _("Phải ghi mã giao dịch chuyển khoản để đối chiếu."), fields={"note": "required"}
        )
    with transaction.atomic():
        locked = dossier_lock(dossier)
        _check_payable(locked)
        _check_no_online_in_progress(locked, moment)
        due = dossier_fee_due(locked)
        order_ref = _order_ref(moment)
        payment = Payment(
            dossier=locked,
            amount=due.amount,
            lines=due.lines(),
            **_snapshot(locked),
            method=method,
            status=Status.PAID,
            order_ref=order_ref,
            note=note,
            recorded_by=actor,
            created_at=moment,
            paid_at=moment,
        )
        payment.receipt_no = _receipt_no(payment)
        payment.save()
        record_apply(
            actor=actor,
            dossier=locked,
            action=Record.PAY,
            at=moment,
            payload={
                "order_ref": payment.order_ref,
                "amount": payment.amount,
                "method": method,
                "receipt_no": payment.receipt_no,
            },
        )
        audit_record(
            actor=actor,
            action="payment.counter",
            object_type="payment",
            object_id=payment.order_ref,
            data={"method": method, "amount": payment.amount},
        )
    return payment


# --- history ----------------------------------------------------------------------------------


def payment_record_history(
    *, dossier: Dossier, gateway: str, transaction_id: str, at: datetime
) -> Payment:
    """An online payment its gateway confirmed at `at` (the demo's six months of history):
    the same rows and the same dossier event as a live confirmation, at a past moment."""
    with transaction.atomic():
        locked = dossier_lock(dossier)
        _check_payable(locked)
        due = dossier_fee_due(locked)
        payment = Payment.objects.create(
            dossier=locked,
            amount=due.amount,
            lines=due.lines(),
            **_snapshot(locked),
            method=Method.ONLINE,
            gateway=gateway,
            order_ref=_order_ref(at),
            created_at=at,
        )
        _mark_paid(payment, at=at, transaction_id=transaction_id, code="00")
    return payment


# --- refunds ----------------------------------------------------------------------------------

REFUND_NOTE_MAX = 200


def refund_settle(*, actor: User, refund_id: int, note: str, at: datetime | None = None) -> Refund:
    """A one-stop officer of the collecting agency records that the money taken twice was paid
    back, and how (cash handed over against a signature, a transfer's reference). One
    transaction: the refund closes, the overpaid payment becomes `refunded`, one audit row."""
    moment = at or timezone.now()
    note = " ".join((note or "").split())
    if not note:
        raise ValidationFailed(
            _("Phải ghi cách hoàn tiền (ví dụ: trả tiền mặt, người nộp ký nhận; mã chuyển khoản)."),
            fields={"note": "required"},
        )
    if len(note) > REFUND_NOTE_MAX:
        raise ValidationFailed(
            _("Ghi chú hoàn tiền dài quá %(max)d ký tự.") % {"max": REFUND_NOTE_MAX},
            fields={"note": "too_long"},
        )
    refused = PermissionDenied(
        _("Chỉ cán bộ một cửa của cơ quan đã thu tiền được ghi nhận hoàn tiền khoản này.")
    )
    with transaction.atomic():
        refund = (
            Refund.objects.select_for_update(of=("self",))
            .select_related("payment", "dossier")
            .filter(pk=refund_id)
            .first()
        )
        if refund is None or not user_has_role(actor, Role.RECEPTION, refund.agency_id):
            raise refused
        if refund.state != Refund.State.OPEN:
            raise Conflict(
                _("Khoản thu trùng %(ref)s đã được ghi nhận hoàn tiền lúc %(at)s.")
                % {
                    "ref": refund.payment.order_ref,
                    "at": f"{timezone.localtime(refund.settled_at):%H:%M %d/%m/%Y}",
                }
            )
        refund.state = Refund.State.SETTLED
        refund.settled_at = moment
        refund.settled_by = actor
        refund.settled_note = note
        refund.save(update_fields=["state", "settled_at", "settled_by", "settled_note"])
        Payment.objects.filter(pk=refund.payment_id, status=Status.OVERPAID).update(
            status=Status.REFUNDED, updated_at=moment
        )
        audit_record(
            actor=actor,
            action="payment.refunded",
            object_type="payment",
            object_id=refund.payment.order_ref,
            data={"refund": refund.pk, "amount": refund.amount, "dossier": refund.dossier_id},
        )
    return refund
