"""Reads for the processing pages: the personal work queue, the time left on a dossier, its
step deadlines and history, and an agency's day. No writes here; every query is bounded (a
fixed number per page, whatever the number of dossiers).

Personal data (applicant names, ID numbers) is never listed here: the queue and the agency's
day show codes, procedures, steps and deadlines; the applicant is shown only on the dossier
page, which is read through `dossier_get_for_actor` and so audited (§10).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.catalog.models import Procedure, WorkflowStep
from motcua.core.calendar import working_calendar
from motcua.core.text import fold
from motcua.core.worktime import HOURS_PER_DAY, TZ, OfficeHours, WorkingCalendar
from motcua.directory.models import Agency, Role, User
from motcua.directory.selectors import user_readable_agency_ids, user_roles
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import OPEN_AFTER_RECEPTION, Dossier, DossierEvent, State

# Roles a workflow step can require (catalog.WorkflowStep.role).
STEP_ROLES = (Role.SPECIALIST, Role.APPROVER, Role.RECEPTION)
PROCESSING_ROLES = (Role.SPECIALIST, Role.APPROVER)
QUEUE_STATES = (State.IN_PROGRESS, State.SUSPENDED, State.TRANSFERRED)
# States whose clock runs (a transfer does not stop the clock; a suspension does).
RUNNING_STATES = (State.IN_PROGRESS, State.TRANSFERRED)
DUE_SOON = timedelta(hours=HOURS_PER_DAY)
_TICK = timedelta(microseconds=1)


class DeadlineStatus:
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TRACK = "on_track"
    PAUSED = "paused"

    LABELS = {
        OVERDUE: gettext_lazy("Quá hạn"),
        DUE_SOON: gettext_lazy("Đến hạn trong 1 ngày làm việc"),
        ON_TRACK: gettext_lazy("Trong hạn"),
        PAUSED: gettext_lazy("Tạm dừng"),
    }


# The queue's status filter: the three deadline states of running dossiers, and two states.
QUEUE_FILTERS: dict[str, Any] = {
    DeadlineStatus.OVERDUE: gettext_lazy("Quá hạn"),
    DeadlineStatus.DUE_SOON: gettext_lazy("Đến hạn trong 1 ngày làm việc"),
    DeadlineStatus.ON_TRACK: gettext_lazy("Trong hạn"),
    State.SUSPENDED.value: gettext_lazy("Đang tạm dừng"),
    State.TRANSFERRED.value: gettext_lazy("Đang liên thông"),
}


# --- working time ---------------------------------------------------------------------------


class WorkClock(Protocol):
    """What the pages need of a working calendar."""

    def add(self, start: datetime, duration: timedelta) -> datetime: ...

    def between(self, start: datetime, end: datetime) -> timedelta: ...


class FastCalendar:
    """A working calendar whose `between` stays cheap over long spans.

    `WorkingCalendar.between` walks every day's periods; a dossier overdue by months costs
    milliseconds, and a page of fifty of them a large part of a second. Here the first and
    the last day are counted by the calendar itself and the whole days between them as
    working days × the length of a working day, from a prefix count built once per request.
    The result is identical (`tests/office/test_processing.py` checks it with hypothesis).
    """

    def __init__(self, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self.day_length = sum(
            (
                datetime.combine(date.min, end) - datetime.combine(date.min, start)
                for start, end in calendar.hours.periods
            ),
            timedelta(0),
        )
        self._first: date | None = None
        self._prefix: list[int] = [0]  # working days in [_first, _first + i)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return self.calendar.add(start, duration)

    def _count(self, since: date, until: date) -> int:
        """Working days in [since, until)."""
        if until <= since:
            return 0
        if self._first is None or since < self._first:
            # Start a year earlier than asked, so that the rows of a page rarely restart it.
            self._first, self._prefix = since - timedelta(days=366), [0]
        needed = (until - self._first).days
        while len(self._prefix) <= needed:
            day = self._first + timedelta(days=len(self._prefix) - 1)
            self._prefix.append(self._prefix[-1] + self.calendar.is_working_day(day))
        return self._prefix[needed] - self._prefix[(since - self._first).days]

    def between(self, start: datetime, end: datetime) -> timedelta:
        start, end = start.astimezone(TZ), end.astimezone(TZ)
        if (end.date() - start.date()).days < 3:
            return self.calendar.between(start, end)
        after_first = datetime.combine(start.date() + timedelta(days=1), time(0), tzinfo=TZ)
        last_midnight = datetime.combine(end.date(), time(0), tzinfo=TZ)
        whole = self._count(after_first.date(), end.date())
        return (
            self.calendar.between(start, after_first)
            + whole * self.day_length
            + self.calendar.between(last_midnight, end)
        )


class Calendars:
    """Working calendars per set of office hours; the database overrides are read once."""

    def __init__(self) -> None:
        self._base: WorkingCalendar | None = None
        self._by_hours: dict[str, FastCalendar] = {}

    def for_hours(self, office_hours: str) -> FastCalendar:
        key = office_hours or ""
        if key not in self._by_hours:
            if self._base is None:
                self._base = working_calendar()
            self._by_hours[key] = FastCalendar(
                dataclasses.replace(self._base, hours=OfficeHours.parse(key)) if key else self._base
            )
        return self._by_hours[key]

    def for_agency(self, agency: Agency) -> FastCalendar:
        return self.for_hours(agency.office_hours)


def format_working(delta: timedelta) -> str:
    """A working duration as an officer reads it: `1 ngày 5 giờ`, `4 giờ 30 phút`, `15 phút`
    (a working day is 8 working hours)."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, HOURS_PER_DAY * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d ngày") % {"n": days})
    if hours:
        parts.append(_("%(n)d giờ") % {"n": hours})
    if mins:
        parts.append(_("%(n)d phút") % {"n": mins})
    return " ".join(parts) or _("0 phút")


