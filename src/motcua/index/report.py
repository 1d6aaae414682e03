"""The periodic statistics report (§8.1): dossiers received, settled and pending, per sector,
for an agency and everything below it, over a period of local days.

One GROUP BY over the dossier table — the agency's subtree, the dossiers received by the
period's end and not ended before its start — with one conditional count per cell:

- received in the period by channel (`online`, `direct_postal`), and `carried_over`: received
  before the period and still open at its start;
- `settled`: finished in the period (§7: result ready or refused after processing); `late` is
  not on time by §7's rule (`dossiers.metrics.ON_TIME`, the rule the counters use), `early` on
  time and finished on an earlier local day than the due moment's, `on_time` the rest;
- `pending`: still open at the period's end, `overdue` when the due moment is before it.

A dossier is open at a moment when it was received at or before it and neither finished
(`finished_at`) nor otherwise ended (`closed_at`: withdrawn, cancelled, refused at reception)
at or before it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.db.models.lookups import LessThan
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import ValidationFailed
from motcua.core.text import vietnamese_sort_key
from motcua.core.worktime import TZ
from motcua.directory.models import Agency
from motcua.directory.selectors import Segment, agency_scope
from motcua.dossiers.metrics import ON_TIME
from motcua.dossiers.models import Channel, Dossier
from motcua.index.engine import Period, scope_q


@dataclass(frozen=True)
class ReportLine:
    """One row of the table: a sector, or the total (`sector` empty)."""

    sector: str
    received_online: int = 0
    received_direct_postal: int = 0
    carried_over: int = 0
    settled_early: int = 0
    settled_on_time: int = 0
    settled_late: int = 0
    pending_within_time: int = 0
    pending_overdue: int = 0

    @property
    def received_total(self) -> int:
        return self.received_online + self.received_direct_postal + self.carried_over

    @property
    def settled_total(self) -> int:
        return self.settled_early + self.settled_on_time + self.settled_late

    @property
    def pending_total(self) -> int:
        return self.pending_within_time + self.pending_overdue

    @property
    def cells(self) -> list[int]:
        """The eleven numbers in the template's column order."""
        return [
            self.received_total,
            self.received_online,
            self.received_direct_postal,
            self.carried_over,
            self.settled_total,
            self.settled_early,
            self.settled_on_time,
            self.settled_late,
            self.pending_total,
            self.pending_within_time,
            self.pending_overdue,
        ]

    @property
    def is_empty(self) -> bool:
        return not any(self.cells)

    def figures(self) -> dict[str, dict[str, int]]:
        return {
            "received": {
                "total": self.received_total,
                "online": self.received_online,
                "direct_postal": self.received_direct_postal,
                "carried_over": self.carried_over,
            },
            "settled": {
                "total": self.settled_total,
                "early": self.settled_early,
                "on_time": self.settled_on_time,
                "late": self.settled_late,
            },
            "pending": {
                "total": self.pending_total,
                "within_time": self.pending_within_time,
                "overdue": self.pending_overdue,
            },
        }


_NUMBERS = [f.name for f in fields(ReportLine) if f.name != "sector"]


@dataclass(frozen=True)
class StatisticsReport:
    agency: Agency
    period: Period
    rows: list[ReportLine]
    total: ReportLine

    def as_json(self) -> dict[str, Any]:
        """The §8.1 object."""
        return {
            "agency": self.agency.code,
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "rows": [{"sector": row.sector, **row.figures()} for row in self.rows],
            "total": self.total.figures(),
        }


def _open_at(moment: datetime) -> Q:
    return (
        Q(received_at__lte=moment)
        & (Q(finished_at__isnull=True) | Q(finished_at__gt=moment))
        & (Q(closed_at__isnull=True) | Q(closed_at__gt=moment))
    )


