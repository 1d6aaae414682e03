"""Dossier codes (§6): `{agency}-{YYMMDD}-{NNNN}`, gap-free per agency per day, under threads."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from django.db import connection, transaction

from motcua.core.worktime import TZ
from motcua.dossiers.codes import dossier_code_next
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import DailySequence, Dossier

MORNING = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


@pytest.mark.django_db
def test_the_number_widens_past_9999(agency):
    DailySequence.objects.create(agency=agency, day=MORNING.date(), last=9998)
    assert dossier_code_next(agency=agency, at=MORNING) == "000.00.11.H99-260302-9999"
    assert dossier_code_next(agency=agency, at=MORNING) == "000.00.11.H99-260302-10000"


@pytest.mark.django_db
def test_a_rolled_back_reception_gives_its_number_back(agency):
    with pytest.raises(RuntimeError), transaction.atomic():
        dossier_code_next(agency=agency, at=MORNING)
        raise RuntimeError("the reception failed after numbering")
    assert dossier_code_next(agency=agency, at=MORNING) == "000.00.11.H99-260302-0001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_receptions_get_unique_gap_free_codes(walker):
    """Eight officers receive at once at the same agency: codes 0001…0008, each once."""
    submitted = []
    for _ in range(8):
        dossier = walker.create(at=MORNING)
        submitted.append(walker.act(dossier, Action.SUBMIT, at=MORNING))
    start = threading.Barrier(len(submitted))
    errors: list[BaseException] = []

    def receive(dossier: Dossier) -> None:
        try:
            start.wait()
            walker.act(dossier, Action.RECEIVE, at=MORNING.replace(minute=30))
        except BaseException as error:  # reported below, with the engine that raised it
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=receive, args=(d,)) for d in submitted]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == [], f"{connection.vendor}: {errors!r}"
    codes = sorted(
        Dossier.objects.filter(pk__in=[d.pk for d in submitted]).values_list("code", flat=True)
    )
    assert codes == [f"000.00.11.H99-260302-{n:04d}" for n in range(1, 9)]
