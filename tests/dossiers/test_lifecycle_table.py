"""Every state × every action: allowed by the table and applied, or refused and nothing written."""

from __future__ import annotations

import pytest

from motcua.core.errors import TransitionNotAllowed
from motcua.core.models import OutboxMessage
from motcua.dossiers.lifecycle import PREVIOUS, TABLE, Action
from motcua.dossiers.models import Dossier, DossierEvent, State

CASES = [(state, action) for state in State.values for action in Action.values]


def test_the_table_only_names_known_states_and_actions():
    for (state, action), rule in TABLE.items():
        assert state in State.values
        assert action in Action.values
        assert rule.to == PREVIOUS or rule.to in State.values
        assert rule.who


def test_terminal_states_have_no_way_out():
    for state in (State.RETURNED, State.REFUSED, State.WITHDRAWN, State.CANCELLED):
        assert [action for (s, action) in TABLE if s == state] == []


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "action"), CASES, ids=[f"{s}-{a}" for s, a in CASES])
def test_each_state_and_action(walker, state, action):
    dossier = walker.dossier_in(state)
    if (state, action) == (State.DRAFT, Action.RECEIVE):
        dossier = walker.walk_in_draft()  # the counter receives its own drafts only
    if (state, action) == (State.IN_PROGRESS, Action.APPROVE):
        dossier = walker.act(dossier, Action.FORWARD)  # approval happens at the last step
    before = Dossier.objects.get(pk=dossier.pk)
    events_before = DossierEvent.objects.filter(dossier=dossier).count()
    outbox_before = OutboxMessage.objects.count()
    rule = TABLE.get((state, action))

    if rule is None:
        with pytest.raises(TransitionNotAllowed) as refused:
            walker.act(dossier, action)
        assert str(State(state).label) in refused.value.message
        after = Dossier.objects.get(pk=dossier.pk)
        assert (after.state, after.version, after.due_at) == (
            before.state,
            before.version,
            before.due_at,
        )
        assert DossierEvent.objects.filter(dossier=dossier).count() == events_before
        assert OutboxMessage.objects.count() == outbox_before
        return

    result = walker.act(dossier, action)
    expected = before.state_before_pause if rule.to == PREVIOUS else rule.to
    assert result.state == expected
    assert result.version == before.version + 1
    event = DossierEvent.objects.filter(dossier=dossier).order_by("-seq").first()
    assert (event.seq, event.action, event.from_state, event.to_state) == (
        events_before + 1,
        action,
        state,
        expected,
    )
