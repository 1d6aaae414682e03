"""Read queries behind the leaders' drill-down pages: why an indicator lost points, the story
of a dossier step by step, each officer's share of the delays, and the early warnings.

Everything here reads; nothing writes. A dossier's steps are rebuilt from its immutable events
(`forward`/`send_back` enter the step named in the payload; `approve`, `refuse`, `withdraw`
and `cancel` leave the workflow), timed on the agency's working calendar, with suspensions and
supplement waits after reception taken out (§5).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from motcua.catalog.models import Procedure, Publication, RequiredDocument, WorkflowStep
from motcua.core.calendar import working_calendar
from motcua.core.errors import ValidationFailed
from motcua.core.worktime import HOURS_PER_DAY, WorkingCalendar
from motcua.directory.models import Agency, User
from motcua.dossiers.models import Channel, Dossier, DossierEvent
from motcua.index.engine import (
    PUBLICATION_DEADLINE_WORKING_DAYS,
    Period,
    catalog_metrics,
    dossier_metrics,
    evaluate,
    period_from,
    procedures_of,
)
from motcua.index.metrics import ONLINE_LEVELS, SATISFIED, is_on_time

WARNING_HORIZON = timedelta(hours=HOURS_PER_DAY)  # the next working day
WARNINGS_LIMIT = 1000


# --- small helpers -----------------------------------------------------------------------


def working_text(delta: timedelta | None) -> str:
    """Working time as a leader reads it: '1 ngày 2 giờ 30 phút' (a day is 8 working hours)."""
    if delta is None:
        return "—"
    minutes = int(delta.total_seconds() // 60)
    if minutes <= 0:
        return _("0 phút")
    days, rest = divmod(minutes, HOURS_PER_DAY * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d ngày") % {"n": days})
    if hours:
        parts.append(_("%(n)d giờ") % {"n": hours})
    if mins:
        parts.append(_("%(n)d phút") % {"n": mins})
    return " ".join(parts)


_DMY = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")


def _iso(value: str | None) -> str | None:
    """Accept the form's dd/mm/yyyy as well as the links' yyyy-mm-dd."""
    match = _DMY.match(value or "")
    if match:
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return value or None


def period_parse(start: str | None, end: str | None, *, today: date) -> Period:
    """`period_from` (with dd/mm/yyyy too) plus bounds that keep the moments computable."""
    period = period_from(_iso(start), _iso(end), today=today)
    if period.start.year < 2000 or period.end.year > 2100:
        raise ValidationFailed(
            _("Kỳ báo cáo phải nằm trong các năm 2000–2100."), fields={"from": "out_of_range"}
        )
    return period


class Calendars:
    """One working calendar per set of office hours, built once per request."""

    def __init__(self) -> None:
        self._cache: dict[str, WorkingCalendar] = {}

    def for_agency(self, agency: Agency) -> WorkingCalendar:
        key = agency.office_hours or ""
        if key not in self._cache:
            self._cache[key] = working_calendar(key)
        return self._cache[key]


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- 1. why an indicator lost points ------------------------------------------------------


@dataclass(frozen=True)
class DossierMetric:
    """A dossier counter (`index.metrics`) as a filter: the moment that dates it and the
    condition a dossier meets to be counted."""

    moment: str
    condition: Q


_ON_TIME = Q(supplement_count__lte=1) & (Q(due_at__isnull=True) | Q(finished_at__lte=F("due_at")))
DOSSIER_METRICS: dict[str, DossierMetric] = {
    "received": DossierMetric("received_at", Q()),
    "received_online": DossierMetric("received_at", Q(channel=Channel.ONLINE)),
    "received_online_offer": DossierMetric("received_at", Q(procedure__online__in=ONLINE_LEVELS)),
    "received_online_offer_online": DossierMetric(
        "received_at", Q(procedure__online__in=ONLINE_LEVELS, channel=Channel.ONLINE)
    ),
    "synced": DossierMetric("received_at", Q(synced=True)),
    "digitized": DossierMetric("received_at", Q(digitized=True)),
    "reused": DossierMetric("received_at", Q(reused_data=True)),
    "registry_used": DossierMetric("received_at", Q(registry_used=True)),
    "with_fee": DossierMetric("received_at", Q(fee_amount__gt=0)),
    "with_fee_paid_online": DossierMetric("received_at", Q(fee_amount__gt=0, paid_online=True)),
    "finished": DossierMetric("finished_at", Q()),
    "finished_on_time": DossierMetric("finished_at", _ON_TIME),
    "e_result": DossierMetric("finished_at", Q(e_result=True)),
    "e_result_to_store": DossierMetric("finished_at", Q(e_result=True, result_to_store=True)),
    "rated": DossierMetric("rated_at", ~Q(rating="")),
    "rated_satisfied": DossierMetric("rated_at", Q(rating__in=SATISFIED)),
}
CATALOG_NUMERATORS = {"procedures_complete", "procedures_online", "procedures_registry"}
PUBLICATION_KINDS = {
    "publications_new": Publication.Kind.NEW,
    "publications_amended": Publication.Kind.AMENDED,
}
CATALOG_METRICS = {
    "procedures",
    *CATALOG_NUMERATORS,
    *PUBLICATION_KINDS,
    *(f"{kind}_on_time" for kind in PUBLICATION_KINDS),
}
# What a dossier outside the numerator lacks, said once for the whole list.
MISSING_TEXT = {
    "received_online": N_("Không nộp trực tuyến"),
    "received_online_offer_online": N_(
        "Thủ tục có dịch vụ trực tuyến nhưng hồ sơ không nộp trực tuyến"
    ),
    "synced": N_("Chưa đồng bộ lên Cổng Dịch vụ công quốc gia"),
    "digitized": N_("Chưa số hóa hồ sơ"),
    "reused": N_("Không tái sử dụng dữ liệu đã số hóa"),
    "registry_used": N_("Không khai thác dữ liệu từ CSDL quốc gia về dân cư"),
    "with_fee_paid_online": N_("Phí, lệ phí không thanh toán trực tuyến"),
    "e_result": N_("Không có kết quả điện tử"),
    "e_result_to_store": N_("Kết quả điện tử chưa đưa vào kho dữ liệu của người nộp"),
    "rated_satisfied": N_("Người nộp đánh giá không hài lòng"),
}


def _metric_q(metric: DossierMetric, period: Period) -> Q:
    return (
        Q(
            **{
                f"{metric.moment}__gte": period.start_moment,
                f"{metric.moment}__lt": period.end_moment,
            }
        )
        & metric.condition
    )


@dataclass
class IndicatorView:
    key: str
    name: str
    group_name: str
    result: dict[str, Any]  # numerator, denominator, score, max, applicable (engine.evaluate)
    kind: str  # "dossiers" | "procedures" | "publications" | "unsupported"
    numerator_metric: str
    denominator_metric: str
    moment: str = ""  # the dossier field that dates the list
    missing_text: str = ""

    @property
    def lost_points(self) -> float:
        return float(self.result["max"]) - float(self.result["score"])

    @property
    def moment_label(self) -> str:
        return {
            "received_at": _("Tiếp nhận"),
            "finished_at": _("Có kết quả"),
            "rated_at": _("Đánh giá lúc"),
        }.get(self.moment, "")

    @property
    def is_on_time(self) -> bool:
        return self.numerator_metric == "finished_on_time"


def indicator_find(spec: dict[str, Any], key: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    for group in spec["groups"]:
        for item in group["indicators"]:
            if item["key"] == key:
                return group, item
    return None


def indicator_view(
    *, spec: dict[str, Any], key: str, agency_ids: set[int], period: Period
) -> IndicatorView | None:
    """The indicator as the definition in force names it, with its score over the subtree."""
    found = indicator_find(spec, key)
    if found is None:
        return None
    group, item = found
    numerator, denominator = item["numerator"], item["denominator"]
    metrics: dict[str, int] = dossier_metrics(agency_ids, period)
    if {numerator, denominator} & CATALOG_METRICS:
        metrics = {**metrics, **catalog_metrics(agency_ids, period)}
    scored = evaluate(
        {"bands": spec["bands"], "groups": [{**group, "indicators": [item]}]}, metrics
    )
    if numerator in DOSSIER_METRICS and denominator in DOSSIER_METRICS:
        kind = "dossiers"
    elif denominator == "procedures" and numerator in CATALOG_NUMERATORS:
        kind = "procedures"
    elif denominator in PUBLICATION_KINDS and numerator == f"{denominator}_on_time":
        kind = "publications"
    else:
        kind = "unsupported"
    return IndicatorView(
        key=key,
        name=item.get("name", key),
        group_name=group.get("name", group["key"]),
        result=scored["groups"][0]["indicators"][0],
        kind=kind,
        numerator_metric=numerator,
        denominator_metric=denominator,
        moment=DOSSIER_METRICS[denominator].moment if kind == "dossiers" else "",
        missing_text=_(MISSING_TEXT[numerator]) if numerator in MISSING_TEXT else "",
    )


def lost_dossiers(view: IndicatorView, agency_ids: set[int], period: Period) -> QuerySet[Dossier]:
    """Dossiers in the denominator and not in the numerator, newest first."""
    den = DOSSIER_METRICS[view.denominator_metric]
    num = DOSSIER_METRICS[view.numerator_metric]
    return (
        Dossier.objects.filter(agency_id__in=agency_ids)
        .filter(_metric_q(den, period))
        .exclude(_metric_q(num, period))
        .select_related("procedure", "agency")
        .order_by(F(den.moment).desc(nulls_last=True), "-id")
    )


@dataclass
class LostDossier:
    dossier: Dossier
    moment: datetime | None
    reason: str


def lost_dossier_rows(
    view: IndicatorView, dossiers: Iterable[Dossier], calendars: Calendars
) -> list[LostDossier]:
    """Each dossier with why it is outside the numerator (for `on_time`, how late it was)."""
    rows = []
    for dossier in dossiers:
        moment = getattr(dossier, view.moment)
        if view.is_on_time:
            reasons = []
            if dossier.due_at and dossier.finished_at and dossier.finished_at > dossier.due_at:
                late = calendars.for_agency(dossier.agency).between(
                    dossier.due_at, dossier.finished_at
                )
                reasons.append(_("Trễ hạn %(time)s làm việc") % {"time": working_text(late)})
            if dossier.supplement_count > 1:
                reasons.append(
                    _("Yêu cầu bổ sung %(n)d lần sau tiếp nhận (chỉ được 1 lần)")
                    % {"n": dossier.supplement_count}
                )
            rows.append(LostDossier(dossier, moment, "; ".join(reasons)))
        elif view.numerator_metric == "rated_satisfied":
            rows.append(LostDossier(dossier, moment, str(dossier.get_rating_display())))
        else:
            rows.append(LostDossier(dossier, moment, view.missing_text))
    return rows


@dataclass
class LostProcedure:
    procedure: Procedure
    missing: list[str]


def lost_procedures(view: IndicatorView, agency_ids: set[int]) -> QuerySet[Procedure]:
    procedures = procedures_of(agency_ids).annotate(
        has_documents=Exists(RequiredDocument.objects.filter(procedure_id=OuterRef("pk")))
    )
    if view.numerator_metric == "procedures_complete":
        procedures = procedures.filter(
            Q(time_limit__isnull=True)
            | Q(time_limit="")
            | Q(legal_basis="")
            | Q(has_documents=False)
        )
    elif view.numerator_metric == "procedures_online":
        procedures = procedures.exclude(online__in=ONLINE_LEVELS)
    else:
        procedures = procedures.filter(registry_connected=False)
    return procedures.order_by("code")


def lost_procedure_rows(
    view: IndicatorView, procedures: Iterable[Procedure]
) -> list[LostProcedure]:
    rows = []
    for procedure in procedures:
        missing: list[str] = []
        if view.numerator_metric == "procedures_complete":
            if not procedure.time_limit:
                missing.append(_("thời hạn giải quyết"))
            if not procedure.has_documents:  # type: ignore[attr-defined]
                missing.append(_("thành phần hồ sơ"))
            if not procedure.legal_basis:
                missing.append(_("căn cứ pháp lý"))
        elif view.numerator_metric == "procedures_online":
            missing.append(str(procedure.get_online_display()))
        else:
            missing.append(_("Chưa kết nối CSDL quốc gia về dân cư"))
        rows.append(LostProcedure(procedure, missing))
    return rows


@dataclass
class LatePublication:
    publication: Publication
    deadline: date


def late_publications(
    view: IndicatorView, agency_ids: set[int], period: Period
) -> list[LatePublication]:
    """Publications decided in the period and not public by the 5th working day after."""
    calendar = working_calendar()
    publications = (
        Publication.objects.filter(
            procedure__in=procedures_of(agency_ids),
            kind=PUBLICATION_KINDS[view.denominator_metric],
            decided_on__gte=period.start,
            decided_on__lte=period.end,
        )
        .select_related("procedure")
        .order_by("-decided_on", "id")
    )
    rows = []
    for publication in publications:
        deadline = calendar.add_working_days(
            publication.decided_on, PUBLICATION_DEADLINE_WORKING_DAYS
        )
        if publication.public_on is None or publication.public_on > deadline:
            rows.append(LatePublication(publication, deadline))
    return rows


# --- 2. a dossier's story, step by step ----------------------------------------------------

ENTER_STEP = ("forward", "send_back")
LEAVE_WORKFLOW = ("approve", "refuse", "withdraw", "cancel")


@dataclass
class Segment:
    """A stretch of a dossier's processing: the one-stop counter (`step` None) or a step."""

    dossier: Dossier
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