@dataclass(frozen=True)
class TimeLeft:
    """Working time from `at` to the due moment; negative when overdue."""

    delta: timedelta
    status: str
    due: datetime

    @property
    def overdue(self) -> bool:
        return self.delta < timedelta(0)

    @property
    def text(self) -> str:
        if self.overdue:
            return _("quá hạn %(time)s làm việc") % {"time": format_working(self.delta)}
        return _("còn %(time)s làm việc") % {"time": format_working(self.delta)}

    @property
    def label(self) -> str:
        return str(DeadlineStatus.LABELS[self.status])


def time_left(calendar: WorkClock, at: datetime, due: datetime) -> TimeLeft:
    """Overdue once `at` is past `due` (by the working time between them); due soon when at
    most one working day (8 working hours) is left; else on track."""
    if due < at:
        return TimeLeft(-calendar.between(due, at), DeadlineStatus.OVERDUE, due)
    left = calendar.between(at, due)
    status = DeadlineStatus.DUE_SOON if left <= DUE_SOON else DeadlineStatus.ON_TRACK
    return TimeLeft(left, status, due)


def effective_due(dossier: Dossier) -> datetime | None:
    """The nearer of the step's and the dossier's due moments: the one the officer can miss."""
    dues = [d for d in (dossier.step_due_at, dossier.due_at) if d is not None]
    return min(dues) if dues else None


def dossier_time_left(dossier: Dossier, calendar: WorkClock, now: datetime) -> TimeLeft | None:
    """The time left on a dossier: frozen at `paused_at` while suspended or awaiting a
    supplement (§5), counted to `now` otherwise. None when it has no due moment or is done."""
    due = effective_due(dossier)
    if due is None or dossier.finished_at is not None or dossier.closed_at is not None:
        return None
    if dossier.paused_at is not None:
        frozen = time_left(calendar, dossier.paused_at, due)
        return TimeLeft(frozen.delta, DeadlineStatus.PAUSED, due)
    return time_left(calendar, now, due)


# --- the personal work queue ----------------------------------------------------------------


def queue_scope(user: User) -> QuerySet[Dossier]:
    """Every dossier in the user's queue: in progress, suspended or transferred at a step
    they hold (and assigned to them or to nobody), and dossiers transferred to an agency
    where they process (liên thông: their agency's part).

    A step without an agency is done by the dossier's agency. The condition is an OR of
    three parts that each use an index (the dossier's agency and state; its current step;
    its transfer agency), so the cost follows the user's agencies, not the whole table."""
    roles = user_roles(user)
    agencies_by_role: dict[str, set[int]] = defaultdict(set)
    for agency_id, role in roles:
        if role in STEP_ROLES:
            agencies_by_role[role].add(agency_id)
    # Assigned to nobody or to the user, written so that no index on the assignee tempts the
    # planner away from the agency, state and step indexes.
    mine = Q(Exact(Coalesce("assignee_id", Value(user.pk)), user.pk))
    parts: list[Q] = []
    named: Q | None = None
    for role, agencies in sorted(agencies_by_role.items()):
        own_agency_steps = WorkflowStep.objects.filter(role=role, agency__isnull=True)
        parts.append(
            Q(
                agency_id__in=sorted(agencies),
                state__in=QUEUE_STATES,
                current_step_id__in=own_agency_steps.values("id"),
            )
            & mine
        )
        one = Q(role=role, agency_id__in=sorted(agencies))
        named = one if named is None else named | one
    if named is not None:
        steps_of_named_agencies = WorkflowStep.objects.filter(named).values("id")
        parts.append(Q(current_step_id__in=steps_of_named_agencies, state__in=QUEUE_STATES) & mine)
    processing = sorted({agency for agency, role in roles if role in PROCESSING_ROLES})
    if processing:
        parts.append(Q(state=State.TRANSFERRED, transfer_agency_id__in=processing))
    if not parts:
        return Dossier.objects.none()
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return Dossier.objects.filter(condition)


