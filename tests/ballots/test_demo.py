"""The demo's ballots: every state, played through the services, read on the demo's day."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from motcua.ballots.selectors import sent_counts, to_answer
from motcua.core.worktime import TZ
from motcua.demo.ballots import demo_ballots_load
from motcua.directory.models import Agency, Role
from motcua.notifications.models import Notification
from tests.factories import AgencyFactory, staff

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=TZ)


def test_the_demo_ballots_are_in_every_state(db):
    city = AgencyFactory(
        code="000.00.00.H46", name="UBND thành phố Huế", level=Agency.Level.PROVINCE
    )
    leader = staff(Role.LEADER, city, username="lanhdao")
    justice = AgencyFactory(code="000.00.11.H46", parent=city, level=Agency.Level.DEPARTMENT)
    approver = staff(Role.APPROVER, justice, username="pheduyet")
    for i in range(4):
        department = AgencyFactory(
            code=f"000.00.{20 + i}.H46", parent=city, level=Agency.Level.DEPARTMENT
        )
        staff(Role.APPROVER, department, username=f"canbo{200 + i}")

    ballots = demo_ballots_load(now=NOW, actor=leader)
    again = demo_ballots_load(now=NOW, actor=leader)

    assert len(ballots) == len(again) == 14
    assert Counter((b.state, b.result, b.decision) for b in again) == {
        ("draft", "", ""): 1,
        ("open", "", ""): 2,
        ("closed", "adopted", ""): 1,
        ("decided", "adopted", "issued"): 9,
        ("decided", "returned", "returned"): 1,
    }
    assert [b.number for b in to_answer(approver, now=NOW)] == ["29/PLYK-UBND", "30/PLYK-UBND"]
    # Sent (the draft is not): 8 and 9 March, 13, 18 and 28 February, 24 January, then one a
    # month back to June 2025.
    year = sent_counts(year=2026)
    assert year.months == [1, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert (year.quarters, year.total) == ([6, 0, 0, 0], 6)
    assert sent_counts(year=2025).months == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]
    assert Notification.objects.count() == 0  # delivered by the outbox worker, not here