def _note(payload: dict[str, Any], event: DossierEvent) -> str:
    for key in ("reason", "note"):
        if payload.get(key):
            return str(payload[key])
    if payload.get("missing"):
        missing = payload["missing"]
        return ", ".join(map(str, missing)) if isinstance(missing, list) else str(missing)
    if payload.get("agency"):
        return str(payload["agency"])
    return event.note


def dossier_walk(
    dossier: Dossier,
    events: list[DossierEvent],
    steps: dict[int, WorkflowStep],
    users: dict[int, User],
    calendar: WorkingCalendar,
    now: datetime,
) -> tuple[list[Segment], list[Pause]]:
    """Rebuild the counter stage and each step from the events, timed in working time."""
    segments: list[Segment] = []
    pauses: list[Pause] = []
    current: Segment | None = None
    pause: Pause | None = None
    transfer: Pause | None = None
    received = False

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
                steps.get(_as_int(payload.get("step")) or -1),
                event.at,
                assignee=users.get(_as_int(payload.get("assignee_id")) or -1),
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
        _as_int((event.payload or {}).get("assignee_id"))
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


def dossier_is_late(dossier: Dossier, now: datetime) -> bool:
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


# --- 3. responsibility per officer ---------------------------------------------------------


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


# --- 4. early warnings ---------------------------------------------------------------------


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
