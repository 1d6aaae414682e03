"""Checking the staged file, set-based: SQL finds the lines, Python says what is wrong.

One query over the whole staging table keeps each row that SQL cannot prove good: a code to trim
or too long, a procedure or agency not in the catalog, a value outside its set, an integer or a
boolean misspelt, a state whose moments tell another story. (The moments' order is checked while
staging, where they are parsed: `stage.Preparer`.) The rule is deliberately a little stricter
than the checker's (a code with a non-ASCII first letter, say, is kept), so that a row SQL
passes is one the checker passes. Each kept row is read back and put through the checker
(`rows.Checker`), which gives the reasons, in the same words, lines and columns as a row-by-row
check; a kept row the checker finds good (a value with spaces around it) is written back in its
canonical form and vouched for. Duplicate codes are one `GROUP BY`, over every row with a usable
code, bad rows included, as before.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from motcua.catalog.models import Procedure
from motcua.directory.models import Agency
from motcua.dossiers.importer.catalog import Catalog
from motcua.dossiers.importer.raw import (
    NotPlain,
    dues_fill,
    load_raw,
    unshaped_fill,
    unshaped_join,
)
from motcua.dossiers.importer.records import COLUMNS
from motcua.dossiers.importer.report import Problem, Progress, ProgressFactory
from motcua.dossiers.importer.rows import (
    CHANNELS,
    CODE_MAX,
    FINISHED_STATES,
    NEED_FINISHED,
    RATINGS,
    STATES,
)
from motcua.dossiers.importer.sql import listed
from motcua.dossiers.importer.stage import BOOLEANS, NEW, Preparer, Staging, staged_rows
from motcua.dossiers.importer.write import resolve, typed_column

FETCH = 2000


def valid_row(staging: Staging) -> str:
    """The SQL condition a staged row (alias `s`, catalog joined as `p` and `a`) meets when
    the checker would find nothing wrong with it. For rows the fast path staged
    (`stage.Preparer.prepare`), whose moments it found in order; for a file staged as it is
    (`raw`), the moments' shape too, found in Python (`raw.Dues`; the lines out of shape
    joined as `u`: `raw.unshaped_join`), and their order on the typed rows (`_order`)."""
    d = staging.dialect
    booleans = " AND ".join(f"s.{COLUMNS[i]} IN ('true', 'false')" for i in sorted(BOOLEANS))
    moments = "AND u.line IS NULL" if staging.unshaped else ""
    return f"""(
        s.code <> '' AND length(s.code) <= {CODE_MAX} AND {d.clean("s.code")}
        AND p.id IS NOT NULL AND a.id IS NOT NULL
        AND s.channel IN ({listed(CHANNELS)})
        AND s.state IN ({listed(STATES)})
        AND s.rating IN ('', {listed(RATINGS)})
        AND s.received_at <> ''
        AND {d.digits("s.supplements", 5)} AND (length(s.supplements) < 5
            OR s.supplements <= '32767')
        AND {d.digits("s.fee_amount", 18)}
        AND {booleans}
        AND (s.finished_at <> '' OR s.state NOT IN ({listed(NEED_FINISHED)}))
        AND (s.finished_at = '' OR s.state IN ({listed(FINISHED_STATES)}))
        AND ((s.returned_at <> '') = (s.state = 'returned'))
        AND ((s.rating <> '') = (s.rated_at <> ''))
        {moments}
    )"""


def catalog_joins(staging: Staging) -> str:
    d = staging.dialect
    procedures, agencies = d.table(Procedure), d.table(Agency)
    return (
        f"LEFT JOIN {procedures} p ON p.{d.column(Procedure, 'code')} = s.procedure_code "
        f"LEFT JOIN {agencies} a ON a.{d.column(Agency, 'code')} = s.agency_code"
    )


def _fetched(cursor: Any) -> Iterator[Any]:
    while rows := cursor.fetchmany(FETCH):
        yield from rows


def stage_and_check(
    *,
    path: Path,
    catalog: Catalog,
    staging: Staging,
    problems: list[Problem],
    progress: ProgressFactory | None,
    chunk: int,
    python_way: bool = False,
) -> int:
    """Stage the file and check it; every problem goes to `problems`. Returns the rows.

    On PostgreSQL a plain CSV is staged as it is (`raw`), unless `python_way`; its check
    ends in `check_typed`, inside the write transaction."""
    bar = (
        progress(desc=_("Kiểm tra"), total=path.stat().st_size, unit="B", unit_scale=True)
        if progress
        else None
    )
    on_bytes = _Bytes(bar) if bar is not None else None
    try:
        rows = dues = None
        if staging.dialect.postgres and not python_way:
            try:
                rows, dues = load_raw(staging, path, catalog, on_bytes)
                unshaped_fill(staging, dues)
                staging.analyze()
                _explain(staging, catalog, problems, path.name)
            except NotPlain:
                # Read again the Python way, from the start; nothing of this pass is kept.
                if dues is not None:
                    dues.discard()
                    dues = None
                problems.clear()
                if on_bytes is not None:
                    on_bytes.again()
                staging.create()
                rows = None
        if rows is None:
            rows = staging.load(staged_rows(path, catalog, problems, on_bytes), chunk)
            staging.analyze()
            _explain(staging, catalog, problems, path.name)
    except BaseException:
        if dues is not None:
            dues.discard()
        raise
    finally:
        if bar is not None:
            bar.close()
    if dues is not None:
        dues_fill(staging, dues)  # the rest is `check_typed`'s
    else:
        _duplicates(staging, problems)
    return rows


def check_typed(
    staging: Staging, catalog: Catalog, problems: list[Problem], source: str, rows: int
) -> None:
    """For a file staged as it is (`raw`): type its rows (`write.resolve`), which casts each
    moment once, then check the moments' order on the typed rows, then the codes' duplicates.
    A moment in a proven shape that no calendar has (30 February) makes the cast fail with a
    `DataError`: the caller then reads the file the Python way."""
    resolve(staging, source=source, rows=rows)
    _order(staging, catalog, problems, source)
    _duplicates(staging, problems)


class _Bytes:
    """The bytes read, for the bar, over both ways of reading the file: what the first way
    counted is not counted again when the second reads it again."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.counted = self.read = 0

    def __call__(self, size: int) -> None:
        self.read += size
        if self.read > self.counted:
            self.bar.update(self.read - self.counted)
            self.counted = self.read

    def again(self) -> None:
        self.read = 0


