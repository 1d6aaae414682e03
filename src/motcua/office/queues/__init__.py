"""Reads for the processing pages: the personal work queue, the time left on a dossier, its
step deadlines and history, and an agency's day. No writes here; every query is bounded (a
fixed number per page, whatever the number of dossiers).

Personal data (applicant names, ID numbers) is never listed here: the queue and the agency's
day show codes, procedures, steps and deadlines; the applicant is shown only on the dossier
page, which is read through `dossier_get_for_actor` and so audited (§10).

Split by sub-topic: `deadlines` (working time, the time left, the deadline status), `queue`
(the personal work queue), `story` (one dossier's steps and history), `labels` (what each
event is called) and `today` (an agency's day). Import from here.
"""

from __future__ import annotations

from motcua.office.queues.deadlines import (
    DUE_SOON,
    Calendars,
    DeadlineStatus,
    FastCalendar,
    TimeLeft,
    WorkClock,
    dossier_time_left,
    effective_due,
    format_working,
    time_left,
)
from motcua.office.queues.labels import ASK_SUPPLEMENT, EVENT_LABELS
from motcua.office.queues.queue import (
    PROCESSING_ROLES,
    QUEUE_FILTERS,
    QUEUE_STATES,
    RUNNING_STATES,
    STEP_ROLES,
    CountedPaginator,
    QueueFilter,
    Thresholds,
    queue_agencies,
    queue_counts,
    queue_fetch,
    queue_filter,
    queue_ids,
    queue_procedures,
    queue_rows,
    queue_scope,
    queue_search,
)
from motcua.office.queues.story import (
    EventLine,
    StepLine,
    StepVisit,
    event_lines,
    next_step,
    previous_step,
    step_candidates,
    step_lines,
)
from motcua.office.queues.today import (
    DAY_SECTIONS,
    UNASSIGNED,
    DaySummary,
    Group,
    day_agencies,
    day_list,
    day_section,
    day_summary,
    received_by,
    received_by_summary,
)

__all__ = [
    "ASK_SUPPLEMENT",
    "DAY_SECTIONS",
    "DUE_SOON",
    "EVENT_LABELS",
    "PROCESSING_ROLES",
    "QUEUE_FILTERS",
    "QUEUE_STATES",
    "RUNNING_STATES",
    "STEP_ROLES",
    "UNASSIGNED",
    "Calendars",
    "CountedPaginator",
    "DaySummary",
    "DeadlineStatus",
    "EventLine",
    "FastCalendar",
    "Group",
    "QueueFilter",
    "StepLine",
    "StepVisit",
    "Thresholds",
    "TimeLeft",
    "WorkClock",
    "day_agencies",
    "day_list",
    "day_section",
    "day_summary",
    "dossier_time_left",
    "effective_due",
    "event_lines",
    "format_working",
    "next_step",
    "previous_step",
    "queue_agencies",
    "queue_counts",
    "queue_fetch",
    "queue_filter",
    "queue_ids",
    "queue_procedures",
    "queue_rows",
    "queue_scope",
    "queue_search",
    "received_by",
    "received_by_summary",
    "step_candidates",
    "step_lines",
    "time_left",
]
