"""What every exported file says besides its tables: the period, the moment of export, and
the file's own name."""

from __future__ import annotations

from django.utils import timezone

from motcua.directory.models import Agency
from motcua.index.engine import Period


def period_text(period: Period) -> str:
    return f"từ {period.start:%d/%m/%Y} đến {period.end:%d/%m/%Y}"


def now_text() -> str:
    return f"{timezone.localtime():%d/%m/%Y %H:%M}"


def attachment_name(prefix: str, agency: Agency, period: Period, extension: str) -> str:
    """ASCII file names: `chi-so_000.00.00.H46_2026-01-01_2026-03-31.xlsx`."""
    safe = "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in ".-") else "-" for ch in agency.code
    )
    return f"{prefix}_{safe}_{period.start:%Y-%m-%d}_{period.end:%Y-%m-%d}.{extension}"