def _cells(period: Period, segments: list[Segment]) -> dict[str, Count]:
    start, end = period.start_moment, period.end_moment
    received = Q(received_at__gte=start, received_at__lt=end)
    settled = Q(finished_at__gte=start, finished_at__lt=end)
    carried = Q(received_at__lt=start) & _open_at(start)
    pending = _open_at(end)
    if len(segments) > 1:
        # A merger inside the period (`AgencyScope`): each cell counts a dossier under the
        # agency it belonged to on the cell's day — received and settled by their own days,
        # carried over on the first day, pending on the last.
        received &= scope_q(segments, "received_at")
        settled &= scope_q(segments, "finished_at")
        carried &= Q(agency_id__in=segments[0].agency_ids)
        pending &= Q(agency_id__in=segments[-1].agency_ids)
    early = (
        settled
        & ON_TIME
        & Q(due_at__isnull=False)
        & Q(LessThan(TruncDate("finished_at", tzinfo=TZ), TruncDate("due_at", tzinfo=TZ)))
    )
    return {
        "received_online": Count("id", filter=received & Q(channel=Channel.ONLINE)),
        "received_direct_postal": Count(
            "id", filter=received & Q(channel__in=[Channel.DIRECT, Channel.POSTAL])
        ),
        "carried_over": Count("id", filter=carried),
        "settled": Count("id", filter=settled),
        "settled_in_time": Count("id", filter=settled & ON_TIME),
        "settled_early": Count("id", filter=early),
        "pending": Count("id", filter=pending),
        "pending_overdue": Count("id", filter=pending & Q(due_at__lt=end)),
    }


def report_lines(segments: list[Segment], period: Period) -> list[ReportLine]:
    """One line per sector with anything to count, by sector name, over the agencies of
    `AgencyScope.segments` for the period (one segment, the subtree, without a merger)."""
    start, end = period.start_moment, period.end_moment
    everyone = set().union(*(segment.agency_ids for segment in segments))
    grouped = (
        Dossier.objects.filter(agency_id__in=everyone, received_at__lte=end)
        .filter(Q(finished_at__isnull=True) | Q(finished_at__gte=start))
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
        .values(sector_name=F("procedure__sector__name"))
        .annotate(**_cells(period, segments))
        .order_by()
    )
    lines = [
        ReportLine(
            sector=row["sector_name"],
            received_online=row["received_online"],
            received_direct_postal=row["received_direct_postal"],
            carried_over=row["carried_over"],
            settled_early=row["settled_early"],
            settled_on_time=row["settled_in_time"] - row["settled_early"],
            settled_late=row["settled"] - row["settled_in_time"],
            pending_within_time=row["pending"] - row["pending_overdue"],
            pending_overdue=row["pending_overdue"],
        )
        for row in grouped
    ]
    return sorted(
        (line for line in lines if not line.is_empty),
        key=lambda line: vietnamese_sort_key(line.sector),
    )


def report_total(lines: list[ReportLine]) -> ReportLine:
    return ReportLine(
        sector="", **{name: sum(getattr(line, name) for line in lines) for name in _NUMBERS}
    )


def report_period_check(period: Period, *, today: date) -> Period:
    """A report is for a period that has begun: a future one has nothing to state."""
    if period.start > today:
        raise ValidationFailed(
            _("Kỳ báo cáo bắt đầu ngày %(day)s, sau ngày hôm nay: chưa thể lập báo cáo.")
            % {"day": f"{period.start:%d/%m/%Y}"},
            fields={"from": "future"},
        )
    return period


def statistics_report(*, agency: Agency, period: Period) -> StatisticsReport:
    report_period_check(period, today=timezone.localdate())
    segments = agency_scope([agency]).segments(period.start, period.end)
    lines = report_lines(segments, period)
    return StatisticsReport(agency=agency, period=period, rows=lines, total=report_total(lines))


def report_compute(*, agency: Agency, period: Period) -> dict[str, Any]:
    """`motcua report --json` (§8.1)."""
    return statistics_report(agency=agency, period=period).as_json()
