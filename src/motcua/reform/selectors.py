"""The reads of reform-task tracking: tasks with their derived status, the KPIs of an agency
and its subtree for the tasks due in a period, and the ranking of agencies by % done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from motcua.core.calendar import working_calendar
from motcua.directory.models import Agency
from motcua.directory.selectors import agency_subtree_ids
from motcua.reform.models import ReformTask
from motcua.reform.status import Status, is_due_soon, percent, task_status, warning_end

DUE_SOON = "due_soon"
FILTERS = {
    Status.DONE_ON_TIME: Q(done_on__isnull=False, done_on__lte=F("deadline")),
    Status.DONE_LATE: Q(done_on__isnull=False, done_on__gt=F("deadline")),
}


def status_filter(status: str, *, today: date, until: date) -> Q:
    """The tasks of one status (or `due_soon`) read on `today`, as a query."""
    if status == Status.OVERDUE:
        return Q(done_on__isnull=True, deadline__lt=today)
    if status == Status.NOT_DUE:
        return Q(done_on__isnull=True, deadline__gte=today)
    if status == DUE_SOON:
        return Q(done_on__isnull=True, deadline__gte=today, deadline__lte=until)
    if status == "done":
        return Q(done_on__isnull=False)
    return FILTERS[Status(status)]


@dataclass(frozen=True)
class TaskLine:
    task: ReformTask
    status: Status
    due_soon: bool


def task_lines(tasks: QuerySet[ReformTask], *, today: date) -> list[TaskLine]:
    until = warning_end(today=today, calendar=working_calendar())
    return [
        TaskLine(
            task=task,
            status=task_status(deadline=task.deadline, done_on=task.done_on, today=today),
            due_soon=is_due_soon(
                deadline=task.deadline, done_on=task.done_on, today=today, until=until
            ),
        )
        for task in tasks.select_related("plan", "lead_agency").prefetch_related("partners")
    ]


@dataclass(frozen=True)
class Kpi:
    """The tasks due in a period, read on a day."""

    total: int
    done: int
    done_on_time: int
    done_late: int
    overdue: int
    not_due: int
    due_soon: int

    @property
    def percent_done(self) -> Decimal | None:
        return percent(self.done, self.total)

    @property
    def percent_on_time(self) -> Decimal | None:
        return percent(self.done_on_time, self.total)

    def as_dict(self) -> dict[str, Any]:
        done, on_time = self.percent_done, self.percent_on_time
        return {
            "total": self.total,
            "done": self.done,
            "done_on_time": self.done_on_time,
            "done_late": self.done_late,
            "overdue": self.overdue,
            "not_due": self.not_due,
            "due_soon": self.due_soon,
            "percent_done": None if done is None else f"{done:.2f}",
            "percent_on_time": None if on_time is None else f"{on_time:.2f}",
        }


def _aggregates(*, today: date, until: date) -> dict[str, Count]:
    return {
        "total": Count("pk"),
        "done": Count("pk", filter=Q(done_on__isnull=False)),
        "done_on_time": Count("pk", filter=FILTERS[Status.DONE_ON_TIME]),
        "done_late": Count("pk", filter=FILTERS[Status.DONE_LATE]),
        "overdue": Count("pk", filter=status_filter(Status.OVERDUE, today=today, until=until)),
        "not_due": Count("pk", filter=status_filter(Status.NOT_DUE, today=today, until=until)),
        "due_soon": Count("pk", filter=status_filter(DUE_SOON, today=today, until=until)),
    }


def tasks_due_in(agency: Agency, start: date, end: date) -> QuerySet[ReformTask]:
    """The tasks led by the agency or an agency below it whose deadline is in [start, end]."""
    return ReformTask.objects.filter(
        lead_agency_id__in=agency_subtree_ids([agency.pk]), deadline__range=(start, end)
    )


def kpi_compute(*, agency: Agency, start: date, end: date, today: date) -> Kpi:
    until = warning_end(today=today, calendar=working_calendar())
    found = tasks_due_in(agency, start, end).aggregate(**_aggregates(today=today, until=until))
    return Kpi(**found)


@dataclass(frozen=True)
class RankLine:
    rank: int
    agency: Agency
    kpi: Kpi


def ranking(*, agency: Agency, start: date, end: date, today: date) -> list[RankLine]:
    """Every agency of the subtree that leads a task due in the period, on its own tasks, by
    % done (highest first), then done on time, then code; equal figures share a rank."""
    until = warning_end(today=today, calendar=working_calendar())
    rows = (
        tasks_due_in(agency, start, end)
        .values("lead_agency_id")
        .annotate(**_aggregates(today=today, until=until))
        .order_by()
    )
    kpis = {row.pop("lead_agency_id"): Kpi(**row) for row in rows}
    agencies = Agency.objects.in_bulk(list(kpis))
    ordered = sorted(
        kpis.items(),
        key=lambda item: (
            -(item[1].percent_done or Decimal(0)),
            -(item[1].percent_on_time or Decimal(0)),
            agencies[item[0]].code,
        ),
    )
    lines: list[RankLine] = []
    for position, (agency_id, kpi) in enumerate(ordered, start=1):
        same = lines and (
            (lines[-1].kpi.percent_done, lines[-1].kpi.percent_on_time)
            == (kpi.percent_done, kpi.percent_on_time)
        )
        lines.append(RankLine(lines[-1].rank if same else position, agencies[agency_id], kpi))
    return lines


@dataclass(frozen=True)
class LevelLine:
    level: str
    label: str
    kpi: Kpi


def by_level(*, agency: Agency, start: date, end: date, today: date) -> list[LevelLine]:
    """The same figures per level of the lead agencies (ministries, provinces, departments,
    communes) — the seeds' "ministries 296 of 845, provinces 1,384 of 3,003" — in the order of
    `Agency.Level`, levels without a task left out."""
    until = warning_end(today=today, calendar=working_calendar())
    rows = (
        tasks_due_in(agency, start, end)
        .values("lead_agency__level")
        .annotate(**_aggregates(today=today, until=until))
        .order_by()
    )
    kpis = {row.pop("lead_agency__level"): Kpi(**row) for row in rows}
    return [
        LevelLine(level.value, str(level.label), kpis[level.value])
        for level in Agency.Level
        if level.value in kpis
    ]


def kpi_result(*, agency: Agency, start: date, end: date, today: date) -> dict[str, Any]:
    """What `motcua reform-kpi --format json` prints."""
    return {
        "agency": agency.code,
        "agency_name": agency.name,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "today": today.isoformat(),
        **kpi_compute(agency=agency, start=start, end=end, today=today).as_dict(),
        "levels": [
            {"level": line.level, "name": line.label} | line.kpi.as_dict()
            for line in by_level(agency=agency, start=start, end=end, today=today)
        ],
        "ranking": [
            {"rank": line.rank, "agency": line.agency.code, "name": line.agency.name}
            | line.kpi.as_dict()
            for line in ranking(agency=agency, start=start, end=end, today=today)
        ],
    }
