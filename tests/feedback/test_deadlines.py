"""The answer deadline: ten working days after the day of receipt, on the agency's calendar,
ending with the last working period of that day."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from motcua.core.models import CalendarOverride
from motcua.core.worktime import TZ
from motcua.feedback.models import Kind, Petition
from motcua.feedback.services import petition_due_at, petition_submit
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


def test_ten_working_days_after_an_ordinary_monday(agency):
    assert petition_due_at(agency, at(2026, 3, 2, 9, 0)) == at(2026, 3, 16, 17, 0)


def test_tet_does_not_count(agency):
    # Friday 13/02/2026, then Tết 16–20/02: the ten working days are 23/02 … 06/03.
    assert petition_due_at(agency, at(2026, 2, 13, 16, 30)) == at(2026, 3, 6, 17, 0)


def test_received_on_a_weekend_or_after_hours_counts_from_the_next_working_day(agency):
    assert petition_due_at(agency, at(2026, 3, 7, 10, 0)) == at(2026, 3, 20, 17, 0)
    assert petition_due_at(agency, at(2026, 3, 6, 20, 0)) == at(2026, 3, 20, 17, 0)


def test_the_agency_office_hours_and_the_deployment_calendar_apply(db):
    agency = AgencyFactory(code="000.00.31.H99", office_hours="08:00-12:00,13:30-17:30")
    CalendarOverride.objects.create(day=at(2026, 3, 10, 0, 0).date(), kind="day_off", reason="x")
    assert petition_due_at(agency, at(2026, 3, 2, 9, 0)) == at(2026, 3, 17, 17, 30)


def test_the_number_of_days_is_a_setting(agency, settings):
    settings.MOTCUA_PETITION_ANSWER_DAYS = 3
    assert petition_due_at(agency, at(2026, 2, 13, 9, 0)) == at(2026, 2, 25, 17, 0)


def test_one_day_is_the_next_working_day(agency, settings):
    settings.MOTCUA_PETITION_ANSWER_DAYS = 1
    assert petition_due_at(agency, at(2026, 3, 6, 9, 0)) == at(2026, 3, 9, 17, 0)


@pytest.mark.parametrize("days", [0, -3, "10", True])
def test_a_bad_number_of_days_is_a_clear_configuration_error(agency, citizen, settings, days):
    settings.MOTCUA_PETITION_ANSWER_DAYS = days
    message = (
        "MOTCUA_PETITION_ANSWER_DAYS must be a whole number of working days, at least 1 "
        f"(got {days!r})."
    )

    with pytest.raises(ImproperlyConfigured) as at_start:
        apps.get_app_config("feedback").ready()
    with pytest.raises(ImproperlyConfigured) as on_submit:
        petition_submit(
            actor=citizen,
            agency=agency,
            kind=Kind.REFLECTION,
            subject="Chậm trả kết quả",
            content="Bộ phận một cửa hẹn trả kết quả nhưng đến ngày hẹn vẫn chưa có kết quả.",
            at=at(2026, 3, 2, 9, 0),
        )

    assert str(at_start.value) == message
    assert str(on_submit.value) == message
    assert Petition.objects.count() == 0
