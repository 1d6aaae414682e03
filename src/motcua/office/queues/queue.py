"""The personal work queue: which dossiers are the officer's (`queue_scope`), its filters and
status counts as conditions on the dossier table, and the rows of one page."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.catalog.models import Procedure, WorkflowStep
from motcua.core.text import search_fold
from motcua.directory.models import Agency, Role, User
from motcua.directory.selectors import user_roles
from motcua.dossiers.models import Dossier, State
from motcua.office.queues.deadlines import (
    DUE_SOON,
    Calendars,
    DeadlineStatus,
    dossier_time_left,
)

# Roles a workflow step can require (catalog.WorkflowStep.role).
STEP_ROLES = (Role.SPECIALIST, Role.APPROVER, Role.RECEPTION)
PROCESSING_ROLES = (Role.SPECIALIST, Role.APPROVER)
QUEUE_STATES = (State.IN_PROGRESS, State.SUSPENDED, State.TRANSFERRED)
# States whose clock runs (a transfer does not stop the clock; a suspension does).
RUNNING_STATES = (State.IN_PROGRESS, State.TRANSFERRED)
# `Thresholds` compares with `<` one tick past a working day, so that exactly one working day
# left counts as due soon, as in `time_left`.
_TICK = timedelta(microseconds=1)

# The queue's status filter: the three deadline states of running dossiers, and two states.
QUEUE_FILTERS: dict[str, Any] = {
    **{
        status: DeadlineStatus.LABELS[status]
        for status in (DeadlineStatus.OVERDUE, DeadlineStatus.DUE_SOON, DeadlineStatus.ON_TRACK)
    },
    State.SUSPENDED.value: gettext_lazy("Đang tạm dừng"),
    State.TRANSFERRED.value: gettext_lazy("Đang liên thông"),
}


def queue_scope(user: User) -> QuerySet[Dossier]:
    """Every dossier in the user's queue: in progress, suspended or transferred at a step
    they hold (and assigned to them or to nobody), and dossiers transferred to an agency
    where they process (liên thông: their agency's part).

    A step without an agency is done by the dossier's agency. The queue is the UNION of
    three parts, each read through its own index (the dossier's agency and state; its
    current step; its transfer agency), so its cost follows the user's agencies, not the
    whole table. As one OR the planner of PostgreSQL cannot use an index for a part whose
    condition is a subquery, and scans the table instead."""
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
    # Ids only, unordered: `id IN (… UNION ALL …)` is a semi-join, so a dossier in two parts
    # is counted once.
    ids = [Dossier.objects.filter(part).order_by().values("pk") for part in parts]
    union = ids[0].union(*ids[1:], all=True) if len(ids) > 1 else ids[0]
    return Dossier.objects.filter(pk__in=union)


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
    words = search_fold(text).split()
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


def queue_ids(scope: QuerySet[Dossier], condition: Q | None) -> QuerySet[Dossier, int]:
    """The ids of the user's queue (`scope`, from `queue_scope`) after the filters, nearest
    due moment first (the step's, then the dossier's). Ids only: without joins the planner
    keeps to the indexes of `queue_scope`; the rows of one page are fetched by
    `queue_fetch`."""
    queryset = scope
    if condition is not None:
        queryset = queryset.filter(condition)
    return queryset.order_by(
        F("step_due_at").asc(nulls_last=True), F("due_at").asc(nulls_last=True), "id"
    ).values_list("pk", flat=True)


# What a row of the queue shows, read as plain values: building the page's model instances
# (a dossier and up to five related rows each, every column) cost more than the query.
ROW_FIELDS = (
    "id",
    "code",
    "reference",
    "state",
    "assignee_id",
    "step_due_at",
    "due_at",
    "finished_at",
    "closed_at",
    "paused_at",
    "procedure__name",
    "agency__name",
    "agency__office_hours",
    "current_step__position",
    "current_step__name",
    "current_step__agency__name",
    "transfer_agency__name",
    "assignee__full_name",
    "assignee__username",
)


def queue_fetch(ids: list[int]) -> list[Any]:
    """The rows of one page, in the order of `ids`: named tuples of `ROW_FIELDS` (one
    query). They carry the dossier's deadlines, so `dossier_time_left` reads them as it
    reads a dossier."""
    found = Dossier.objects.filter(pk__in=ids).values_list(*ROW_FIELDS, named=True)
    by_id = {row.id: row for row in found}
    return [by_id[pk] for pk in ids if pk in by_id]


def queue_counts(
    scope: QuerySet[Dossier], thresholds: Thresholds, condition: Q | None
) -> dict[str, int]:
    """How many dossiers of the whole queue (`scope`, from `queue_scope`) are in each
    status, and how many match the filters (`matching`) — one query."""
    return scope.aggregate(
        **{key: Count("pk", filter=thresholds.status(key)) for key in QUEUE_FILTERS},
        total=Count("pk"),
        matching=Count("pk", filter=condition) if condition is not None else Count("pk"),
    )


class CountedPaginator(Paginator):
    """A paginator told its count (already computed with the status counts)."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count


def _moment(value: datetime | None) -> str:
    # As the template's `date:"d/m/Y H:i"` wrote it, in the current time zone.
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value is not None else ""


def queue_rows(entries: list[Any], now: datetime, calendars: Calendars) -> list[dict[str, Any]]:
    """What each row of `queue_fetch` shows, as strings for the template to place. The
    template engine's lookups, `date` filters and a `blocktranslate` per row cost more
    than the page's SQL; formatting here costs a fraction of it."""
    labels = {key: str(label) for key, label in DeadlineStatus.LABELS.items()}
    transfer = _("Đang liên thông: %(name)s")
    assigned = _("Giao cho: %(name)s")
    rows = []
    for e in entries:
        left = dossier_time_left(e, calendars.for_hours(e.agency__office_hours), now)
        status = left.status if left else DeadlineStatus.ON_TRACK
        has_step = e.current_step__position is not None
        rows.append(
            {
                "code": e.code,
                "public_code": e.code or e.reference,
                "transfer": (
                    transfer % {"name": e.transfer_agency__name or ""}
                    if e.state == State.TRANSFERRED
                    else ""
                ),
                "assignee": (
                    assigned % {"name": e.assignee__full_name or e.assignee__username}
                    if e.assignee_id
                    else ""
                ),
                "procedure": e.procedure__name,
                "agency": e.agency__name,
                "step": f"{e.current_step__position}. {e.current_step__name}" if has_step else "",
                "step_agency": (e.current_step__agency__name or "") if has_step else "",
                "step_due": _moment(e.step_due_at),
                "due": _moment(e.due_at),
                "left": left.text if left else "",
                "status": status,
                "status_label": labels[status],
            }
        )
    return rows
