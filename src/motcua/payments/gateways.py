"""The gateway interface. A gateway is one adapter class plus its settings entry:

    MOTCUA_PAYMENT_GATEWAYS = {
        "sandbox": {"class": "motcua.payments.sandbox.SandboxGateway",
                    "secret": "...", "timeout_minutes": 15},
    }

The payment services speak only to `PaymentGateway`; everything a gateway spells its own way
(parameter names, amounts ×100, response codes) stays inside its adapter
(docs/howto/payment-gateway.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from motcua.core.errors import NotFound
from motcua.payments.models import GroupOrder, Notification, Payment

Outcome = Notification.Outcome


@dataclass(frozen=True)
class GatewayNotification:
    """A notification (IPN) whose signature the adapter has verified, in our terms."""

    order_ref: str
    amount: int  # VND
    status: str  # Status.PAID, FAILED or ABANDONED
    transaction_id: str
    notification_id: str  # unique per gateway: a nonce, or the gateway's notification id
    paid_at: datetime  # the gateway's moment of the payment (its pay date), aware
    response_code: str
    signature: str


@dataclass(frozen=True)
class QueryResult:
    """What the gateway says about an order when asked (reconciliation)."""

    status: str  # Status.PENDING, PAID, FAILED or ABANDONED
    transaction_id: str = ""
    response_code: str = ""
    amount: int | None = None
    paid_at: datetime | None = None  # the gateway's pay date, when it gives one


class NotificationRejected(Exception):
    """The adapter could not accept the notification (bad signature, missing field).

    `signed` says the signature was valid, so the gateway itself sent it: only then is the
    refusal audited. Anyone can send an unsigned one, and an audit row for each would let
    them fill the audit log."""

    def __init__(self, outcome: str, reason: str, *, order_ref: str = "", signed: bool = False):
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason
        self.order_ref = order_ref
        self.signed = signed


class PaymentGateway(Protocol):
    name: str
    label: str
    timeout: timedelta

    def create_payment_url(self, payment: Payment | GroupOrder, return_url: str) -> str:
        """Where to send the citizen's browser to pay `payment` (one dossier's, or a group
        order over several dossiers: one order and one amount for the gateway)."""
        ...

    def verify_notification(self, params: Mapping[str, str]) -> GatewayNotification:
        """Check the signature and parse; raise `NotificationRejected` otherwise. Used for the
        IPN and for the browser's return, which carry the same signed parameters."""
        ...

    def query(self, payment: Payment | GroupOrder) -> QueryResult:
        """Ask the gateway for the order's status (server to server)."""
        ...

    def acknowledge(self, outcome: str) -> dict[str, Any]:
        """The body the gateway expects in answer to a notification."""
        ...


# VNPay's IPN answers, which most Vietnamese gateways copy; an adapter may override.
VNPAY_STYLE_ANSWERS: dict[str, tuple[str, str]] = {
    Outcome.CONFIRMED: ("00", "Confirm Success"),
    Outcome.ALREADY: ("02", "Order already confirmed"),
    Outcome.NOT_FOUND: ("01", "Order not found"),
    Outcome.BAD_AMOUNT: ("04", "Invalid amount"),
    Outcome.BAD_SIGNATURE: ("97", "Invalid signature"),
    Outcome.INVALID: ("99", "Invalid request"),
}


class BaseGateway:
    """Settings handling and the VNPay-style answer, shared by the adapters."""

    label = "Cổng thanh toán"
    answers = VNPAY_STYLE_ANSWERS

    def __init__(self, *, name: str, secret: str = "", timeout_minutes: int = 15, **options: Any):
        if not secret:
            raise RuntimeError(
                f"Payment gateway '{name}' has no secret: set it in the environment."
            )
        self.name = name
        self.secret = secret
        self.timeout = timedelta(minutes=int(timeout_minutes))
        self.options = options
        if options.get("label"):
            self.label = str(options["label"])

    def acknowledge(self, outcome: str) -> dict[str, Any]:
        code, message = self.answers.get(outcome, self.answers[Outcome.INVALID])
        return {"RspCode": code, "Message": message}


def gateway_names() -> list[str]:
    return list(getattr(settings, "MOTCUA_PAYMENT_GATEWAYS", {}) or {})


def default_gateway_name() -> str | None:
    names = gateway_names()
    wanted = getattr(settings, "MOTCUA_PAYMENT_DEFAULT_GATEWAY", "") or ""
    if wanted in names:
        return wanted
    return names[0] if names else None


def gateway_get(name: str) -> PaymentGateway:
    """The adapter configured under `name`. Built per call, so settings overridden in tests
    and a secret rotated in the environment take effect without a restart of the logic."""
    config = dict((getattr(settings, "MOTCUA_PAYMENT_GATEWAYS", {}) or {}).get(name) or {})
    if not config:
        raise NotFound(_("Không có cổng thanh toán “%(name)s”.") % {"name": name[:32]})
    cls = import_string(config.pop("class"))
    return cls(name=name, **config)
