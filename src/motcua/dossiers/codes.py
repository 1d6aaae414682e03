"""Dossier codes (§6): `{agency code}-{YYMMDD}-{NNNN}`, gap-free per agency per day.

The counter row is locked for the rest of the caller's transaction, so two receptions at
the same agency on the same day queue on it; a reception that rolls back gives its number
back with it, which is what keeps the sequence free of gaps.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F
from django.utils import timezone

from motcua.directory.models import Agency
from motcua.dossiers.models import DailySequence


def dossier_code_next(*, agency: Agency, at: datetime) -> str:
    day = timezone.localdate(at)
    DailySequence.objects.bulk_create(
        [DailySequence(agency=agency, day=day, last=0)], ignore_conflicts=True
    )
    DailySequence.objects.filter(agency=agency, day=day).update(last=F("last") + 1)
    number = DailySequence.objects.get(agency=agency, day=day).last
    return f"{agency.code}-{day:%y%m%d}-{number:04d}"
