"""Payments test fixtures: a sandbox gateway with a known secret, a fee-bearing procedure
that takes online payment, and signed sandbox notifications built like the gateway's."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from motcua.payments.gateways import gateway_get
from motcua.payments.models import Payment
from motcua.payments.sandbox import SandboxGateway, _stamp
from tests.factories import FeeLineFactory

SECRET = "bi-mat-thu-nghiem"
FEE = 150_000


def sandbox_config(**options) -> dict:
    return {
        "sandbox": {
            "class": "motcua.payments.sandbox.SandboxGateway",
            "secret": SECRET,
            "timeout_minutes": 15,
            "mode": "normal",
            **options,
        }
    }


@pytest.fixture(autouse=True)
def sandbox_gateway():
    with override_settings(
        MOTCUA_PAYMENT_GATEWAYS=sandbox_config(),
        MOTCUA_PAYMENT_DEFAULT_GATEWAY="sandbox",
    ):
        yield


@pytest.fixture
def sandbox_mode():
    """`with sandbox_mode("silent"): ...` — the gateway misbehaves as configured."""

    def switch(mode: str):
        return override_settings(MOTCUA_PAYMENT_GATEWAYS=sandbox_config(mode=mode))

    return switch


@pytest.fixture
def fees(procedure):
    """The walker's procedure with two fee lines (100 000 + 50 000) and online payment."""
    procedure.accepts_online_payment = True
    procedure.save(update_fields=["accepts_online_payment"])
    FeeLineFactory(procedure=procedure, name="Lệ phí cấp Phiếu lý lịch tư pháp", amount=100_000)
    FeeLineFactory(procedure=procedure, name="Phí cung cấp thông tin", amount=50_000)
    return procedure


def ipn_params(
    payment: Payment,
    *,
    result: str = "success",
    at: datetime | None = None,
    nonce: str = "nonce-0001",
    amount: int | None = None,
    transaction_no: str = "26112900000001",
) -> dict[str, str]:
    """What the sandbox gateway signs and sends for `payment`."""
    gateway = gateway_get("sandbox")
    assert isinstance(gateway, SandboxGateway)
    code, state = {"success": ("00", "00"), "failure": ("51", "02"), "abandon": ("24", "02")}[
        result
    ]
    return gateway.signed(
        {
            "sb_TxnRef": payment.order_ref,
            "sb_Amount": str((payment.amount if amount is None else amount) * 100),
            "sb_ResponseCode": code,
            "sb_TransactionStatus": state,
            "sb_TransactionNo": transaction_no,
            "sb_BankCode": "SANDBOX",
            "sb_PayDate": _stamp(at or timezone.now()),
            "sb_Nonce": nonce,
        }
    )
