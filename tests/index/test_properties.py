"""Random dossier histories: the counters moved transition by transition equal a rebuild
from the dossiers, and the index computed from either is the same."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.core.errors import MotcuaError
from motcua.dossiers.lifecycle import TABLE
from motcua.dossiers.models import Dossier
from motcua.index.engine import Period, index_compute
from motcua.index.metrics import counters_rebuild, counters_snapshot
from tests.walker import T0

# Each step: which dossier, which of the actions its state allows, how long after.
steps = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 20), st.integers(10, 60 * 30)),
    min_size=1,
    max_size=60,
)


def allowed(state: str) -> list[str]:
    return sorted(action for (s, action) in TABLE if s == state)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=steps)
def test_incremental_counters_equal_a_rebuild(walker, agency, history):
    dossiers = [walker.create(at=T0) for _ in range(4)]
    moment = T0
    for index, choice, minutes in history:
        dossier = Dossier.objects.get(pk=dossiers[index].pk)
        options = allowed(dossier.state)
        if not options:
            continue
        action = options[choice % len(options)]
        moment += timedelta(minutes=minutes)
        try:
            dossiers[index] = walker.act(dossier, action, at=moment)
        except MotcuaError:
            continue  # refused by a business rule (last step, first step…): nothing written
    incremental = counters_snapshot()
    period = Period(date(2026, 1, 1), date(2026, 12, 31))
    index_before = index_compute(agency=agency, period=period)
    counters_rebuild()
    assert counters_snapshot() == incremental
    assert index_compute(agency=agency, period=period) == index_before
