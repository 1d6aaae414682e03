"""kill -9 of the task worker mid-delivery (issue 17's proof): no email lost, none sent twice.

The worker (`motcua db_worker`, as `scripts/run.sh` starts it) delivers the notifications of
dossiers played through the lifecycle to a mail server on loopback (tests/faults/smtp_sink.py).
It is SIGKILLed twice while it talks to that server, at the two points a crash can fall:

1. after the server accepted a message and before the worker recorded it (the mail left);
2. after the worker claimed a message and before the server accepted it (it did not).

Restarted, the worker delivers everything else once. The two it was in the middle of are what
notifications/delivery.py documents for a claim nobody finished: once the claim is stale they
are marked `unknown` and their outbox messages dead — never sent again on their own — so an
operator checks the mail server's log and resends (`motcua outbox_resend --id`) the one that
never arrived. In the end every notification reached the mail server exactly once.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.faults.instance import BIN, ROOT, Instance
from tests.faults.smtp_sink import Sink
from tests.faults.test_kill import PROVINCE

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (BIN / "motcua").exists(), reason="needs the installed venv"),
]

DRIVER = ROOT / "tests" / "national" / "network_driver.py"
DUE = (
    "from motcua.core.models import OutboxMessage as M; from motcua.core.outbox import "
    "outbox_due; print(M.objects.filter(outbox_due()).count())"
)
# Ten minutes later (notifications.delivery.STALE): the claims, and the retries they set, are
# moved back by that much; then a delivery run, as the worker's next one would be.
LATER = """
import json
from django.core.management import call_command
from django.db.models import F
from motcua.core.models import OutboxMessage
from motcua.notifications.delivery import STALE
from motcua.notifications.models import Delivery
ids = sorted(Delivery.objects.filter(status="sending").values_list("pk", flat=True))
Delivery.objects.filter(pk__in=ids).update(claimed_at=F("claimed_at") - STALE)
OutboxMessage.objects.filter(topic="notification.email", payload__delivery_id__in=ids).update(
    next_attempt_at=F("next_attempt_at") - STALE
)
call_command("outbox_deliver")
print(json.dumps(ids))
"""


def kill_mid_conversation(instance: Instance, sink: Sink, point: str, *, after: int) -> None:
    sink.stall(point, after=after)
    instance.worker_start()
    assert sink.stalled.wait(timeout=45), f"the worker never reached {point!r}"
    instance.worker_kill()
    sink.release.set()


def drained(instance: Instance, *, timeout: float = 45) -> None:
    """Until no outbox message is due (the two claimed ones wait ten minutes)."""
    deadline = time.monotonic() + timeout
    while int(instance.shell(DUE).strip().splitlines()[-1]) != 0:
        assert time.monotonic() < deadline, "the worker did not drain the outbox"
        time.sleep(1)


def test_kill_9_of_the_worker_mid_delivery_loses_and_doubles_no_email(prepared, tmp_path):
    with Sink() as sink:
        instance = prepared.clone(
            tmp_path,
            MOTCUA_EMAIL_BACKEND="tests.faults.smtp_sink.SinkBackend",
            MOTCUA_TEST_SMTP_PORT=str(sink.port),
        )
        try:
            # Citizen 1 (who has an email address) applies; staff play the dossiers on.
            instance.python(str(DRIVER), "walk", "--province", PROVINCE, "--count", "10")
            kill_mid_conversation(instance, sink, "quit", after=3)
            assert sum(sink.received().values()) == 3
            kill_mid_conversation(instance, sink, "mail", after=3)
            instance.worker_start()
            drained(instance)
            instance.worker_kill()

            out = instance.shell(LATER).strip().splitlines()
            assert out[-2] == "unknown: 2"
            in_doubt = json.loads(out[-1])
            before = instance.state()
            unknown = {pk: d for pk, d in before["deliveries"].items() if d["status"] == "unknown"}
            received = sink.received()
            # The operator's part: resend what the mail server's log does not have.
            for delivery in unknown.values():
                if delivery["message_id"] not in received:
                    instance.motcua("outbox_resend", "--id", str(delivery["outbox_id"]))
            instance.motcua("outbox_deliver")
            after = instance.state()
        finally:
            instance.close()
        in_the_end = sink.received()

    deliveries = before["deliveries"]
    assert len(deliveries) >= 12, deliveries
    # The two claimed when the worker died, and only those, were marked for the operator.
    assert sorted(unknown) == sorted(str(pk) for pk in in_doubt)
    for delivery in unknown.values():
        assert delivery["outbox_status"] == "dead"
        assert delivery["outbox_error"].startswith("sent_unknown:")
    # The one the server had accepted (1.) was there once, the other (2.) not at all.
    assert sorted(received[d["message_id"]] for d in unknown.values()) == [0, 1]
    never_left = next(pk for pk, d in unknown.items() if received[d["message_id"]] == 0)
    # Every other delivery was sent and recorded, and reached the server once.
    assert {pk: (d["status"], d["outbox_status"]) for pk, d in deliveries.items()} == {
        pk: ("unknown", "dead") if pk in unknown else ("sent", "sent") for pk in deliveries
    }
    assert received == {d["message_id"]: 1 for pk, d in deliveries.items() if pk != never_left}
    # After the operator's resend: every notification reached the mail server exactly once.
    assert after["deliveries"][never_left]["status"] == "sent"
    assert in_the_end == {d["message_id"]: 1 for d in deliveries.values()}
    assert after["counters_check"] == 0
    assert after["audit_verify"] == 0
