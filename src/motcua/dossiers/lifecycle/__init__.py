"""The dossier lifecycle (domain.md §6): one table, one transition function.

`TABLE` maps (state, action) to the resulting state and to who may take the action. Every
change of `Dossier.state` goes through `dossier_transition`, which — in one transaction —
checks the table and the actor's role, writes the immutable event, updates the derived
clock and workflow fields, and writes the outbox rows. Anything missing from the table is
refused with a Vietnamese message and leaves the dossier and its events untouched.

The package splits it by sub-topic: `table` (the actions, who may take them, `TABLE`, which
ones the applicant hears about), `transition` (`allowed_actions`, `dossier_transition`, the
outbox rows), `effects` (what each action does to the derived fields, `_EFFECTS`) and `record`
(`dossier_record`, events that change no state). Import from here.
"""

from __future__ import annotations

from motcua.dossiers.lifecycle.record import dossier_record
from motcua.dossiers.lifecycle.table import (
    NOTIFY_APPLICANT,
    NOTIFY_APPLICANT_RECORDS,
    PREVIOUS,
    TABLE,
    Action,
    Rule,
    Who,
)
from motcua.dossiers.lifecycle.transition import (
    allowed_actions,
    dossier_transition,
    holds_current_step,
)

__all__ = [
    "NOTIFY_APPLICANT",
    "NOTIFY_APPLICANT_RECORDS",
    "PREVIOUS",
    "TABLE",
    "Action",
    "Rule",
    "Who",
    "allowed_actions",
    "dossier_record",
    "dossier_transition",
    "holds_current_step",
]
