"""The demo's merged agency (the 2025 reorganisation): UBND phường Vỹ Dạ merged into UBND
phường Thuận Hóa from the first day of the month three months before the demo's `now`, so
its six months of dossiers show on both sides — under its own name before that day, under
Thuận Hóa from it (docs/howto/merged-agencies.md). Recorded through `agency_merge` by the
demo's administrator; called once at the end of `demo.services.demo_load`."""

from __future__ import annotations

from datetime import date, datetime

from motcua.core.worktime import TZ
from motcua.directory.models import Agency, User
from motcua.directory.services import agency_merge

MERGED_CODE = "000.50.03.H46"  # UBND phường Vỹ Dạ
SUCCESSOR_CODE = "000.50.01.H46"  # UBND phường Thuận Hóa


def merger_day(now: datetime) -> date:
    """The first day of the month three months before `now`'s month."""
    local = now.astimezone(TZ).date()
    months = local.year * 12 + local.month - 1 - 3
    return date(months // 12, months % 12 + 1, 1)


def demo_merger_load(*, now: datetime, actor: User) -> Agency | None:
    agency = Agency.objects.filter(code=MERGED_CODE, merged_into__isnull=True).first()
    successor = Agency.objects.filter(code=SUCCESSOR_CODE).first()
    if agency is None or successor is None:
        return None
    return agency_merge(actor=actor, agency=agency, successor=successor, on=merger_day(now))
