"""The fee part of a form — the online application and the counter's walk-in entry: the
charges that apply anyway, and one question per group of alternative rates (the category the
applicant declares). Reading and checking the answer here gives each question its own
message; `catalog.fees` stays the rule the services apply."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from motcua.catalog.fees import FeeCharge, fee_lines_for
from motcua.catalog.models import Procedure

FIELD_PREFIX = "doi_tuong_phi_"


@dataclass(frozen=True)
class FeeQuestion:
    name: str  # the form field
    key: str  # the group
    options: tuple[FeeCharge, ...]
    picked: str = ""
    error: str = ""


@dataclass(frozen=True)
class FeeForm:
    # What is charged whatever the answer: additions, and groups the channel settles alone.
    fixed: tuple[FeeCharge, ...]
    questions: tuple[FeeQuestion, ...]

    @property
    def shown(self) -> bool:
        return bool(self.fixed or self.questions)

    def choice(self) -> dict[str, str]:
        return {q.key: q.picked for q in self.questions if q.picked}

    def errors(self) -> dict[str, str]:
        return {q.name: q.error for q in self.questions if q.error}

    def summary(self) -> list[tuple[str, str, str]]:
        """(anchor, label, error) for a form's error summary: the first radio of each."""
        return [
            (f"{q.name}_1", _("Đối tượng nộp phí, lệ phí"), q.error)
            for q in self.questions
            if q.error
        ]


def fee_form(
    procedure: Procedure,
    *,
    channel: str,
    data: Mapping[str, Any] | None = None,
    initial: Mapping[str, str] | None = None,
    required: bool = False,
) -> FeeForm:
    """The fee part for `channel`: unbound (`data` None) it shows `initial` (the dossier's
    recorded choice); bound, it reads the posted answers and marks a pick that is not one of
    the options, or a missing one when `required`."""
    additions, groups = fee_lines_for(procedure, channel=channel)
    fixed = list(additions)
    questions: list[FeeQuestion] = []
    for key, lines in groups.items():
        if len(lines) == 1:
            fixed.append(lines[0])
            continue
        name = f"{FIELD_PREFIX}{len(questions) + 1}"
        options = tuple(lines)
        if data is None:
            picked, error = (initial or {}).get(key, ""), ""
        else:
            picked = str(data.get(name, "")).strip()[:300]
            error = ""
            if picked and picked not in {o.condition for o in options}:
                picked, error = "", _("Đối tượng đã chọn không có trong danh sách; hãy chọn lại.")
            elif not picked and required:
                error = _("Hãy chọn đối tượng nộp phí, lệ phí: mức phí phụ thuộc vào đối tượng.")
        questions.append(
            FeeQuestion(name=name, key=key, options=options, picked=picked, error=error)
        )
    return FeeForm(fixed=tuple(fixed), questions=tuple(questions))
