"""Every change of state the lifecycle allows (`TABLE`), taken through its one writer
(`dossier_transition`) by every kind of actor: the ones its `who` names pass and the dossier
moves; everyone else is refused with `PermissionDenied` and the database is unchanged.

The rows are generated from the table, so a new (state, action) gets its row without anyone
writing it; the pages and the API that carry these actions are the route matrix's
(test_route_matrix.py)."""

from __future__ import annotations

import pytest

from motcua.core.errors import PermissionDenied
from motcua.dossiers.lifecycle import Action, dossier_transition
from motcua.dossiers.lifecycle.table import PREVIOUS, TABLE, Who
from motcua.dossiers.models import Dossier, State
from tests.security.actors import DENIED_KINDS, right_actor, wrong_actors
from tests.security.world import LAST_STEP, OWNER, changed_tables, dossier_facts, fingerprint
from tests.security.world_other import WALK_IN_DRAFT
from tests.walker import PAYLOADS

# The dossier each row starts from: the world's dossier in the row's state, except where the
# action's own guard needs more than the state (an approval needs the last step), and where
# the counter acts on a draft: its own walk-in (a citizen's online draft is the applicant's
# alone until submitted: test_route_matrix.py).
START = {(State.IN_PROGRESS, Action.APPROVE): LAST_STEP}


def _start(world, state: str, action: str, who: str = "") -> Dossier:
    if state == State.DRAFT and who == Who.RECEPTION:
        return world.dossier(WALK_IN_DRAFT)
    return world.dossier(START.get((state, action), state))


def _payload(action: str) -> dict:
    return dict(PAYLOADS.get(action, {}))


ROWS = sorted(TABLE)
# The applicant is a wrong actor only where the rule does not name the owner.
DENIED_ROWS = [
    (s, a, kind)
    for s, a in ROWS
    for kind in DENIED_KINDS
    if not (kind == OWNER and Who.OWNER in TABLE[(s, a)].who)
]


@pytest.mark.parametrize(
    ("state", "action", "kind"), DENIED_ROWS, ids=[f"{s}-{a}-{k}" for s, a, k in DENIED_ROWS]
)
def test_a_wrong_actor_is_refused_and_nothing_changes(world, db, state, action, kind):
    rule = TABLE[(state, action)]
    dossier = _start(world, state, action)
    actors = wrong_actors(world, kind, rule.who, dossier)
    assert actors, f"no {kind} actor for {state}/{action}"
    for label, actor in actors:
        facts, before = dossier_facts(dossier.pk), fingerprint()
        with pytest.raises(PermissionDenied):
            dossier_transition(
                actor=actor, dossier=dossier.pk, action=action, payload=_payload(action)
            )
        assert dossier_facts(dossier.pk) == facts, label
        assert changed_tables(before, fingerprint()) == [], label


RIGHT_ROWS = [(s, a, who) for s, a in ROWS for who in sorted(TABLE[(s, a)].who)]


@pytest.mark.parametrize(
    ("state", "action", "who"), RIGHT_ROWS, ids=[f"{s}-{a}-{w}" for s, a, w in RIGHT_ROWS]
)
def test_the_right_actor_moves_the_dossier(world, db, state, action, who):
    rule = TABLE[(state, action)]
    dossier = _start(world, state, action, who)
    version, _state, events = dossier_facts(dossier.pk)
    actor = right_actor(world, who, dossier)

    moved = dossier_transition(
        actor=actor, dossier=dossier.pk, action=action, payload=_payload(action)
    )

    expected = dossier.state_before_pause if rule.to == PREVIOUS else rule.to
    assert dossier_facts(moved.pk) == (version + 1, expected, events + 1)
    last = moved.events.order_by("-seq").first()
    assert (last.action, last.actor_id) == (action, actor.pk)
