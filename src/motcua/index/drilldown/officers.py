"""Responsibility per officer: the workflow steps that ran in a period, and each officer's
share of the delays."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet

from motcua.directory.models import User
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.index.drilldown.story import Segment, dossier_is_late, segments_of, with_history
from motcua.index.drilldown.timing import Calendars, working_text
from motcua.index.engine import Period


@dataclass
class OfficerLine:
    officer: User | None  # None: steps still open and not assigned to anyone
    steps: list[Segment] = field(default_factory=list)
    delayed: dict[int, Dossier] = field(default_factory=dict)

    @property
    def step_count(self) -> int:
        return len(self.steps)

    @property
    def over_count(self) -> int:
        return sum(1 for s in self.steps if s.is_over)

    @property
    def over_total(self) -> timedelta:
        return sum((s.over for s in self.steps), timedelta(0))

    @property
    def over_total_text(self) -> str:
        return working_text(self.over_total)

    @property
    def over_minutes(self) -> int:
        return int(self.over_total.total_seconds() // 60)

    @property
    def delayed_dossiers(self) -> list[Dossier]:
        return sorted(self.delayed.values(), key=lambda d: (d.due_at or d.received_at, d.pk))


def _candidates(agency_ids: set[int], period: Period) -> QuerySet[Dossier]:
    """Dossiers that may have had a step during the period (the walk decides exactly)."""
    start, end = period.start_moment, period.end_moment
    return Dossier.objects.filter(
        agency_id__in=agency_ids, received_at__isnull=False, received_at__lt=end
    ).filter(
        Q(finished_at__isnull=True, closed_at__isnull=True)
        | Q(finished_at__gte=start)
        | Q(closed_at__gte=start)
    )


def steps_in_period(
    agency_ids: set[int], period: Period, *, now: datetime, officer: User | None = None
) -> list[Segment]:
    """Workflow steps (not the counter stage) that ran during the period."""
    candidates = _candidates(agency_ids, period)
    if officer is not None:
        candidates = candidates.filter(
            Q(assignee=officer)
            | Exists(DossierEvent.objects.filter(dossier_id=OuterRef("pk"), actor=officer))
            | Exists(
                DossierEvent.objects.filter(
                    dossier_id=OuterRef("pk"), payload__assignee_id=officer.pk
                )
            )
        )
    dossiers = list(with_history(candidates.order_by("received_at", "id")))
    start, end = period.start_moment, period.end_moment
    found = []
    for segments, _pauses in segments_of(dossiers, Calendars(), now).values():
        for segment in segments:
            if segment.step is None or segment.started_at >= end:
                continue
            if segment.ended_at is not None and segment.ended_at < start:
                continue
            if officer is not None and segment.holder != officer:
                continue
            found.append(segment)
    return found


def officer_lines(segments: list[Segment], *, now: datetime) -> list[OfficerLine]:
    """Officers ranked by steps over budget, then by working time over budget."""
    lines: dict[int | None, OfficerLine] = {}
    for segment in segments:
        holder = segment.holder
        line = lines.setdefault(holder.pk if holder else None, OfficerLine(holder))
        line.steps.append(segment)
        if segment.is_over and dossier_is_late(segment.dossier, now):
            line.delayed[segment.dossier.pk] = segment.dossier
    return sorted(
        lines.values(),
        key=lambda line: (
            line.officer is None,
            -line.over_count,
            -line.over_total,
            str(line.officer or ""),
        ),
    )
