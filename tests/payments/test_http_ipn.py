"""With `ipn_url` set, the sandbox's notification is a real HTTP POST to the running app —
on PostgreSQL. On SQLite the setting is refused: the outbox delivers inside a transaction,
which there holds the only write lock while the app waits to write."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import override_settings

from motcua.core.models import OutboxMessage
from motcua.core.outbox import outbox_deliver_pending
from motcua.dossiers.models import Dossier, State
from motcua.payments.gateways import gateway_get
from motcua.payments.models import Status
from motcua.payments.services import payment_start
from tests.payments.conftest import sandbox_config


@pytest.mark.django_db(transaction=True)
def test_the_ipn_goes_over_http(live_server, walker, fees, citizen):
    url = f"{live_server.url}/thanh-toan/ipn/sandbox/"
    dossier = walker.dossier_in(State.SUBMITTED)
    payment, hosted = payment_start(
        actor=citizen, dossier=dossier, gateway_name="sandbox", return_url="http://t/"
    )
    with override_settings(MOTCUA_PAYMENT_GATEWAYS=sandbox_config(ipn_url=url)):
        if connection.vendor == "sqlite":
            with pytest.raises(ImproperlyConfigured, match="needs PostgreSQL"):
                gateway_get("sandbox")
            return
        gateway = gateway_get("sandbox")
        gateway.decide(dict(parse_qsl(urlsplit(hosted).query)), "success")  # type: ignore[attr-defined]
        outbox_deliver_pending()

    payment.refresh_from_db()
    assert payment.status == Status.PAID
    assert Dossier.objects.get(pk=dossier.pk).paid_online is True
    message = OutboxMessage.objects.get(topic="payments.sandbox_ipn")
    assert (message.status, message.attempts) == ("sent", 1)
