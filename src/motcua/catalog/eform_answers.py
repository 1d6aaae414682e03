"""A citizen's e-form answers as people read them: the declaration an officer checks and
prints. Labels and order come from the procedure's e-form (the same UI hints the portal draws
the form from); values are written the Vietnamese way.

The e-form may have changed since the citizen applied, so answers whose key the form no
longer has are listed last, under their key: nothing the citizen declared is hidden from the
officer who decides on it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from motcua.catalog.eforms import date_display, eform_fields

EMPTY = "—"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class AnswerRow:
    key: str
    label: str
    value: str


@dataclass
class AnswerSection:
    title: str
    rows: list[AnswerRow] = field(default_factory=list)
    # Keys the e-form does not have (any more): the page marks them so nobody takes them for
    # a question the citizen was asked in this form's words.
    unknown: bool = False


def number_display(value: int | float) -> str:
    """1234567 → `1.234.567`, 1234.5 → `1.234,5`: dots group thousands, a comma marks the
    decimals."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    # Decimal(str(…)) keeps the shortest decimal a float prints as, without an exponent.
    text = format(Decimal(str(value)), "f")
    sign = "-" if text.startswith("-") else ""
    whole, _dot, decimals = text.lstrip("-").partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    decimals = decimals.rstrip("0")
    return f"{sign}{grouped},{decimals}" if decimals else f"{sign}{grouped}"


def value_display(
    value: Any, *, labels: Mapping[str, str] | None = None, is_date: bool = False
) -> str:
    """One answer for people. `labels` maps stored choice values to their labels; `is_date`
    says the field holds ISO dates. Without either (a key the form no longer has), a string
    that is exactly an ISO date still reads as dd/mm/yyyy: that is how dates are stored."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if labels and isinstance(value, str | int) and str(value) in labels:
        return labels[str(value)]
    if isinstance(value, int | float):
        return number_display(value)
    if isinstance(value, list):
        return ", ".join(value_display(v, labels=labels, is_date=is_date) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {value_display(v)}" for k, v in value.items())
    text = str(value)
    if is_date or _is_iso_date(text):
        return date_display(text)
    return text if text.strip() else EMPTY


def _is_iso_date(text: str) -> bool:
    if not _ISO_DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def eform_answers(eform: Mapping[str, Any], form_data: Mapping[str, Any]) -> list[AnswerSection]:
    """The declaration in the form's order, one section each time the form's section changes
    (as the portal draws it); every field of the form, unanswered ones as "—"; then the
    answers to keys the form does not have, by key, sorted so every database agrees."""
    hints = eform.get("ui", {}).get("fields", {})
    sections: list[AnswerSection] = []
    for question in eform_fields(dict(eform)):
        if not sections or sections[-1].title != question.section:
            sections.append(AnswerSection(title=question.section))
        prop = question.schema
        items = prop.get("items")
        item: dict[str, Any] = items if isinstance(items, dict) else {}
        labels = hints.get(question.name, {}).get("choices") or {}
        is_date = (
            question.widget == "date"
            or prop.get("format") == "date"
            or item.get("format") == "date"
        )
        sections[-1].rows.append(
            AnswerRow(
                key=question.name,
                label=question.label,
                value=value_display(
                    form_data.get(question.name), labels=labels or None, is_date=is_date
                ),
            )
        )
    properties = eform.get("schema", {}).get("properties", {})
    unknown = sorted(key for key in form_data if key not in properties)
    if unknown:
        sections.append(
            AnswerSection(
                title=_("Thông tin khác (không còn trong mẫu tờ khai)"),
                rows=[
                    AnswerRow(key=key, label=key, value=value_display(form_data[key]))
                    for key in unknown
                ],
                unknown=True,
            )
        )
    return sections
