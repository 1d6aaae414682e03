"""Vietnamese text: folding for search (case- and diacritic-insensitive, `đ` → `d`), and
working durations as people read them."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from django.utils.translation import gettext as _

from motcua.core.worktime import HOURS_PER_DAY

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """`Đăng ký  Khai sinh` → `dang ky khai sinh`."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped.lower()).strip()


def working_duration_text(delta: timedelta) -> str:
    """`1 ngày 5 giờ`, `4 giờ 30 phút`, `15 phút` — a working day is 8 working hours, so this
    reads a working duration (time left, time taken), not a calendar one. The sign is dropped:
    callers say "quá hạn" or "còn" themselves."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, HOURS_PER_DAY * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d ngày") % {"n": days})
    if hours:
        parts.append(_("%(n)d giờ") % {"n": hours})
    if mins:
        parts.append(_("%(n)d phút") % {"n": mins})
    return " ".join(parts) or _("0 phút")