def queue_agencies(user: User) -> list[Agency]:
    """The agencies the user processes for (the queue's agency filter)."""
    ids = {agency for agency, role in user_roles(user) if role in STEP_ROLES}
    return list(Agency.objects.filter(pk__in=ids).order_by("code").only("id", "code", "name"))


def queue_procedures(agencies: list[Agency]) -> list[Procedure]:
    return list(
        Procedure.objects.filter(agencies__in=agencies)
        .distinct()
        .order_by("name_folded")
        .only("id", "code", "name")
    )


@dataclass(frozen=True)
class Thresholds:
    """The moments that split running dossiers into overdue / due soon / on track, per set
    of office hours (each dossier is judged on its own agency's calendar)."""

    now: datetime
    soon_before: dict[str, datetime]

    @classmethod
    def at(cls, now: datetime, calendars: Calendars) -> Thresholds:
        hours = set(Agency.objects.values_list("office_hours", flat=True).distinct())
        return cls(
            now=now,
            soon_before={h: calendars.for_hours(h).add(now, DUE_SOON + _TICK) for h in hours},
        )

    def overdue(self) -> Q:
        return Q(step_due_at__lt=self.now) | Q(due_at__lt=self.now)

    def due_by_soon(self) -> Q:
        condition: Q | None = None
        for hours, moment in sorted(self.soon_before.items()):
            part = Q(step_due_at__lt=moment) | Q(due_at__lt=moment)
            if len(self.soon_before) > 1:
                part &= Q(agency__office_hours=hours)
            condition = part if condition is None else condition | part
        return condition if condition is not None else Q(pk__in=[])

    def status(self, key: str) -> Q:
        running = Q(state__in=RUNNING_STATES)
        if key == DeadlineStatus.OVERDUE:
            return running & self.overdue()
        if key == DeadlineStatus.DUE_SOON:
            return running & ~self.overdue() & self.due_by_soon()
        if key == DeadlineStatus.ON_TRACK:
            return running & ~self.overdue() & ~self.due_by_soon()
        return Q(state=key)


@dataclass(frozen=True)
class QueueFilter:
    status: str = ""
    procedure: Procedure | None = None
    agency: Agency | None = None
    q: str = ""


def queue_search(q: str) -> Q | None:
    """By dossier code (or part of it) or by procedure name, with or without diacritics."""
    text = "".join(ch if ch.isprintable() else " " for ch in q).strip()
    if not text:
        return None
    # Procedures as a subquery, not a join: the queue's counts stay on the dossier table.
    by_name = Q(code=text)
    words = fold(text).split()
    if words:
        all_words = Q()
        for word in words:
            all_words &= Q(name_folded__contains=word)
        by_name |= all_words
    procedures = Procedure.objects.filter(by_name).values("id")
    return Q(code__icontains=text) | Q(reference__iexact=text) | Q(procedure_id__in=procedures)


def queue_filter(flt: QueueFilter, thresholds: Thresholds) -> Q | None:
    """The filters as one condition on the queue (None: no filter)."""
    parts: list[Q] = []
    if flt.status:
        parts.append(thresholds.status(flt.status))
    if flt.procedure is not None:
        parts.append(Q(procedure=flt.procedure))
    if flt.agency is not None:
        steps_there = WorkflowStep.objects.filter(agency=flt.agency).values("id")
        parts.append(
            Q(agency=flt.agency)
            | Q(current_step_id__in=steps_there)
            | Q(transfer_agency=flt.agency)
        )
    search = queue_search(flt.q)
    if search is not None:
        parts.append(search)
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition &= part
    return condition


def queue_ids(user: User, condition: Q | None) -> QuerySet[Dossier, int]:
    """The ids of the user's queue after the filters, nearest due moment first (the step's,
    then the dossier's). Ids only: without joins the planner keeps to the indexes of
    `queue_scope`; the rows of one page are fetched by `queue_fetch`."""
    queryset = queue_scope(user)
    if condition is not None:
        queryset = queryset.filter(condition)
    return queryset.order_by(
        F("step_due_at").asc(nulls_last=True), F("due_at").asc(nulls_last=True), "id"
    ).values_list("pk", flat=True)


