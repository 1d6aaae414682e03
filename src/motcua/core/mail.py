"""The mail backend when no mail server is configured (the demo, development).

Django's console backend printed every citizen's address and every notification's text into
the log, where they do not belong (§10). This one sends nothing and logs one line per message
with its Message-ID and a masked recipient, enough to see that a mail would have left and to
whom, roughly. The citizen still reads the notification in the portal (`/thong-bao/`); to read
the mails themselves in development, set
`MOTCUA_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend` and `EMAIL_FILE_PATH`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

log = logging.getLogger(__name__)


def masked(address: str) -> str:
    """`d***@example.vn`: enough to tell two recipients apart in a log line, not to write to
    the citizen."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


class RedactedLogBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            message_id = str((message.extra_headers or {}).get("Message-ID", "-"))
            recipients = ",".join(masked(a) for a in message.recipients())
            log.info(
                "email.not_sent (no mail server configured) message_id=%s to=%s",
                message_id,
                recipients,
                extra={"code": "email.not_sent"},
            )
        return len(email_messages)
