"""kill -9 of the production server mid-submission (issue 17's proof): nothing lost, nothing
doubled.

Gunicorn runs as `scripts/run.sh` starts it, on its own database. Citizens signed in over
real HTTP apply online concurrently; the master and its workers are SIGKILLed while
submissions are on the wire, and started again. Each submission the client saw no answer to
is posted again exactly as it was (a browser's resend: same session, CSRF token and one-time
start token `phieu`). Afterwards every submission is exactly one submitted dossier, the one
its redirect named; nothing is half-written; the counters equal a rebuild and every event
chain verifies.
"""

from __future__ import annotations

import threading
import time

import pytest

from tests.faults.citizens import (
    Citizen,
    Refused,
    Submission,
    Unanswered,
    assert_one_dossier_each,
    sign_in_all,
)
from tests.faults.conftest import CITIZENS
from tests.faults.instance import BIN

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (BIN / "gunicorn").exists(), reason="needs the installed venv"),
]

PER_CITIZEN = 40  # a bound: the kill comes long before
ANSWERED_BEFORE_KILL = 12


class Traffic:
    """Each citizen opens the form and submits it, again and again, until the server is gone."""

    def __init__(self, citizens: list[Citizen]):
        self.citizens = citizens
        self.lock = threading.Lock()
        self.submissions: list[Submission] = []
        self.posting = 0
        self.refused: list[str] = []  # a working server refuses none of these
        self.threads = [threading.Thread(target=self._play, args=(c,)) for c in citizens]

    def _play(self, citizen: Citizen) -> None:
        for _ in range(PER_CITIZEN):
            try:
                submission = citizen.open_form()
            except Unanswered:
                return
            except Refused as refused:
                self.refused.append(str(refused))
                return
            with self.lock:
                self.submissions.append(submission)
                self.posting += 1
            try:
                submission.post()
            except Unanswered:
                return
            except Refused as refused:
                self.refused.append(str(refused))
                return
            finally:
                with self.lock:
                    self.posting -= 1

    def answered(self) -> int:
        with self.lock:
            return sum(1 for s in self.submissions if s.reference)

    def mid_stream(self) -> bool:
        """Enough submissions answered, and at least two on the wire now."""
        with self.lock:
            return self.posting >= 2 and sum(1 for s in self.submissions if s.reference) >= (
                ANSWERED_BEFORE_KILL
            )


def test_kill_9_of_the_server_mid_submission_loses_and_doubles_nothing(prepared, tmp_path):
    instance = prepared.clone(tmp_path)
    try:
        instance.server_start()
        citizens = [Citizen(instance.url, number) for number in range(1, CITIZENS + 1)]
        sign_in_all(citizens)

        traffic = Traffic(citizens)
        for thread in traffic.threads:
            thread.start()
        deadline = time.monotonic() + 30
        while not traffic.mid_stream() and time.monotonic() < deadline:
            time.sleep(0.002)
        assert traffic.mid_stream(), f"only {traffic.answered()} submissions answered in 30 s"
        instance.server_kill()
        for thread in traffic.threads:
            thread.join(timeout=60)

        unanswered = [s for s in traffic.submissions if not s.reference]
        answered = [s for s in traffic.submissions if s.reference]
        # Two were on the wire when the kill was decided; one of them may still have had its
        # answer before the signal landed, so at least one is left without.
        assert len(unanswered) >= 1
        instance.server_start()
        for submission in unanswered:
            submission.post()
        # A submission answered before the crash, posted again after it: the start token sends
        # it to the dossier it made, and nothing new is written.
        replayed = answered[0]
        first = replayed.reference
        assert replayed.post() == first

        state = instance.state()
    finally:
        instance.close()

    assert traffic.refused == []
    assert_one_dossier_each(state, traffic.submissions)
