"""Background work of payments: delivering the sandbox gateway's IPN from the outbox, and
reconciliation (one deferred task per payment, plus the sweep run by cron or the command)."""

from __future__ import annotations

import json
import logging
import urllib.request
from urllib.parse import urlencode

from django.conf import settings
from django_tasks import task

from motcua.core.outbox import outbox_handler
from motcua.payments.sandbox import IPN_TOPIC
from motcua.payments.services import notification_handle, payments_reconcile

log = logging.getLogger(__name__)


@outbox_handler(IPN_TOPIC)
def sandbox_ipn_deliver(payload: dict) -> None:
    """The sandbox gateway calls the merchant. With `ipn_url` set it makes a real HTTP POST
    (as a real gateway does); without, it hands the same signed parameters to the same entry
    point the IPN view uses, so tests and a demo without a reachable URL stay deterministic.
    An answer the gateway would retry on (`99`, or no answer) raises, so the outbox retries."""
    name, params = payload["gateway"], payload["params"]
    config = (getattr(settings, "MOTCUA_PAYMENT_GATEWAYS", {}) or {}).get(name) or {}
    url = config.get("ipn_url") or ""
    if url:
        request = urllib.request.Request(
            url,
            data=urlencode(params).encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read().decode("utf-8"))
    else:
        _, answer = notification_handle(gateway_name=name, params=params)
    if answer.get("RspCode") == "99":
        raise RuntimeError(f"IPN not accepted: {answer.get('Message', '')}")


@task()
def payment_reconcile_task(payment_id: int) -> dict[str, int]:
    """Deferred to the end of the payment's window when the payment starts."""
    return payments_reconcile(payment_id=payment_id)


@task()
def payments_reconcile_sweep() -> dict[str, int]:
    return payments_reconcile()


@task()
def group_reconcile_task(order_id: int) -> dict[str, int]:
    """Deferred to the end of a group order's window when it starts (`groups.py`)."""
    from motcua.payments.groups import groups_reconcile

    return groups_reconcile(order_id=order_id)
