"""The first pass checks every row and writes nothing; the second pass reads the checked rows
again, for the writer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from django.utils.translation import gettext as _

from motcua.dossiers.importer.catalog import Catalog
from motcua.dossiers.importer.records import records
from motcua.dossiers.importer.report import Problem, ProgressFactory
from motcua.dossiers.importer.rows import Checker, Row


def validate(
    path: Path, catalog: Catalog, problems: list[Problem], progress: ProgressFactory | None
) -> int:
    """The first pass: check everything, write nothing. Returns the number of rows."""
    bar = (
        progress(desc=_("Kiểm tra"), total=path.stat().st_size, unit="B", unit_scale=True)
        if progress
        else None
    )
    checker = Checker(catalog, problems)
    seen: dict[str, int] = {}
    rows = 0
    try:
        for line, record in records(path, problems, bar.update if bar is not None else None):
            if checker.row(line, record) is not None:
                rows += 1
            # Checked for bad rows too, so that every duplicate is reported.
            code = checker.code
            if not code:
                continue
            first = seen.setdefault(code, line)
            if first != line:
                problems.append(
                    Problem(
                        line,
                        "code",
                        _("mã hồ sơ '%(code)s' trùng với dòng %(first)d")
                        % {"code": code, "first": first},
                    )
                )
    finally:
        if bar is not None:
            bar.close()
    return rows


def checked_rows(path: Path, catalog: Catalog, problems: list[Problem]) -> Iterator[Row]:
    checker = Checker(catalog, problems)
    for line, record in records(path, problems):
        row = checker.row(line, record)
        if row is not None:
            yield row
