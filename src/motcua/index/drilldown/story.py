"""A dossier's story, step by step: the counter stage and each workflow step rebuilt from its
immutable events (`forward`/`send_back` enter the step named in the payload; `approve`,
`refuse`, `withdraw` and `cancel` leave the workflow), timed on the agency's working calendar,
with suspensions and supplement waits after reception taken out (§5)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from motcua.catalog.models import Procedure, WorkflowStep
from motcua.core.worktime import WorkingCalendar
from motcua.directory.models import User
from motcua.dossiers.metrics import is_on_time
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.index.drilldown.timing import Calendars, working_text

ENTER_STEP = ("forward", "send_back")
LEAVE_WORKFLOW = ("approve", "refuse", "withdraw", "cancel")


def as_int(value: Any) -> int | None:
    if value is None:  # most events name no step: skip the costly exception
        return None
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(slots=True)
class DossierFacts:
    """What the period pages read of a dossier, loaded as plain values: building thousands
    of (deferred) model instances cost more than walking their events."""

    pk: int
    code: str
    procedure: Procedure
    agency_id: int
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    closed_at: datetime | None
    paused_at: datetime | None
    supplement_count: int


@dataclass
class Segment:
    """A stretch of a dossier's processing: the one-stop counter (`step` None) or a step."""

    dossier: Dossier | DossierFacts
    step: WorkflowStep | None
    started_at: datetime
    ended_at: datetime | None = None
    assignee: User | None = None
    closer: User | None = None
    worked: timedelta = timedelta(0)
    paused: timedelta = timedelta(0)
    budget: timedelta | None = None

    @property
    def holder(self) -> User | None:
        """Who held it: the assignee, else the officer who moved it out of the step."""
        return self.assignee or self.closer

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def is_over(self) -> bool:
        return self.budget is not None and self.worked > self.budget

    @property
    def over(self) -> timedelta:
        return (
            self.worked - self.budget if self.is_over and self.budget is not None else timedelta(0)
        )

    @property
    def name(self) -> str:
        return self.step.name if self.step is not None else _("Tiếp nhận, chuyển xử lý (một cửa)")

    # display helpers for templates
    @property
    def worked_text(self) -> str:
        return working_text(self.worked)

    @property
    def budget_text(self) -> str:
        return working_text(self.budget) if self.budget is not None else "—"

    @property
    def over_text(self) -> str:
        return working_text(self.over)

    @property
    def paused_text(self) -> str:
        return working_text(self.paused)


@dataclass
class Pause:
    """A suspension or supplement wait (clock stopped), or an inter-agency transfer (not)."""

    kind: str  # "suspend" | "supplement" | "transfer"
    started_at: datetime
    started_by: User | None
    note: str
    ended_at: datetime | None = None
    stops_clock: bool = True
    paused: timedelta = timedelta(0)

    @property
    def label(self) -> str:
        return {
            "suspend": _("Tạm dừng xử lý"),
            "supplement": _("Chờ bổ sung hồ sơ"),
            "transfer": _("Liên thông sang cơ quan khác"),
        }[self.kind]

    @property
    def paused_text(self) -> str:
        return working_text(self.paused) if self.stops_clock else _("không dừng đồng hồ")


def _note(payload: dict[str, Any], event: WalkEvent) -> str:
    for key in ("reason", "note"):
        if payload.get(key):
            return str(payload[key])
    if payload.get("missing"):
        missing = payload["missing"]
        return ", ".join(map(str, missing)) if isinstance(missing, list) else str(missing)
    if payload.get("agency"):
        return str(payload["agency"])
    return event.note


