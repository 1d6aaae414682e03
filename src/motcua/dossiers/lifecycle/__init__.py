"""The dossier lifecycle (domain.md §6): one table, one transition function.

`TABLE` maps (state, action) to the resulting state and to who may take the action. Every
change of `Dossier.state` goes through `dossier_transition`, which — in one transaction —
checks the table and the actor's role, writes the immutable event, updates the derived
clock and workflow fields, and writes the outbox rows. Anything missing from the table is
refused with a Vietnamese message and leaves the dossier and its events untouched.

The package splits it by sub-topic: `table` (the actions, who may take them, `TABLE`; the
events that change no state, `Record`, and who may record them in which states,
`RECORD_RULES`; which ones the applicant hears about), `lock` (`dossier_lock`, the one
`Conflict`), `events` (`dossier_event_write`, the one writer of `DossierEvent`), `transition`
(`allowed_actions`, `dossier_transition` / `transition_apply`, the outbox rows), `effects`
(each action's guard, input check and effect), `record` (`dossier_record` / `record_apply`)
and `permissions` (`dossier_permissions`: what this person may do now, and if not, why).
Import from here.
"""

from __future__ import annotations

from motcua.dossiers.lifecycle.events import dossier_event_write, dossier_event_written
from motcua.dossiers.lifecycle.lock import dossier_conflict, dossier_lock
from motcua.dossiers.lifecycle.permissions import (
    ALLOWED,
    Allowed,
    Refusal,
    action_refusal,
    dossier_permissions,
    record_refusal,
    workflow_steps_load,
)
from motcua.dossiers.lifecycle.record import dossier_record, record_apply
from motcua.dossiers.lifecycle.refusals import refusals_logged
from motcua.dossiers.lifecycle.table import (
    NOTIFY_APPLICANT,
    NOTIFY_APPLICANT_RECORDS,
    PREVIOUS,
    RECORD_RULES,
    TABLE,
    Action,
    Record,
    RecordRule,
    Rule,
    Who,
)
from motcua.dossiers.lifecycle.transition import (
    allowed_actions,
    dossier_transition,
    holds_current_step,
    transition_apply,
    transition_refusal,
)

__all__ = [
    "ALLOWED",
    "NOTIFY_APPLICANT",
    "NOTIFY_APPLICANT_RECORDS",
    "PREVIOUS",
    "RECORD_RULES",
    "TABLE",
    "Action",
    "Allowed",
    "Record",
    "RecordRule",
    "Refusal",
    "Rule",
    "Who",
    "action_refusal",
    "allowed_actions",
    "dossier_conflict",
    "dossier_event_write",
    "dossier_event_written",
    "dossier_lock",
    "dossier_permissions",
    "dossier_record",
    "dossier_transition",
    "holds_current_step",
    "record_apply",
    "record_refusal",
    "refusals_logged",
    "transition_apply",
    "transition_refusal",
    "workflow_steps_load",
]
