"""The demo's petitions: made through the services, all in the past, with every outcome —
and loadable on a Sunday evening as on a working morning."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.db import transaction

from motcua.core.worktime import TZ
from motcua.counters.selectors import counters_snapshot
from motcua.counters.services import counters_rebuild
from motcua.demo.services import demo_load
from motcua.directory.models import Agency, User
from motcua.feedback.models import Petition, PetitionEvent
from motcua.feedback.selectors import Calendars, deadline_mark, petition_queue
from motcua.index.engine import Period, index_compute

SUNDAY_EVENING = datetime(2026, 11, 22, 20, 0, tzinfo=TZ)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield demo_load(dossiers=60, seed=11, now=SUNDAY_EVENING)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_petitions_with_every_outcome_all_in_the_past(demo):
    petitions = list(Petition.objects.all())
    assert len(petitions) >= 30
    states = {p.state for p in petitions}
    assert states == {"received", "answered", "rejected"}
    assert any(p.answered_at and p.answered_at > p.due_at for p in petitions)  # late
    assert any(p.answered_at and p.answered_at <= p.due_at for p in petitions)  # on time
    assert {p.rating for p in petitions} >= {"satisfied", "unsatisfied", ""}
    assert any(p.publish_consent and p.state == "answered" for p in petitions)
    # The demo's answers name nobody: every consented one is published, no other.
    assert [p.answer_published for p in petitions] == [
        p.publish_consent and p.state == "answered" for p in petitions
    ]
    assert max(PetitionEvent.objects.values_list("at", flat=True)) <= SUNDAY_EVENING


@pytest.mark.django_db
def test_the_justice_queue_shows_the_three_marks(demo):
    officer = User.objects.get(username="tiepnhan")
    calendars = Calendars()
    marks = {
        deadline_mark(p, SUNDAY_EVENING, calendars)["key"]
        for p in petition_queue(officer).filter(agency__code="000.00.11.H46")
    }
    assert marks >= {"overdue", "due_soon", "on_time"}


@pytest.mark.django_db
def test_the_citys_petition_indicators_apply_and_the_counters_rebuild(demo):
    city = Agency.objects.get(code="000.00.00.H46")
    result = index_compute(agency=city, period=Period(date(2026, 1, 1), date(2026, 11, 22)))
    satisfaction = next(g for g in result["groups"] if g["key"] == "satisfaction")
    items = {i["key"]: i for i in satisfaction["indicators"]}
    assert items["petitions_on_time"]["applicable"] is True
    assert items["petitions_satisfied"]["applicable"] is True
    assert 0 < items["petitions_on_time"]["numerator"] < items["petitions_on_time"]["denominator"]
    incremental = counters_snapshot()
    counters_rebuild()
    assert counters_snapshot() == incremental
