"""What a fault left behind, read inside the instance in one process, printed as one JSON line:

    python tests/faults/state.py

- `dossiers`: reference → [code, state, version, number of events]; the creation is event 1 at
  version 0 and every change bumps the version once with one event, so a whole dossier holds
  version + 1 events;
- `start_tokens`: each used one-time start token → the reference of the dossier it made;
- `deliveries`: each email delivery → its Message-ID and status, and its outbox message's id,
  status and error;
- `counters_check`, `audit_verify`: the exit status of `motcua counters-check` and
  `motcua audit-verify` (the counters equal a rebuild; every event chain is intact).
"""

from __future__ import annotations

import io
import json
import os
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db.models import Count  # noqa: E402

from motcua.core.models import OutboxMessage  # noqa: E402
from motcua.dossiers.models import Dossier  # noqa: E402
from motcua.notifications.models import Delivery  # noqa: E402
from motcua.portal.models import StartToken  # noqa: E402


def exit_status(command: str) -> int:
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        try:
            call_command(command)
        except SystemExit as stop:
            return int(stop.code or 0)
    return 0


def main() -> None:
    dossiers = {
        reference: [code, state, version, events]
        for reference, code, state, version, events in Dossier.objects.annotate(
            n=Count("events")
        ).values_list("reference", "code", "state", "version", "n")
    }
    tokens = dict(
        StartToken.objects.filter(dossier__isnull=False).values_list("token", "dossier__reference")
    )
    deliveries: dict[str, dict[str, object]] = {
        str(pk): {"message_id": message_id, "status": status}
        for pk, message_id, status in Delivery.objects.values_list("pk", "message_id", "status")
    }
    for pk, payload, status, error in OutboxMessage.objects.filter(
        topic="notification.email"
    ).values_list("pk", "payload", "status", "last_error"):
        delivery = deliveries[str((payload or {}).get("delivery_id"))]
        delivery.update(outbox_id=pk, outbox_status=status, outbox_error=error)
    print(
        json.dumps(
            {
                "dossiers": dossiers,
                "start_tokens": tokens,
                "deliveries": deliveries,
                "counters_check": exit_status("counters_check"),
                "audit_verify": exit_status("audit_verify"),
            }
        )
    )


if __name__ == "__main__":
    main()
