"""An agency's day: dossiers received today, due before midnight and overdue, each section
broken down by step and by officer."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.worktime import TZ
from motcua.directory.models import Agency, User
from motcua.directory.selectors import user_readable_agency_ids
from motcua.dossiers.models import OPEN_AFTER_RECEPTION, Dossier, State

DAY_SECTIONS: dict[str, Any] = {
    "received": gettext_lazy("Tiếp nhận hôm nay"),
    "due_today": gettext_lazy("Đến hạn trong hôm nay"),
    "overdue": gettext_lazy("Quá hạn"),
}
UNASSIGNED = "none"


def day_agencies(user: User) -> list[Agency]:
    """The agencies whose day the user may see: where they hold any staff role, and those
    below the agencies they lead."""
    return list(
        Agency.objects.filter(pk__in=user_readable_agency_ids(user))
        .order_by("code")
        .only("id", "code", "name")
    )


def _day_bounds(now: datetime) -> tuple[datetime, datetime]:
    local = timezone.localtime(now, TZ)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def day_section(agency: Agency, key: str, now: datetime) -> QuerySet[Dossier]:
    """`received`: received today; `due_today`: not finished, clock running, due between now
    and midnight; `overdue`: not finished and past due (a paused dossier counts when it was
    already late when its clock stopped)."""
    start, end = _day_bounds(now)
    base = Dossier.objects.filter(agency=agency)
    if key == "received":
        return base.filter(received_at__gte=start, received_at__lt=end)
    # Not finished: the open states after reception (the (agency, state, due_at) index).
    unfinished = base.filter(state__in=sorted(OPEN_AFTER_RECEPTION))
    if key == "due_today":
        return unfinished.filter(paused_at__isnull=True, due_at__gte=now, due_at__lt=end)
    if key == "overdue":
        return unfinished.filter(due_at__lt=now).filter(
            Q(paused_at__isnull=True) | Q(due_at__lt=F("paused_at"))
        )
    raise KeyError(key)


@dataclass
class Group:
    label: str
    count: int
    params: dict[str, str]


@dataclass
class DaySummary:
    key: str
    title: str
    total: int
    by_step: list[Group]
    by_officer: list[Group]


def day_summary(agency: Agency, key: str, now: datetime) -> DaySummary:
    """One section of the day, broken down by step and by officer (one GROUP BY query)."""
    groups = (
        day_section(agency, key, now)
        .values(
            "state",
            "current_step__name",
            "assignee_id",
            "assignee__full_name",
            "assignee__username",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    steps: dict[tuple[str, str], int] = defaultdict(int)
    officers: dict[str, tuple[str, int]] = {}
    total = 0
    for row in groups:
        total += row["n"]
        step_name = row["current_step__name"]
        step_key = ("step", step_name) if step_name else ("state", row["state"])
        steps[step_key] += row["n"]
        if row["assignee_id"] is None:
            officer_key, name = UNASSIGNED, _("Chưa phân công")
        else:
            officer_key = str(row["assignee_id"])
            name = row["assignee__full_name"] or row["assignee__username"]
        label, count = officers.get(officer_key, (name, 0))
        officers[officer_key] = (label, count + row["n"])
    by_step = [
        Group(
            label=value if kind == "step" else str(State(value).label),
            count=count,
            params={kind: value},
        )
        for (kind, value), count in sorted(steps.items(), key=lambda item: (-item[1], item[0]))
    ]
    by_officer = [
        Group(label=label, count=count, params={"officer": officer_key})
        for officer_key, (label, count) in sorted(
            officers.items(), key=lambda item: (item[0] != UNASSIGNED, -item[1][1], item[1][0])
        )
    ]
    return DaySummary(
        key=key, title=str(DAY_SECTIONS[key]), total=total, by_step=by_step, by_officer=by_officer
    )


def day_list(
    agency: Agency, key: str, now: datetime, *, step: str = "", state: str = "", officer: str = ""
) -> QuerySet[Dossier]:
    """The dossiers of one section (and group), nearest due moment first."""
    queryset = day_section(agency, key, now)
    if step:
        queryset = queryset.filter(current_step__name=step)
    if state:
        queryset = queryset.filter(state=state, current_step__isnull=True)
    if officer == UNASSIGNED:
        queryset = queryset.filter(assignee__isnull=True)
    elif officer:
        queryset = queryset.filter(assignee_id=int(officer))
    return queryset.select_related("procedure", "current_step", "assignee").order_by(
        F("due_at").asc(nulls_last=True), "id"
    )
