"""`motcua import-dossiers FILE.csv|FILE.jsonl` (domain.md §9): dossier history from another
system, all or nothing, idempotent by dossier code.

One pass over the file streams it, in chunks, into a staging work table (`stage`: `COPY`
on PostgreSQL, `executemany` on SQLite), judging on the way only what SQL cannot — the
line's syntax and the moments — and computing the due moments the rows leave empty. The
staged rows are then checked all at once in SQL (`check`): procedure and agency codes
against the catalog, value sets, integers, `true|false`, dates in order, the state's story,
codes unique in the file; the rows SQL cannot prove good are put through the row checker
(`rows.Checker`) for the reasons, each with its line and column. A single problem rejects
the file before anything is written. Then the rows are written set-based in one transaction
(`write`): a new code creates a dossier, a changed row updates its dossier, an identical row
is left alone, so importing the same file twice changes nothing. Memory stays flat: the
file is never held, only a chunk of it.

On PostgreSQL a plain CSV skips the Python pass (`raw`, decision 0008): its bytes are
`COPY`'d as they are and SQL proves what the pass proved; the rows it cannot prove good go
through the same checker, so every reason keeps its words, line and column.

Imported history bypasses the lifecycle table (`dossiers.lifecycle`): a row is the state that
another system reached, not a transition taken here, so no rule or role is checked, no code is
issued and no outbox row is written (whether the national portal holds the dossier is the
row's own `synced`). What the lifecycle keeps true is kept here too:

- every imported dossier gets one immutable `DossierEvent` (`import`, seq 1, at its
  reception); a changed row appends `import_update` with the next seq;
- the daily counters move by each dossier's contributions after the import minus before it
  (`dossiers.metrics.contributions`, stated again as SQL in `counters`), summed by the
  database over the file and added once, in the same transaction, so they stay equal to
  `counters_rebuild()`;
- the derived fields follow §6–§7: `due_at`, when the row leaves it empty, is the procedure's
  time limit on the agency's working calendar from reception; a refused dossier with
  `finished_at` was refused after processing, otherwise at reception; a terminal dossier is
  closed at its return, else its finish, else — refused at reception, withdrawn or cancelled,
  where the row carries no moment of its own — at its reception; a paused dossier
  (supplement requested, suspended, transferred) resumes to `in_progress`; a dossier
  `paid_online` was paid at its reception (`paid_online_at = received_at`: §9 has no payment
  moment, so §8 counts an imported online payment on the day the dossier was received).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from django.db import DataError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.errors import ValidationFailed
from motcua.dossiers.importer.catalog import Catalog
from motcua.dossiers.importer.check import check_typed, stage_and_check
from motcua.dossiers.importer.counters import counters_add
from motcua.dossiers.importer.records import COLUMNS
from motcua.dossiers.importer.report import (
    DossierImportRejected,
    ImportReport,
    Problem,
    Progress,
    ProgressFactory,
)
from motcua.dossiers.importer.rows import (
    CHANNELS,
    FINISHED_STATES,
    NEED_FINISHED,
    PAUSED_STATES,
    RATINGS,
    STATES,
)
from motcua.dossiers.importer.sql import Dialect, insert_rows, moment_adapter
from motcua.dossiers.importer.stage import Staging, reference_for
from motcua.dossiers.importer.write import ATTNAMES, FIELDS, Writer, ids_reserve, resolve
from motcua.dossiers.models import Dossier, DossierEvent

__all__ = [
    "ATTNAMES",
    "BATCH_SIZE",
    "CHANNELS",
    "COLUMNS",
    "FIELDS",
    "FINISHED_STATES",
    "FORMATS",
    "NEED_FINISHED",
    "PAUSED_STATES",
    "RATINGS",
    "STATES",
    "DossierImportRejected",
    "ImportReport",
    "Problem",
    "Progress",
    "ProgressFactory",
    "counters_add",
    "dossiers_import",
    "insert_rows",
    "moment_adapter",
    "reference_for",
]

FORMATS = (".csv", ".jsonl")
BATCH_SIZE = 5000
# A bulk load leaves the planner with the table's old statistics until autovacuum comes by;
# meanwhile PostgreSQL may plan the officers' queue (a UNION of index-backed parts) as a
# nested loop that runs for minutes. Past this many new dossiers the import refreshes them.
ANALYZE_AFTER = 10_000


def dossiers_import(
    *,
    actor: Any,
    path: Path,
    progress: ProgressFactory | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportReport:
    """Import the file at `path` (CSV with a header row, or JSON Lines), all or nothing.

    Raises `DossierImportRejected` listing every problem, or `ValidationFailed` when the file
    cannot be read at all; in both cases nothing is written. `batch_size` is the number of
    rows sent to the database at a time while streaming.
    """
    started = time.monotonic()
    path = Path(path)
    batch_size = max(1, min(batch_size, 100_000))
    if path.suffix.lower() not in FORMATS:
        raise ValidationFailed(
            _("tệp phải có đuôi .csv hoặc .jsonl"), code="invalid_dossiers_format"
        )
    if not path.is_file():
        raise ValidationFailed(_("không tìm thấy tệp"), code="not_found")
    connection = connections[Dossier.objects.db]
    catalog = Catalog()
    staging = Staging(Dialect(connection))
    run = partial(
        _import,
        actor=actor,
        path=path,
        catalog=catalog,
        staging=staging,
        progress=progress,
        batch_size=batch_size,
    )
    try:
        try:
            report = run(python_way=False)
        except _CastRefused:
            # A moment in a shape SQL takes on a day no calendar has (30 February):
            # PostgreSQL refused to cast it, and nothing was written. The Python way reads
            # the whole file again and says where.
            report = run(python_way=True)
        if report.created >= ANALYZE_AFTER and not connection.in_atomic_block:
            _analyze(connection)
    finally:
        if connection.needs_rollback or not connection.is_usable():
            pass
        else:
            staging.drop()
    report.seconds = time.monotonic() - started
    return report


class _CastRefused(Exception):
    pass


def _import(
    *,
    actor: Any,
    path: Path,
    catalog: Catalog,
    staging: Staging,
    progress: ProgressFactory | None,
    batch_size: int,
    python_way: bool,
) -> ImportReport:
    connection = staging.connection
    problems: list[Problem] = []
    staging.create()
    rows = stage_and_check(
        path=path,
        catalog=catalog,
        staging=staging,
        problems=problems,
        progress=progress,
        chunk=batch_size,
        python_way=python_way,
    )
    if problems and not staging.raw:
        raise DossierImportRejected(problems)
    report = ImportReport(rows=rows)
    bar = None
    try:
        ids_reserve(staging, rows)
        if not staging.raw:
            resolve(staging, source=path.name, rows=rows)
        try:
            with _page_cache(connection), transaction.atomic(using=connection.alias):
                if staging.raw:
                    check_typed(staging, catalog, problems, path.name, rows)
                    if problems:
                        raise DossierImportRejected(problems)
                if progress:
                    bar = progress(desc=_("Ghi"), total=rows, unit=" " + _("hồ sơ"))
                written = Writer(dialect=staging.dialect, source=path.name, rows=rows).write()
                report.created, report.updated = written.created, written.updated
                report.unchanged = rows - written.created - written.updated
                audit_record(
                    actor=actor,
                    action="dossiers.import",
                    object_type="dossier",
                    data={"source": path.name, **report.counts()},
                )
        except DataError as error:
            if not staging.raw:
                raise
            raise _CastRefused from error
        if bar is not None:
            bar.update(rows)
    finally:
        if bar is not None:
            bar.close()
    return report


def _analyze(connection: BaseDatabaseWrapper) -> None:
    tables = [Dossier._meta.db_table, DossierEvent._meta.db_table]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


@contextmanager
def _page_cache(connection: BaseDatabaseWrapper, kib: int = 256 * 1024) -> Iterator[None]:
    """On SQLite, a page cache of `kib` for the write pass, then the previous size again.

    A million inserts touch a dozen indexes (one of them keyed by a hash); with SQLite's
    default 2 MiB cache most of them miss, and the write pass runs about a quarter slower.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")
