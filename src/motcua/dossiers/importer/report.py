"""What an import tells its caller: the problems that reject a file, the counts of a run, and
the progress bars it drives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.utils.translation import gettext as _

from motcua.core.errors import ValidationFailed


@dataclass(frozen=True, order=True)
class Problem:
    """One bad value: the file's line (from 1; a CSV's header is line 1), the column and why."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


class DossierImportRejected(ValidationFailed):
    """The file is refused; `problems` lists every bad value, in file order."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: p.line)
        rows = len({p.line for p in problems})
        super().__init__(
            _("Tệp hồ sơ có %(n)d lỗi ở %(rows)d dòng; không có dữ liệu nào được ghi.")
            % {"n": len(problems), "rows": rows},
            code="invalid_dossiers",
        )


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


class Progress(Protocol):
    def update(self, n: int = 1) -> object: ...

    def close(self) -> None: ...


# Called as `progress(desc=..., total=..., unit=...)`; `tqdm.tqdm` fits.
ProgressFactory = Callable[..., Progress]
