"""An agency's day: dossiers received today, due before midnight and overdue, each section
broken down by step and by officer."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.worktime import TZ
from motcua.directory.models import Agency, User
from motcua.directory.selectors import user_readable_agency_ids
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import OPEN_AFTER_RECEPTION, Dossier, DossierEvent, State

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


def _receive_events(start: datetime, end: datetime) -> QuerySet[DossierEvent]:
    return DossierEvent.objects.filter(action=Action.RECEIVE, at__gte=start, at__lt=end)


def received_by(user: User, now: datetime) -> QuerySet[Dossier]:
    """What the user received today, in whichever agency: counted by the receive event's
    actor, since a one-stop officer often receives for other agencies (a department, an
    agency below) than the first one of their own."""
    start, end = _day_bounds(now)
    mine = _receive_events(start, end).filter(actor=user).values("dossier_id")
    return Dossier.objects.filter(pk__in=mine)


def received_by_summary(user: User, now: datetime) -> list[Group]:
    """What the user received today, per agency (one GROUP BY query)."""
    rows = (
        received_by(user, now)
        .values("agency__code", "agency__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "agency__code")
    )
    return [
        Group(label=row["agency__name"], count=row["n"], params={"agency": row["agency__code"]})
        for row in rows
    ]


def _with_receiver(queryset: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """Each dossier with the officer who received it (the actor of its receive event)."""
    receive = DossierEvent.objects.filter(dossier=OuterRef("pk"), action=Action.RECEIVE).order_by(
        "seq"
    )
    return queryset.annotate(
        receiver_id=Subquery(receive.values("actor_id")[:1]),
        receiver_name=Subquery(receive.values("actor__full_name")[:1]),
        receiver_username=Subquery(receive.values("actor__username")[:1]),
    )


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
    # For the received section: who received them (the officer at the counter), beside
    # who holds them now (`by_officer`).
    by_receiver: list[Group] = field(default_factory=list)


def day_summary(agency: Agency, key: str, now: datetime) -> DaySummary:
    """One section of the day, broken down by step and by officer, and the received section
    also by the officer who received (one GROUP BY query)."""
    fields = [
        "state",
        "current_step__name",
        "assignee_id",
        "assignee__full_name",
        "assignee__username",
    ]
    queryset = day_section(agency, key, now)
    if key == "received":
        queryset = _with_receiver(queryset)
        fields += ["receiver_id", "receiver_name", "receiver_username"]
    groups = queryset.values(*fields).annotate(n=Count("pk")).order_by()
    steps: dict[tuple[str, str], int] = defaultdict(int)
    officers: dict[str, tuple[str, int]] = {}
    receivers: dict[str, tuple[str, int]] = {}
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
        if key == "received":
            if row["receiver_id"] is None:
                receiver_key, name = UNASSIGNED, _("Không rõ")
            else:
                receiver_key = str(row["receiver_id"])
                name = row["receiver_name"] or row["receiver_username"]
            label, count = receivers.get(receiver_key, (name, 0))
            receivers[receiver_key] = (label, count + row["n"])
    by_step = [
        Group(
            label=value if kind == "step" else str(State(value).label),
            count=count,
            params={kind: value},
        )
        for (kind, value), count in sorted(steps.items(), key=lambda item: (-item[1], item[0]))
    ]
    return DaySummary(
        key=key,
        title=str(DAY_SECTIONS[key]),
        total=total,
        by_step=by_step,
        by_officer=_groups(officers, "officer"),
        by_receiver=_groups(receivers, "receiver"),
    )


def _groups(counts: dict[str, tuple[str, int]], param: str) -> list[Group]:
    """Unknown first, then the most dossiers first."""
    return [
        Group(label=label, count=count, params={param: key})
        for key, (label, count) in sorted(
            counts.items(), key=lambda item: (item[0] != UNASSIGNED, -item[1][1], item[1][0])
        )
    ]


def day_list(
    agency: Agency,
    key: str,
    now: datetime,
    *,
    step: str = "",
    state: str = "",
    officer: str = "",
    receiver: str = "",
) -> QuerySet[Dossier]:
    """The dossiers of one section (and group), nearest due moment first."""
    queryset = day_section(agency, key, now)
    if receiver:
        receive = DossierEvent.objects.filter(dossier=OuterRef("pk"), action=Action.RECEIVE)
        if receiver == UNASSIGNED:
            queryset = queryset.exclude(Exists(receive.filter(actor__isnull=False)))
        else:
            queryset = queryset.filter(Exists(receive.filter(actor_id=int(receiver))))
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
