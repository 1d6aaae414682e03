"""`dossier_record` writes events that change no state; the state has one writer."""

from __future__ import annotations

import pytest
from django.db import transaction

from motcua.dossiers.lifecycle import dossier_record
from motcua.dossiers.models import Dossier, DossierEvent, State

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "changes", [{"state": State.RESULT_READY}, {"digitized": True, "state": "x"}]
)
def test_recording_refuses_to_change_the_state_and_writes_nothing(walker, reception, changes):
    dossier = walker.dossier_in(State.RECEIVED)
    events = DossierEvent.objects.filter(dossier=dossier).count()
    with pytest.raises(ValueError, match="never changes the state"), transaction.atomic():
        dossier_record(actor=reception, dossier=dossier, action="digitize", changes=changes)
    fresh = Dossier.objects.get(pk=dossier.pk)
    assert (fresh.state, fresh.version, fresh.digitized) == (
        State.RECEIVED,
        dossier.version,
        dossier.digitized,
    )
    assert DossierEvent.objects.filter(dossier=dossier).count() == events


def test_recording_a_flag_bumps_the_version_once_and_keeps_the_state(walker, reception):
    dossier = walker.dossier_in(State.RECEIVED)
    with transaction.atomic():
        after = dossier_record(
            actor=reception, dossier=dossier, action="digitize", changes={"digitized": True}
        )
    event = DossierEvent.objects.filter(dossier=dossier).latest("seq")
    assert (after.state, after.version, after.digitized) == (
        State.RECEIVED,
        dossier.version + 1,
        True,
    )
    assert (event.action, event.from_state, event.to_state) == (
        "digitize",
        State.RECEIVED,
        State.RECEIVED,
    )
