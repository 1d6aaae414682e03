"""Vietnamese text: folding (case- and diacritic-insensitive, `đ` → `d`), the search key that
also forgives the spellings people really type, and working durations as people read them."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

from motcua.core.errors import ValidationFailed
from motcua.core.worktime import HOURS_PER_DAY

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """`Đăng ký  Khai sinh` → `dang ky khai sinh`."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", stripped.lower()).strip()


# The Vietnamese alphabet's order: ă and â follow a, đ follows d, ê follows e, ô and ơ follow
# o, ư follows u. Letters outside it (f, j, w, z in foreign names) sort where Latin puts them.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter
_TONES = "\u0300\u0309\u0303\u0301\u0323"  # huyền, hỏi, ngã, sắc, nặng (after no mark)


def vietnamese_sort_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...], str]:
    """Sorts as a Vietnamese reader expects (`Đất đai` after `Dân tộc` and before `Giáo
    dục`, where code-point order puts every `Đ` after `Z`): the letters first, then the tones
    (none, huyền, hỏi, ngã, sắc, nặng), then the text itself. Spaces and digits come before
    letters."""
    letters: list[int] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFC", text.lower()):
        decomposed = unicodedata.normalize("NFD", char)
        base, marks = decomposed[0], decomposed[1:]
        letter = unicodedata.normalize(
            "NFC", base + "".join(m for m in marks if m in _LETTER_MARKS)
        )
        position = _ALPHABET.find(letter) if len(letter) == 1 else -1
        letters.append(1000 + position if position >= 0 else ord(letter[0]))
        tones.append(next((1 + _TONES.index(m) for m in marks if m in _TONES), 0))
    return tuple(letters), tuple(tones), text


# Punctuation that only separates words in a name ("cha, mẹ, con", "(cấp tỉnh)"). Not `.`
# (procedure codes are `1.001193`), nor `%` and `_` (typed, they are searched for as written).
_WORD_BREAKS = re.compile(r"[,;:!?()\[\]{}\"'“”‘’«»…/\\–—-]+")
# An open syllable written with `y` after its initial consonants: `ky`, `ly`, `my`, `sy`, `ty`,
# `thy`. `y` alone (`y tế`, `ý kiến`), initial `y` (`yêu cầu`) and the rhymes `ay`, `ây`, `uy`
# (`xây`, `ủy ban`) are other sounds and are never here: a vowel before `y` is not a consonant.
_OPEN_Y = re.compile(r"\b([bcdghklmnprstvx]+)y\b")
# After `qu` the key keeps `y`: `quy` begins `quyết`, `quyền`, so a half-typed word still
# matches, and no syllable but `qui` itself begins with `qui`.
_QUI = re.compile(r"\bqui\b")


def search_fold(text: str) -> str:
    """The key search compares, on the indexed text and on the query alike: `fold`, then the
    variants that people type for the same word mapped to one form.

    - Punctuation between words is a space: `cha, me, con` reads as `cha me con`.
    - `i` and `y` that end a syllable after a consonant are one sound, and both spellings are
      in use (`kí`/`ký`, `lí`/`lý`, `mĩ`/`mỹ`, `sĩ`/`sỹ`, `công ti`/`công ty`): the key
      writes `i` — `ki` also begins `kiểm`, `kinh` — except after `qu`, where it writes `y`
      (`qui`/`quy` → `quy`, which begins `quyết`).

    Not folded, on purpose: regional confusions (`gi`/`d`, `s`/`x`, `tr`/`ch`), which would
    make distinct words equal, and words run together (`dangky`), which need an index of
    syllables, not a key.

    `Lý lịch tư pháp` and `li lich tu phap` → `li lich tu phap`; `Y tế` → `y te`.
    """
    words = _WORD_BREAKS.sub(" ", fold(text))
    words = _OPEN_Y.sub(r"\1i", words)
    return _SPACES.sub(" ", _QUI.sub("quy", words)).strip()


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


def _length_check(text: str, *, field: str, label: str, limit: int, required: bool) -> str:
    if required and not text:
        raise ValidationFailed(_("Nhập %(label)s.") % {"label": label}, fields={field: "required"})
    if len(text) > limit:
        raise ValidationFailed(
            _("%(label)s dài quá %(limit)d ký tự.") % {"label": label.capitalize(), "limit": limit},
            fields={field: "too_long"},
        )
    return text


def text_line(
    value: str | None, *, field: str, label: str, limit: int, required: bool = True
) -> str:
    """A one-line answer (a title, a name, a number): spaces and line breaks folded to one
    space; empty (when required) or longer than `limit` refused, naming `label`."""
    text = " ".join((value or "").split())
    return _length_check(text, field=field, label=label, limit=limit, required=required)


def text_paragraphs(
    value: str | None, *, field: str, label: str, limit: int, required: bool = True
) -> str:
    """A text of paragraphs: its line breaks kept, trailing spaces and empty ends dropped."""
    text = "\n".join(line.rstrip() for line in (value or "").strip().splitlines())
    return _length_check(text, field=field, label=label, limit=limit, required=required)


def number_vi(value: float | int | Decimal, decimals: int = 2) -> str:
    """73.4 → '73,40'; 1234567 (decimals=0) → '1.234.567' (comma for decimals, dot for
    thousands), for every page, sheet and PDF."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
