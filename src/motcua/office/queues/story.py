"""One dossier on the processing page: the steps around the current one, who may be assigned
a step, each step's visits and deadlines, and the history with the details its events carry."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.models import WorkflowStep
from motcua.core.worktime import TZ
from motcua.directory.models import Agency, User
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, DossierEvent, State
from motcua.office.queues.deadlines import WorkClock, format_working
from motcua.office.queues.labels import EVENT_LABELS


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