def _explain(staging: Staging, catalog: Catalog, problems: list[Problem], source: str) -> None:
    table = staging.name
    with staging.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.line, {', '.join(f's.{c}' for c in COLUMNS)} FROM {table} s "
            f"{catalog_joins(staging)} {unshaped_join(staging)} "
            f"WHERE s.checked = 0 AND s.vouched = 0 AND {valid_row(staging)} IS NOT TRUE "
            "ORDER BY s.line",
            [],
        )
        # Read to the end before writing: one cursor at a time on SQLite.
        kept = list(_fetched(cursor))
    if not kept:
        return
    if staging.raw:
        # A field `csv.reader` refuses: the Python way reports the line as a CSV error.
        limit = csv.field_size_limit()
        if any(len(value) > limit for _line, *values in kept for value in values):
            raise NotPlain
    preparer = Preparer(catalog, problems, source)
    judged, vouched = [], []
    for line, *values in kept:
        staged = preparer.checked(line, list(values))
        if staged[-2]:
            judged.append((staged[-1], line))
        else:
            vouched.append([*staged[1:-2], line])
    with staging.connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX motcua_import_staging_line ON {table} (line)", [])
        if judged:
            cursor.executemany(f"UPDATE {table} SET checked = 1, key = %s WHERE line = %s", judged)
        if vouched:
            names = (*COLUMNS, "due_computed", "reference", "event_hash")
            cursor.executemany(
                f"UPDATE {table} SET {', '.join(f'{n} = %s' for n in names)}, vouched = 1 "
                "WHERE line = %s",
                vouched,
            )


def _order(staging: Staging, catalog: Catalog, problems: list[Problem], source: str) -> None:
    """The rows staged as the file's text whose moments are out of §9's order — none before
    reception, a return not before the finish — put through the checker for the reasons."""
    d = staging.dialect

    def typed(name: str) -> str:
        return f"n.{d.quote(typed_column(name))}"

    received = typed("received_at")
    disorder = " OR ".join(
        [
            f"{received} > {typed('due_at')}",
            f"{received} > {typed('finished_at')}",
            f"COALESCE({typed('finished_at')}, {received}) > {typed('returned_at')}",
            f"{received} > {typed('rated_at')}",
        ]
    )
    with staging.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.line, {', '.join(f's.{c}' for c in COLUMNS)} FROM {d.work(NEW)} n "
            f"JOIN {staging.name} s ON s.line = n.line WHERE ({disorder}) IS TRUE "
            "ORDER BY s.line",
            [],
        )
        kept = list(_fetched(cursor))
    preparer = Preparer(catalog, problems, source)
    for line, *values in kept:
        preparer.checked(line, list(values))


def _duplicates(staging: Staging, problems: list[Problem]) -> None:
    table = staging.name
    key = "CASE WHEN checked = 1 THEN key ELSE code END"
    with staging.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE {key} <> '' GROUP BY {key} HAVING COUNT(*) > 1 LIMIT 1",
            [],
        )
        if cursor.fetchone() is None:
            return
        cursor.execute(
            f"SELECT k, line, first FROM (SELECT k, line, MIN(line) OVER (PARTITION BY k) AS first"
            f" FROM (SELECT {key} AS k, line FROM {table}) t WHERE k <> '') u "
            "WHERE line <> first ORDER BY line",
            [],
        )
        duplicates = list(_fetched(cursor))
    for code, line, first in duplicates:
        problems.append(
            Problem(
                line,
                "code",
                _("mã hồ sơ '%(code)s' trùng với dòng %(first)d") % {"code": code, "first": first},
            )
        )
