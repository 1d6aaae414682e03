"""Sending an issued letter: the outbox topic `docexchange.send`, one message per document,
delivered after the commit that issued it. The document-management service keeps a letter
once per envelope id and answers the same receipt for a letter sent again, so a retry after a
lost answer never makes a second copy. When it cannot be reached or refuses, the outbox
retries with its backoff and dead-letters after its last attempt (`motcua outbox_resend` puts
it back); with no service configured the message is held, never lost."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.utils import timezone

from motcua.core.outbox import OutboxHold, outbox_handler
from motcua.docexchange.envelope import CONTENT_TYPE
from motcua.docexchange.models import OfficialDocument
from motcua.docexchange.services import TOPIC

SEND_PATH = "/van-ban/nhan/"


class SendFailed(Exception):
    """The service did not answer with a receipt: the letter counts as not delivered."""


def service_url() -> str:
    return str(getattr(settings, "MOTCUA_DOCEXCHANGE", {}).get("url", "")).rstrip("/")


def envelope_post(url: str, body: bytes, *, timeout: float) -> str:
    """POST the envelope; the receipt the service answers."""
    request = urllib.request.Request(
        url + SEND_PATH,
        data=body,
        method="POST",
        headers={"Content-Type": CONTENT_TYPE, "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read(64 * 1024)
    except urllib.error.HTTPError as error:
        raise SendFailed(f"HTTP {error.code}: {error.read(500)!r}") from error
    except (urllib.error.URLError, OSError) as error:
        raise SendFailed(f"unreachable: {error}") from error
    try:
        receipt = json.loads(raw)["receipt"]
    except (ValueError, KeyError, TypeError) as error:
        raise SendFailed("the answer carries no receipt") from error
    if not isinstance(receipt, str) or not receipt or len(receipt) > 100:
        raise SendFailed("the answer carries no receipt")
    return receipt


@outbox_handler(TOPIC)
def letter_deliver(payload: dict) -> None:
    document = (
        OfficialDocument.objects.select_for_update()
        .filter(pk=payload["document_id"], direction=OfficialDocument.Direction.OUT)
        .first()
    )
    if document is None or document.sent_at is not None:
        return
    url = service_url()
    if not url:
        raise OutboxHold("MOTCUA_DOCEXCHANGE_URL is not set")
    timeout = float(settings.MOTCUA_DOCEXCHANGE.get("timeout", 10))
    receipt = envelope_post(url, bytes(document.envelope), timeout=timeout)
    document.status = OfficialDocument.Status.SENT
    document.sent_at = timezone.now()
    document.receipt = receipt
    document.save(update_fields=["status", "sent_at", "receipt"])
