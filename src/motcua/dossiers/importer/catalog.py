"""The catalog the rows refer to: procedures and agencies by code, and the working calendars
that date a dossier's due moment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from motcua.catalog.models import Procedure
from motcua.core.calendar import working_calendar
from motcua.core.worktime import WorkingCalendar
from motcua.directory.models import Agency


@dataclass(frozen=True)
class _RememberingCalendar(WorkingCalendar):
    """A working calendar that remembers each day's periods: an import asks for the same few
    hundred days hundreds of thousands of times. The rules stay `WorkingCalendar`'s."""

    remembered: dict[date, list[tuple[datetime, datetime]]] = field(
        default_factory=dict, compare=False, hash=False, repr=False
    )

    def periods_on(self, day: date) -> list[tuple[datetime, datetime]]:
        periods = self.remembered.get(day)
        if periods is None:
            periods = self.remembered[day] = super().periods_on(day)
        return periods


class Catalog:
    """Procedures and agencies by code, read once; a calendar per office hours, built once."""

    def __init__(self) -> None:
        self.procedures = {
            p.code: p for p in Procedure.objects.only("id", "code", "time_limit", "online")
        }
        self.agencies = {a.code: a for a in Agency.objects.only("id", "code", "office_hours")}
        self.offers_online: dict[int, bool] = {
            p.pk: p.offers_online for p in self.procedures.values()
        }
        self.durations: dict[int, timedelta | None] = {}
        for p in self.procedures.values():
            duration = p.duration
            self.durations[p.pk] = duration.delta if duration is not None else None
        self._calendars: dict[str, WorkingCalendar] = {}

    def due(self, procedure: Procedure, agency: Agency, received_at: datetime) -> datetime | None:
        """§5: the procedure's time limit on the agency's working calendar from reception."""
        duration = self.durations[procedure.pk]
        if duration is None:
            return None
        calendar = self._calendars.get(agency.office_hours)
        if calendar is None:
            base = working_calendar(agency.office_hours)
            calendar = self._calendars[agency.office_hours] = _RememberingCalendar(
                hours=base.hours,
                extra_days_off=base.extra_days_off,
                extra_working_days=base.extra_working_days,
            )
        return calendar.add(received_at, duration)
