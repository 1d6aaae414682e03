"""The built-in sandbox gateway, shaped like VNPay so that moving to a real gateway changes
only the adapter: a signed redirect to a hosted payment page (served here under
/thanh-toan/sandbox/), a signed browser return, a signed server-to-server notification (IPN)
and a status query for reconciliation.

The hosted page is the gateway's side. Its ledger is `SandboxTransaction`; its IPN leaves
through the transactional outbox (`payments.sandbox_ipn`), so it is sent after commit, retried
when it fails and never lost in a crash — what a real gateway's retry queue gives. `mode`
makes it misbehave for tests and rehearsals: `no_ipn` drops the IPN (the query still tells the
truth), `silent` never answers at all (no IPN, the query says pending).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlencode

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from motcua.core.errors import NotFound, ValidationFailed
from motcua.core.outbox import outbox_write
from motcua.core.worktime import TZ
from motcua.payments.gateways import (
    BaseGateway,
    GatewayNotification,
    NotificationRejected,
    Outcome,
    QueryResult,
)
from motcua.payments.models import GroupOrder, Payment, SandboxTransaction, Status
from motcua.payments.signing import sign, signature_valid

HASH_KEYS = ("sb_SecureHash", "sb_SecureHashType")
DATE_FORMAT = "%Y%m%d%H%M%S"
MODES = ("normal", "no_ipn", "silent")
IPN_TOPIC = "payments.sandbox_ipn"
# The tester's three choices: (response code, transaction status, our status).
CHOICES = {
    "success": ("00", "00", Status.PAID),
    "failure": ("51", "02", Status.FAILED),  # 51: insufficient funds
    "abandon": ("24", "02", Status.ABANDONED),  # 24: the customer cancelled
}
REQUEST_KEYS = ("sb_TxnRef", "sb_Amount", "sb_ReturnUrl", "sb_CreateDate", "sb_ExpireDate")
RESULT_KEYS = (
    "sb_TxnRef",
    "sb_Amount",
    "sb_ResponseCode",
    "sb_TransactionStatus",
    "sb_TransactionNo",
    "sb_PayDate",
    "sb_Nonce",
)


def _stamp(moment: datetime) -> str:
    """Gateways send local Vietnamese time as yyyyMMddHHmmss (§12)."""
    return moment.astimezone(TZ).strftime(DATE_FORMAT)


def _parse_stamp(value: str) -> datetime:
    return datetime.strptime(value, DATE_FORMAT).replace(tzinfo=TZ)


class SandboxGateway(BaseGateway):
    label = "Cổng thanh toán thử nghiệm (sandbox)"

    def __init__(self, **config):
        super().__init__(**config)
        if self.options.get("ipn_url") and connection.vendor == "sqlite":
            # The outbox delivers inside a transaction; on SQLite that holds the database's
            # only write lock while the HTTP call waits for the app to write: a deadlock.
            raise ImproperlyConfigured(
                "MOTCUA_SANDBOX_IPN_URL needs PostgreSQL; leave it empty on SQLite."
            )

    @property
    def mode(self) -> str:
        mode = str(self.options.get("mode") or "normal")
        return mode if mode in MODES else "normal"

    def signed(self, params: Mapping[str, str]) -> dict[str, str]:
        clean = {k: str(v) for k, v in params.items() if k not in HASH_KEYS}
        return {**clean, "sb_SecureHash": sign(clean, self.secret, exclude=HASH_KEYS)}

    def valid(self, params: Mapping[str, str]) -> bool:
        return signature_valid(
            params, params.get("sb_SecureHash", ""), self.secret, exclude=HASH_KEYS
        )

    # --- the merchant side: what the payment services call ---------------------------------

    def create_payment_url(self, payment: Payment | GroupOrder, return_url: str) -> str:
        # The order info travels through the browser and the gateway's logs: the dossier's
        # (or the bundle's) code only, never the applicant's name.
        if isinstance(payment, GroupOrder):
            info = f"Thanh toan phi, le phi ho so lien thong {payment.label}"
        else:
            info = f"Thanh toan phi, le phi ho so {payment.dossier.public_code}"
        params = self.signed(
            {
                "sb_Version": "1",
                "sb_Command": "pay",
                "sb_TxnRef": payment.order_ref,
                "sb_Amount": str(payment.amount * 100),  # VNPay's convention: ×100
                "sb_CurrCode": "VND",
                "sb_Locale": "vn",
                "sb_OrderInfo": info,
                "sb_ReturnUrl": return_url,
                "sb_CreateDate": _stamp(payment.created_at),
                "sb_ExpireDate": _stamp(payment.created_at + self.timeout),
            }
        )
        url = reverse("payments:sandbox_page", kwargs={"gateway": self.name})
        return f"{url}?{urlencode(params)}"

    def verify_notification(self, params: Mapping[str, str]) -> GatewayNotification:
        order_ref = str(params.get("sb_TxnRef", ""))[:40]
        if not self.valid(params):
            raise NotificationRejected(Outcome.BAD_SIGNATURE, "bad_signature", order_ref=order_ref)
        missing = [k for k in RESULT_KEYS if not params.get(k)]
        if missing:
            raise NotificationRejected(
                Outcome.INVALID, f"missing:{','.join(missing)}", order_ref=order_ref, signed=True
            )
        try:
            amount_x100 = int(params["sb_Amount"])
            paid_at = _parse_stamp(params["sb_PayDate"])
        except ValueError as error:
            raise NotificationRejected(
                Outcome.INVALID, "unparsable", order_ref=order_ref, signed=True
            ) from error
        if amount_x100 % 100:
            raise NotificationRejected(
                Outcome.BAD_AMOUNT, "fractional_amount", order_ref=order_ref, signed=True
            )
        code, state = params["sb_ResponseCode"], params["sb_TransactionStatus"]
        if code == "00" and state == "00":
            status = Status.PAID
        elif code == "24":
            status = Status.ABANDONED
        else:
            status = Status.FAILED
        return GatewayNotification(
            order_ref=order_ref,
            amount=amount_x100 // 100,
            status=status,
            transaction_id=params["sb_TransactionNo"],
            notification_id=params["sb_Nonce"],
            paid_at=paid_at,
            response_code=code,
            signature=params["sb_SecureHash"],
        )

    def query(self, payment: Payment | GroupOrder) -> QueryResult:
        if self.mode == "silent":
            return QueryResult(status=Status.PENDING)
        ledger = SandboxTransaction.objects.filter(order_ref=payment.order_ref).first()
        if ledger is None:  # the citizen never opened the payment page
            return QueryResult(status=Status.PENDING)
        return QueryResult(
            status=ledger.status,
            transaction_id=ledger.transaction_no,
            response_code=ledger.response_code,
            amount=ledger.amount,
            paid_at=ledger.decided_at if ledger.status == Status.PAID else None,
        )

    # --- the gateway side: the hosted page -------------------------------------------------

    def order_from(self, params: Mapping[str, str], *, now: datetime) -> SandboxTransaction:
        """The order the merchant's signed redirect describes, opened on first sight."""
        if not self.valid(params) or any(not params.get(k) for k in REQUEST_KEYS):
            raise ValidationFailed(
                "Yêu cầu thanh toán không hợp lệ: sai chữ ký hoặc thiếu thông tin.",
                fields={"sb_SecureHash": "invalid"},
            )
        try:
            amount_x100 = int(params["sb_Amount"])
            expires = _parse_stamp(params["sb_ExpireDate"])
        except ValueError as error:
            raise ValidationFailed("Yêu cầu thanh toán không hợp lệ.") from error
        ledger, _ = SandboxTransaction.objects.get_or_create(
            order_ref=params["sb_TxnRef"][:40],
            defaults={
                "amount": amount_x100 // 100,
                "return_url": params["sb_ReturnUrl"][:500],
                "created_at": now,
            },
        )
        if ledger.status == Status.PENDING and now > expires:
            ledger.status = Status.EXPIRED
            ledger.decided_at = now
            ledger.save(update_fields=["status", "decided_at"])
        return ledger

    def decide(self, params: Mapping[str, str], choice: str, *, now: datetime | None = None) -> str:
        """The tester's choice: record it on the gateway's ledger, queue the IPN (unless told
        to stay silent) and return where the browser goes next (the merchant's return URL)."""
        moment = now or timezone.now()
        if choice not in CHOICES:
            raise ValidationFailed("Hãy chọn một kết quả thanh toán.", fields={"choice": "invalid"})
        code, state, status = CHOICES[choice]
        with transaction.atomic():
            ledger = self.order_from(params, now=moment)
            ledger = SandboxTransaction.objects.select_for_update().get(pk=ledger.pk)
            if ledger.status != Status.PENDING:
                raise NotFound("Giao dịch này đã kết thúc; hãy quay lại trang dịch vụ công.")
            ledger.status = status
            ledger.response_code = code
            ledger.transaction_no = f"{moment:%y%m%d}{secrets.randbelow(10**8):08d}"
            ledger.decided_at = moment
            ledger.save(update_fields=["status", "response_code", "transaction_no", "decided_at"])
            result = self.result_params(ledger, state=state, at=moment)
            if self.mode == "normal":
                outbox_write(topic=IPN_TOPIC, payload={"gateway": self.name, "params": result})
        return f"{ledger.return_url}{'&' if '?' in ledger.return_url else '?'}{urlencode(result)}"

    def result_params(self, ledger: SandboxTransaction, *, state: str, at: datetime) -> dict:
        return self.signed(
            {
                "sb_TxnRef": ledger.order_ref,
                "sb_Amount": str(ledger.amount * 100),
                "sb_ResponseCode": ledger.response_code,
                "sb_TransactionStatus": state,
                "sb_TransactionNo": ledger.transaction_no,
                "sb_BankCode": "SANDBOX",
                "sb_PayDate": _stamp(at),
                "sb_Nonce": secrets.token_hex(16),
            }
        )
