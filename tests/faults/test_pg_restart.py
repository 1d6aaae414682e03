"""A PostgreSQL restart under traffic (issue 17's proof): clean refusals while it is down,
service again without restarting the server, nothing lost, nothing doubled.

Gunicorn runs against a PostgreSQL cluster of the test's own (tests/faults/cluster.py), so the
restart touches nothing else of the suite. Citizens signed in over real HTTP apply online
side by side while `pg_ctl restart -m fast` ends every session and rolls back every open
transaction. What they get meanwhile is a 503 with Retry-After and the plain "try again"
page (core.http.DatabaseBusyMiddleware), never a 500; once PostgreSQL accepts connections
again, the same server processes answer every request. Each submission refused on the way is
posted again, as a citizen would: every submission ends as exactly one dossier.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest

from tests.faults.citizens import (
    Citizen,
    Refused,
    Submission,
    Unanswered,
    assert_one_dossier_each,
    sign_in_all,
)
from tests.faults.cluster import Cluster
from tests.faults.conftest import CITIZENS
from tests.faults.instance import BIN, on_postgres

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (BIN / "gunicorn").exists(), reason="needs the installed venv"),
    pytest.mark.skipif(
        not on_postgres(), reason="restarts PostgreSQL: runs in the PostgreSQL pass only"
    ),
]

PER_CITIZEN = 60  # a bound: the traffic is stopped long before
ANSWERED_BEFORE_RESTART = 12
ANSWERED_AFTER_RESTART = 12
BUSY = "Hệ thống đang bận, vui lòng thử lại sau ít giây."


@dataclass(frozen=True)
class Answer:
    started: float
    status: int  # 0: no answer at all
    retry_after: str = ""
    text: str = ""


class Traffic:
    def __init__(self, citizens: list[Citizen]):
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.submissions: list[Submission] = []
        self.answers: list[Answer] = []
        self.threads = [threading.Thread(target=self._play, args=(c,)) for c in citizens]

    def _play(self, citizen: Citizen) -> None:
        for _ in range(PER_CITIZEN):
            if self.stop.is_set():
                return
            started = time.monotonic()
            try:
                submission = citizen.open_form()
                self._note(Answer(started, 200))
                with self.lock:
                    self.submissions.append(submission)
                started = time.monotonic()
                submission.post()
                self._note(Answer(started, 302))
            except Refused as refused:
                self._note(Answer(started, refused.status, refused.retry_after, refused.text))
                time.sleep(0.1)  # a person reads the page before trying again
            except Unanswered:
                self._note(Answer(started, 0))
                time.sleep(0.1)

    def _note(self, answer: Answer) -> None:
        with self.lock:
            self.answers.append(answer)

    def answered_since(self, moment: float) -> int:
        with self.lock:
            return sum(1 for a in self.answers if a.status == 302 and a.started >= moment)


def wait_for(condition, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_postgresql_restart_under_traffic_refuses_cleanly_and_loses_nothing(prepared, tmp_path):
    cluster = Cluster()
    cluster.start()
    instance = prepared.clone(tmp_path, cluster=cluster.url)
    try:
        instance.server_start()
        server = instance.server
        citizens = [Citizen(instance.url, number) for number in range(1, CITIZENS + 1)]
        sign_in_all(citizens)

        traffic = Traffic(citizens)
        for thread in traffic.threads:
            thread.start()
        wait_for(
            lambda: traffic.answered_since(0) >= ANSWERED_BEFORE_RESTART,
            timeout=30,
            what="too few submissions before the restart",
        )
        cluster.restart()
        back = time.monotonic()
        wait_for(
            lambda: traffic.answered_since(back) >= ANSWERED_AFTER_RESTART,
            timeout=30,
            what="too few submissions after the restart",
        )
        traffic.stop.set()
        for thread in traffic.threads:
            thread.join(timeout=60)

        # The same server processes, never restarted.
        assert instance.server is server and server.poll() is None
        refused = [s for s in traffic.submissions if not s.reference]
        for submission in refused:
            submission.post()
        state = instance.state()
    finally:
        instance.close()
        cluster.stop()

    failures = [a for a in traffic.answers if a.status not in (200, 302)]
    # While PostgreSQL was down: a clean "try again", with Retry-After, never a 500 or a
    # dropped connection.
    assert failures, "no request met the restart"
    assert {(a.status, a.retry_after) for a in failures} == {(503, "10")}
    assert all(BUSY in a.text for a in failures)
    assert all(a.started < back for a in failures)
    assert_one_dossier_each(state, traffic.submissions)