def queue_fetch(ids: list[int]) -> list[Dossier]:
    """The dossiers of one page, in the order of `ids`, with what a row shows (one query)."""
    found = Dossier.objects.filter(pk__in=ids).select_related(
        "procedure", "agency", "current_step", "current_step__agency", "transfer_agency", "assignee"
    )
    by_id = {d.pk: d for d in found}
    return [by_id[pk] for pk in ids if pk in by_id]


def queue_counts(user: User, thresholds: Thresholds, condition: Q | None) -> dict[str, int]:
    """How many dossiers of the whole queue are in each status, and how many match the
    filters (`matching`) — one query."""
    return queue_scope(user).aggregate(
        **{key: Count("pk", filter=thresholds.status(key)) for key in QUEUE_FILTERS},
        total=Count("pk"),
        matching=Count("pk", filter=condition) if condition is not None else Count("pk"),
    )


class CountedPaginator(Paginator):
    """A paginator told its count (already computed with the status counts)."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count


@dataclass
class QueueRow:
    dossier: Dossier
    left: TimeLeft | None
    status: str
    status_label: str
    step_agency: Agency | None


def queue_rows(dossiers: list[Dossier], now: datetime, calendars: Calendars) -> list[QueueRow]:
    rows = []
    for dossier in dossiers:
        left = dossier_time_left(dossier, calendars.for_agency(dossier.agency), now)
        status = left.status if left else DeadlineStatus.ON_TRACK
        step = dossier.current_step
        rows.append(
            QueueRow(
                dossier=dossier,
                left=left,
                status=status,
                status_label=str(DeadlineStatus.LABELS[status]),
                step_agency=(step.agency if step is not None and step.agency_id else None),
            )
        )
    return rows


# --- one dossier: the steps, their deadlines, the history ---------------------------------


def next_step(dossier: Dossier, steps: list[WorkflowStep]) -> WorkflowStep | None:
    current = dossier.current_step
    if current is None:
        return steps[0] if steps and dossier.state == State.RECEIVED else None
    later = [s for s in steps if s.position > current.position]
    return later[0] if later else None


def previous_step(dossier: Dossier, steps: list[WorkflowStep]) -> WorkflowStep | None:
    current = dossier.current_step
    earlier = [s for s in steps if current is not None and s.position < current.position]
    return earlier[-1] if earlier else None


def step_candidates(dossier: Dossier, step: WorkflowStep | None) -> list[User]:
    """Who may be assigned a step: the users holding its role in its agency."""
    if step is None:
        return []
    agency_id = step.agency_id or dossier.agency_id
    return list(
        User.objects.filter(staff_roles__role=step.role, staff_roles__agency_id=agency_id)
        .distinct()
        .order_by("full_name", "username")
    )


@dataclass
class StepVisit:
    entered_at: datetime
    due_at: datetime | None
    left_at: datetime | None
    current: bool = False

    @property
    def late(self) -> bool:
        if self.due_at is None:
            return False
        end = self.left_at or timezone.now()
        return end > self.due_at


@dataclass
class StepLine:
    step: WorkflowStep
    agency: Agency
    allotted: str
    visits: list[StepVisit] = field(default_factory=list)
    current: bool = False


_LEAVES_WORKFLOW = {Action.APPROVE, Action.REFUSE, Action.WITHDRAW, Action.CANCEL}


def step_lines(
    dossier: Dossier,
    steps: list[WorkflowStep],
    events: list[DossierEvent],
    calendar: WorkClock,
) -> list[StepLine]:
    """Each workflow step with its share of the time limit and every time the dossier was at
    it: entered, due (moved by the working time paused meanwhile), left."""
    duration = dossier.procedure.duration
    by_position = {
        s.position: StepLine(
            step=s,
            agency=s.agency or dossier.agency,
            allotted=format_working(duration.share(s.share_percent)) if duration else "—",
        )
        for s in steps
    }
    open_visit: StepVisit | None = None
    for event in events:
        payload = event.payload or {}
        if event.action in (Action.FORWARD, Action.SEND_BACK) and "step" in payload:
            if open_visit is not None:
                open_visit.left_at = event.at
            line = by_position.get(payload["step"])
            if line is None:
                open_visit = None
                continue
            due = (
                calendar.add(event.at, duration.share(line.step.share_percent))
                if duration
                else None
            )
            open_visit = StepVisit(entered_at=event.at, due_at=due, left_at=None)
            line.visits.append(open_visit)
        elif event.action in _LEAVES_WORKFLOW and open_visit is not None:
            open_visit.left_at = event.at
            open_visit = None
        elif "paused_working_minutes" in payload and open_visit and open_visit.due_at:
            paused = timedelta(minutes=payload["paused_working_minutes"])
            if paused > timedelta(0):
                open_visit.due_at = calendar.add(open_visit.due_at, paused)
    current = dossier.current_step
    if current is not None and current.position in by_position:
        line = by_position[current.position]
        line.current = True
        if line.visits and line.visits[-1].left_at is None:
            line.visits[-1].current = True
            line.visits[-1].due_at = dossier.step_due_at
    return [by_position[s.position] for s in steps]


# The event a processing officer records to ask the counter to request a supplement: only the
# counter talks to the applicant.
ASK_SUPPLEMENT = "ask_supplement"

EVENT_LABELS: dict[str, Any] = {
    **{a.value: a.label for a in Action},
    "create": gettext_lazy("Tạo hồ sơ"),
    ASK_SUPPLEMENT: gettext_lazy("Đề nghị bộ phận một cửa yêu cầu bổ sung"),
    "apology": gettext_lazy("Gửi phiếu xin lỗi và hẹn lại ngày trả"),
    "result_attached": gettext_lazy("Đính kèm kết quả giải quyết"),
    "result_signed": gettext_lazy("Ký số kết quả"),
    "attach": gettext_lazy("Đính kèm tài liệu"),
    "digitize": gettext_lazy("Số hóa hồ sơ"),
    "reuse": gettext_lazy("Sử dụng lại dữ liệu đã số hóa"),
    "form_save": gettext_lazy("Người nộp cập nhật tờ khai điện tử"),
    "registry_lookup": gettext_lazy("Khai thác thông tin từ CSDL quốc gia về dân cư"),
    "pay": gettext_lazy("Nộp phí, lệ phí"),
    "rate": gettext_lazy("Người nộp đánh giá mức độ hài lòng"),
}


@dataclass
class EventLine:
    event: DossierEvent
    label: str
    details: list[str]


def event_lines(events: list[DossierEvent], steps: list[WorkflowStep]) -> list[EventLine]:
    """The history as officers read it: what happened, by whom, and the reasons, names and
    steps the payload refers to (two queries at most, whatever the number of events)."""
    step_names = {s.position: s.name for s in steps}
    user_ids = {e.payload.get("assignee_id") for e in events if isinstance(e.payload, dict)}
    codes = {
        e.payload.get("agency") or e.payload.get("from_agency")
        for e in events
        if isinstance(e.payload, dict)
    }
    users = {
        u.pk: str(u) for u in User.objects.filter(pk__in={i for i in user_ids if i is not None})
    }
    agencies = {a.code: a.name for a in Agency.objects.filter(code__in={c for c in codes if c})}
    lines = []
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        details = []
        if "step" in payload and payload["step"] in step_names:
            details.append(_("Bước: %(name)s") % {"name": step_names[payload["step"]]})
        if payload.get("assignee_id") in users:
            details.append(_("Giao cho: %(name)s") % {"name": users[payload["assignee_id"]]})
        if event.action == Action.TRANSFER and payload.get("agency"):
            code = payload["agency"]
            details.append(_("Cơ quan nhận: %(name)s") % {"name": agencies.get(code, code)})
        if event.action == Action.TRANSFER_BACK and payload.get("from_agency"):
            code = payload["from_agency"]
            details.append(_("Nhận lại từ: %(name)s") % {"name": agencies.get(code, code)})
        reason = payload.get("reason") or payload.get("reasons")
        if reason and reason != event.note:
            details.append(_("Lý do: %(reason)s") % {"reason": reason})
        if payload.get("new_appointment"):
            moment = datetime.fromisoformat(payload["new_appointment"]).astimezone(TZ)
            details.append(_("Hẹn lại: %(when)s") % {"when": f"{moment:%d/%m/%Y %H:%M}"})
        if payload.get("paused_working_minutes"):
            details.append(
                _("Thời gian tạm dừng: %(time)s làm việc")
                % {"time": format_working(timedelta(minutes=payload["paused_working_minutes"]))}
            )
        lines.append(
            EventLine(
                event=event,
                label=str(EVENT_LABELS.get(event.action, event.action)),
                details=details,
            )
        )
    return lines


# --- an agency's day ------------------------------------------------------------------------

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
