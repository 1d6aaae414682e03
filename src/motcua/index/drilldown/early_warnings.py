"""Early warnings: open dossiers due within the next working day or already past due,
grouped per agency and per holder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils.translation import gettext as _

from motcua.core.worktime import HOURS_PER_DAY
from motcua.directory.models import Agency, User
from motcua.dossiers.models import Dossier
from motcua.index.drilldown.timing import Calendars, working_text

WARNING_HORIZON = timedelta(hours=HOURS_PER_DAY)  # the next working day
WARNINGS_LIMIT = 1000


@dataclass
class WarningRow:
    dossier: Dossier
    due: datetime  # the moment the clock will reach the due time (paused clocks moved on)
    overdue: bool
    gap: timedelta  # working time past due, or left before it

    @property
    def gap_text(self) -> str:
        return working_text(self.gap)


@dataclass
class HolderGroup:
    label: str
    officer: User | None
    rows: list[WarningRow] = field(default_factory=list)


@dataclass
class AgencyGroup:
    agency: Agency
    holders: dict[str, HolderGroup] = field(default_factory=dict)

    @property
    def holder_list(self) -> list[HolderGroup]:
        return sorted(self.holders.values(), key=lambda h: (h.officer is None, h.label))

    @property
    def count(self) -> int:
        return sum(len(h.rows) for h in self.holders.values())

    @property
    def overdue_count(self) -> int:
        return sum(1 for h in self.holders.values() for r in h.rows if r.overdue)


def _holder(dossier: Dossier) -> tuple[str, str, User | None]:
    """(grouping key, label, officer): the assignee, or the place the dossier waits."""
    if dossier.assignee is not None:
        return f"u{dossier.assignee.pk}", str(dossier.assignee), dossier.assignee
    if dossier.transfer_agency is not None:
        agency = dossier.transfer_agency
        return f"t{agency.pk}", _("Liên thông: %(agency)s") % {"agency": agency.name}, None
    if dossier.current_step is not None:
        agency = dossier.current_step.agency or dossier.agency
        label = _("Chưa giao cán bộ — %(agency)s (bước %(step)s)") % {
            "agency": agency.name,
            "step": dossier.current_step.name,
        }
        return f"s{agency.pk}:{dossier.current_step.name}", label, None
    return (
        f"r{dossier.agency.pk}",
        _("Bộ phận một cửa — %(agency)s") % {"agency": dossier.agency.name},
        None,
    )


def warnings_for(agency_ids: set[int], *, now: datetime) -> tuple[list[AgencyGroup], bool]:
    """Open dossiers due within the next working day (8 working hours) or already past due,
    grouped per agency and per holder; the flag says the list was cut at WARNINGS_LIMIT."""
    calendars = Calendars()
    agencies = Agency.objects.filter(id__in=agency_ids)
    horizons = [
        calendars.for_agency(a).add(now, WARNING_HORIZON)
        for a in {a.office_hours: a for a in agencies}.values()
    ]
    if not horizons:
        return [], False
    open_dossiers = (
        Dossier.objects.filter(
            Q(agency_id__in=agency_ids) | Q(current_step__agency_id__in=agency_ids)
        )
        .filter(
            received_at__isnull=False,
            finished_at__isnull=True,
            closed_at__isnull=True,
            due_at__isnull=False,
            due_at__lte=max(horizons),
        )
        .select_related(
            "procedure", "agency", "assignee", "transfer_agency", "current_step__agency"
        )
        .order_by("due_at", "id")
    )
    dossiers = list(open_dossiers[: WARNINGS_LIMIT + 1])
    cut = len(dossiers) > WARNINGS_LIMIT
    groups: dict[int, AgencyGroup] = {}
    for dossier in dossiers[:WARNINGS_LIMIT]:
        assert dossier.due_at is not None
        calendar = calendars.for_agency(dossier.agency)
        due = dossier.due_at
        if dossier.paused_at is not None and due > dossier.paused_at:
            # The clock stopped with time left: that time starts running again only on resume.
            due = calendar.add(now, calendar.between(dossier.paused_at, due))
        if due > calendar.add(now, WARNING_HORIZON):
            continue
        overdue = due <= now
        gap = calendar.between(due, now) if overdue else calendar.between(now, due)
        key, label, officer = _holder(dossier)
        group = groups.setdefault(dossier.agency_id, AgencyGroup(dossier.agency))
        holder = group.holders.setdefault(key, HolderGroup(label, officer))
        holder.rows.append(WarningRow(dossier, due, overdue, gap))
    return sorted(groups.values(), key=lambda g: g.agency.code), cut