class WalkEvent(Protocol):
    """What the walk reads of an event: a `DossierEvent`, or the lighter `StepEvent` the
    period pages load (`officers`)."""

    @property
    def action(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> User | None: ...
    @property
    def payload(self) -> Any: ...
    @property
    def note(self) -> str: ...


class Between(Protocol):
    """A `WorkingCalendar`, or the `WorkingClock` that answers the same in constant time."""

    def between(self, start: datetime, end: datetime) -> timedelta: ...


def dossier_walk(
    dossier: Dossier | DossierFacts,
    events: Sequence[WalkEvent],
    steps: dict[int, WorkflowStep],
    users: dict[int, User],
    calendar: Between,
    now: datetime,
    *,
    received: bool = False,
) -> tuple[list[Segment], list[Pause]]:
    """Rebuild the counter stage and each step from the events, timed in working time.
    `received`: the events start after the reception (a walk of the open step only)."""
    segments: list[Segment] = []
    pauses: list[Pause] = []
    current: Segment | None = None
    pause: Pause | None = None
    transfer: Pause | None = None

    def close(at: datetime, actor: User | None) -> None:
        nonlocal current
        if current is not None:
            current.ended_at, current.closer = at, actor
            segments.append(current)
            current = None

    def resume(at: datetime) -> None:
        nonlocal pause
        if pause is not None:
            pause.ended_at = at
            pauses.append(pause)
            pause = None

    for event in events:
        action, payload = event.action, event.payload or {}
        if action == "receive":
            received = True
            current = Segment(dossier, None, event.at)
        elif action in ENTER_STEP:
            close(event.at, event.actor)
            current = Segment(
                dossier,
                steps.get(as_int(payload.get("step")) or -1),
                event.at,
                assignee=users.get(as_int(payload.get("assignee_id")) or -1),
            )
        elif action in LEAVE_WORKFLOW:
            close(event.at, event.actor)
            resume(event.at)
        elif action == "suspend" or (action == "request_supplement" and received):
            kind = "suspend" if action == "suspend" else "supplement"
            pause = Pause(kind, event.at, event.actor, _note(payload, event))
        elif action in ("resume", "provide_supplement"):
            resume(event.at)
        elif action == "transfer":
            transfer = Pause("transfer", event.at, event.actor, _note(payload, event))
            transfer.stops_clock = False
        elif action == "transfer_back" and transfer is not None:
            transfer.ended_at = event.at
            pauses.append(transfer)
            transfer = None
    if current is not None:
        segments.append(current)
    for still_open in (pause, transfer):
        if still_open is not None:
            pauses.append(still_open)

    stopping = [p for p in pauses if p.stops_clock]
    for p in stopping:
        p.paused = calendar.between(p.started_at, p.ended_at or now)
    duration = dossier.procedure.duration
    for segment in segments:
        end = segment.ended_at or now
        segment.paused = sum(
            (
                calendar.between(max(p.started_at, segment.started_at), min(p.ended_at or now, end))
                for p in stopping
            ),
            timedelta(0),
        )
        segment.worked = calendar.between(segment.started_at, end) - segment.paused
        if segment.step is not None and duration is not None:
            segment.budget = duration.share(segment.step.share_percent)
    pauses.sort(key=lambda p: p.started_at)
    return segments, pauses


def with_history(queryset: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """Everything `dossier_walk` needs, in a fixed number of queries."""
    return queryset.select_related("procedure", "agency", "assignee").prefetch_related(
        Prefetch("events", queryset=DossierEvent.objects.select_related("actor").order_by("seq")),
        Prefetch(
            "procedure__steps",
            queryset=WorkflowStep.objects.select_related("agency"),
            to_attr="steps_list",
        ),
    )


def _assignees(dossiers: Iterable[Dossier]) -> dict[int, User]:
    ids = {
        as_int((event.payload or {}).get("assignee_id"))
        for dossier in dossiers
        for event in dossier.events.all()
        if event.action in ENTER_STEP
    }
    ids.discard(None)
    return {user.pk: user for user in User.objects.filter(pk__in=ids)} if ids else {}


def segments_of(
    dossiers: list[Dossier], calendars: Calendars, now: datetime
) -> dict[int, tuple[list[Segment], list[Pause]]]:
    users = _assignees(dossiers)
    result = {}
    for dossier in dossiers:
        steps = {s.position: s for s in dossier.procedure.steps_list}  # type: ignore[attr-defined]
        result[dossier.pk] = dossier_walk(
            dossier,
            list(dossier.events.all()),
            steps,
            users,
            calendars.for_agency(dossier.agency),
            now,
        )
    return result


def dossier_lateness(dossier: Dossier, calendar: WorkingCalendar, now: datetime) -> timedelta:
    """Working time past the due moment: at finishing, or until now while still open."""
    if dossier.due_at is None:
        return timedelta(0)
    end = dossier.finished_at or dossier.paused_at or dossier.closed_at or now
    return calendar.between(dossier.due_at, end) if end > dossier.due_at else timedelta(0)


def dossier_is_late(dossier: Dossier | DossierFacts, now: datetime) -> bool:
    if dossier.finished_at is not None:
        return not is_on_time(dossier)
    return (
        dossier.closed_at is None
        and dossier.due_at is not None
        and dossier.due_at < (dossier.paused_at or now)
    )


@dataclass
class Story:
    dossier: Dossier
    segments: list[Segment]
    pauses: list[Pause]
    late: timedelta
    is_late: bool
    paused_total: timedelta

    @property
    def late_text(self) -> str:
        return working_text(self.late)

    @property
    def paused_total_text(self) -> str:
        return working_text(self.paused_total)


def dossier_story(dossier: Dossier, *, now: datetime) -> Story:
    """The dossier (already fetched through `dossier_get_for_actor`) told step by step."""
    loaded = with_history(Dossier.objects.filter(pk=dossier.pk)).get()
    calendars = Calendars()
    segments, pauses = segments_of([loaded], calendars, now)[loaded.pk]
    calendar = calendars.for_agency(loaded.agency)
    return Story(
        dossier=loaded,
        segments=segments,
        pauses=pauses,
        late=dossier_lateness(loaded, calendar, now),
        is_late=dossier_is_late(loaded, now),
        paused_total=sum((p.paused for p in pauses if p.stops_clock), timedelta(0)),
    )
