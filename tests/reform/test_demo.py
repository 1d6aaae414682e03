"""The demo's reform plan: twenty tasks in every status, read on the demo's day."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from motcua.core.worktime import TZ
from motcua.demo.reform import TASKS, demo_reform_load
from motcua.directory.models import Agency, Role
from motcua.reform.selectors import kpi_compute
from tests.factories import AgencyFactory, staff

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=TZ)


def test_the_demo_plan_has_every_status(db):
    city = AgencyFactory(
        code="000.00.00.H46", name="UBND thành phố Huế", level=Agency.Level.PROVINCE
    )
    for code in sorted({lead for _, lead, *_ in TASKS} | {p for t in TASKS for p in t[2]}):
        AgencyFactory(code=code, parent=city)
    leader = staff(Role.LEADER, city, username="lanhdao")

    plan = demo_reform_load(now=NOW, actor=leader)
    again = demo_reform_load(now=NOW, actor=leader)

    today = timezone.localtime(NOW).date()
    figures = kpi_compute(
        agency=city, start=today.replace(year=2025), end=today.replace(year=2027), today=today
    )
    assert again.pk == plan.pk
    assert figures.as_dict() == {
        "total": 20,
        "done": 9,
        "done_on_time": 6,
        "done_late": 3,
        "overdue": 4,
        "not_due": 7,
        "due_soon": 3,
        "percent_done": "45.00",
        "percent_on_time": "30.00",
    }
