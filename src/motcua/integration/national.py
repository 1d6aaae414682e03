"""The national portal's side of the outbox (domain.md §12).

Every change of a dossier after submission writes a `national.sync` message in the same
transaction. Until this deployment is connected to the national portal the messages are held:
kept with their reason, not retried and not counted as delivery lag, and handed over by
`motcua outbox_resend --topic national.sync` once the connection exists.
"""

from __future__ import annotations

from django.conf import settings

from motcua.core.outbox import OutboxHold, outbox_handler

TOPIC = "national.sync"


@outbox_handler(TOPIC)
def national_sync(payload: dict) -> None:
    if not getattr(settings, "MOTCUA_NATIONAL_URL", ""):
        raise OutboxHold("Chưa cấu hình địa chỉ Cổng Dịch vụ công quốc gia (MOTCUA_NATIONAL_URL).")
    raise OutboxHold("Kết nối đồng bộ với Cổng Dịch vụ công quốc gia chưa được cài đặt.")
