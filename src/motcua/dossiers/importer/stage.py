"""The one pass over the file: every record into the staging work table, in chunks.

What SQL cannot judge is judged here, row by row but cheaply: the line itself (CSV and JSON
syntax, UTF-8, the header), and the moments, parsed with `datetime.fromisoformat` exactly as the
checker parses them, compared with each other (none before reception, a return not before the
finish) and passed on in one shape both databases read the same way. The due moment of a row
without one is computed here too (`Catalog.clock`), and the dossier's stable reference.
Everything else — the catalog's codes, the value sets, integers, the state's story, duplicate
codes — is checked on the whole table at once (`check.py`).

A record that the fast path cannot take as it is (a moment that does not parse, moments out of
order, a JSON value of another type, a NUL) goes through the checker (`rows.Checker`) at once:
either it has problems, which are reported and the row is staged only as its line and code (for
the duplicate check), or it is good in a form the fast path does not read, and its checked
values are staged in the canonical form.

The staging table belongs to this connection and is never seen by anyone else: on SQLite a
`TEMP` table; on PostgreSQL an unlogged table in a schema of the connection's own (`WORK`
and the server process's id), so that the set-based steps scan it, and the other work
tables, with parallel workers — a temporary table is scanned by one process only. On
PostgreSQL the rows go in with `COPY … FROM STDIN`; on SQLite with `executemany`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import connections

from motcua.dossiers.audit.chain import ImportEventHash
from motcua.dossiers.importer.catalog import Catalog
from motcua.dossiers.importer.records import COLUMNS, records
from motcua.dossiers.importer.report import Problem
from motcua.dossiers.importer.rows import Checker, Row
from motcua.dossiers.importer.sql import Dialect
from motcua.dossiers.models import Dossier

STAGING = "motcua_import_staging"
# PostgreSQL: the schema of one connection's work tables is this and its server process's id.
# A schema whose process is gone (an import killed) is dropped by the next import.
WORK = "motcua_import_"
# The import's other work tables: for a file staged as it is, the lines whose moments
# are not in a shape SQL may cast (`raw.unshaped_fill`) and the due moments computed
# (`raw.dues_fill`); the typed rows, the changed dossiers and their events' chain (`write`).
UNSHAPED = "motcua_import_unshaped"
DUE_MOMENTS = "motcua_import_due"
NEW = "motcua_import_new"
CHANGED = "motcua_import_changed"
CHAINED = "motcua_import_chained"
# The staged columns after the file's own: the computed due moment, the reference, the hash
# of the dossier's `import` event (`audit.chain`), whether the row was already judged in
# Python (1: it has problems) and, then, its usable code.
EXTRA = ("due_computed", "reference", "event_hash", "checked", "key")
# The file's moments, reception first and the finish before the return (the order checks).
MOMENT_COLUMNS = ("received_at", "due_at", "finished_at", "returned_at", "rated_at")
MOMENTS = tuple(COLUMNS.index(c) for c in MOMENT_COLUMNS)
RECEIVED = COLUMNS.index("received_at")
FINISHED = COLUMNS.index("finished_at")
RETURNED = COLUMNS.index("returned_at")
STATE = COLUMNS.index("state")
DUE = COLUMNS.index("due_at")
BOOLEANS = frozenset(
    COLUMNS.index(c)
    for c in (
        "digitized",
        "e_result",
        "result_to_store",
        "paid_online",
        "reused_data",
        "registry_used",
        "synced",
    )
)
INTEGERS = frozenset(COLUMNS.index(c) for c in ("supplements", "fee_amount"))
_LARGEST_OFFSET = timedelta(hours=14)


def reference_for(code: str) -> str:
    """The temporary reference of an imported dossier, from its code: the first 80 bits of
    the code's SHA-256, which PostgreSQL computes alike (`raw.REFERENCE`) when it takes a
    file's rows without Python. (Dossiers imported before 07/12/2026 keep the reference
    BLAKE2b gave them: a re-import finds a dossier by its code and never rewrites it.)"""
    return "NK-" + hashlib.sha256(code.encode()).hexdigest()[:20].upper()


def _is_moment_text(text: str) -> bool:
    """`text` (already parsed as an aware moment) is `YYYY-MM-DDTHH:MM:SS[.ffffff]±HH:MM`
    with an offset both databases take: the shape staged as it is."""
    size = len(text)
    if size == 25:
        sign = text[19]
    elif size == 32 and text[19] == "." and text[20:26] != "000000":
        sign = text[26]
    else:
        return False
    return (
        (sign == "+" or sign == "-")
        and text[7] == "-"
        and text[13] == ":"
        and text[16] == ":"
        and (text[10] == "T" or text[10] == " ")
        and text[-6:-3] <= sign + "14"
        and text[-3] == ":"
    )


def moment_text(moment: datetime) -> str:
    """A moment in the staged shape; an offset no database takes is written in UTC."""
    offset = moment.utcoffset()
    if offset is None or offset % timedelta(minutes=1) or abs(offset) > _LARGEST_OFFSET:
        moment = moment.astimezone(UTC)
    return moment.isoformat()


def _canonical(row: Row) -> list[str]:
    """A checked row as the fast path would have staged it."""

    def moment(value: datetime | None) -> str:
        return "" if value is None else moment_text(value)

    def flag(value: bool) -> str:
        return "true" if value else "false"

    return [
        row.code,
        row.procedure.code,
        row.agency.code,
        row.channel,
        moment(row.received_at),
        moment(row.due_at),
        moment(row.finished_at),
        moment(row.returned_at),
        row.state,
        str(row.supplements),
        flag(row.digitized),
        flag(row.e_result),
        flag(row.result_to_store),
        str(row.fee_amount),
        flag(row.paid_online),
        row.rating,
        moment(row.rated_at),
        flag(row.reused_data),
        flag(row.registry_used),
        flag(row.synced),
    ]


class Preparer:
    """Turns a record into the values staged for it, or reports it."""

    def __init__(self, catalog: Catalog, problems: list[Problem], source: str) -> None:
        self.catalog = catalog
        self.event_hash = ImportEventHash(source)
        self.checker = Checker(catalog, problems)
        self.limits = catalog.limits
        self.hours = catalog.agency_hours

    def checked(self, line: int, values: list[Any]) -> list[Any]:
        """The checker's verdict on a record the fast path does not take."""
        checker = self.checker
        row = checker.row(line, dict(zip(COLUMNS, values, strict=True)))
        if row is None:
            return [line, *[""] * len(COLUMNS), "", "", "", 1, checker.code or None]
        staged = _canonical(row)
        due = ""
        if row.due_at is None:
            computed = self.catalog.due(row.procedure, row.agency, row.received_at)
            due = "" if computed is None else moment_text(computed)
        reference = reference_for(row.code)
        chained = self.event_hash(reference=reference, at=row.received_at, state=row.state)
        return [line, *staged, due, reference, chained, 0, None]

    def prepare(self, line: int, values: list[Any]) -> list[Any]:
        # The moments are in order (§9: none before reception, a return not before the
        # finish) or the checker says why: compared here, where they are parsed anyway, not
        # cast again from text in SQL. `MOMENTS` puts reception first and the finish before
        # the return.
        received = finished = None
        for index in MOMENTS:
            text = values[index]
            if text:
                if text.__class__ is not str:
                    return self.checked(line, values)
                try:
                    moment = datetime.fromisoformat(text)
                except ValueError:
                    return self.checked(line, values)
                if moment.tzinfo is None or moment.utcoffset() is None:
                    return self.checked(line, values)
                if not _is_moment_text(text):
                    values[index] = moment_text(moment)
                if index == RECEIVED:
                    received = moment
                elif received is not None:
                    after = finished if index == RETURNED and finished is not None else received
                    if moment < after:
                        return self.checked(line, values)
                    if index == FINISHED:
                        finished = moment
            elif text is None:
                values[index] = ""
        for index, value in enumerate(values):
            if value.__class__ is not str:
                if value is None:
                    values[index] = ""
                elif value is True or value is False:
                    if index not in BOOLEANS:
                        return self.checked(line, values)
                    values[index] = "true" if value else "false"
                elif value.__class__ is int and index in INTEGERS:
                    values[index] = str(value)
                else:
                    return self.checked(line, values)
            elif "\x00" in value:
                return self.checked(line, values)
        due = ""
        if not values[DUE] and received is not None:
            limit = self.limits.get(values[1])
            hours = self.hours.get(values[2])
            if limit is not None and hours is not None:
                due = moment_text(self.catalog.clock(hours).add(received, limit))
        code = values[0]
        reference = chained = ""
        if code:
            reference = reference_for(code)
            if received is not None:
                chained = self.event_hash(reference=reference, at=received, state=values[STATE])
        return [line, *values, due, reference, chained, 0, None]


def _copy_escaped(value: Any) -> str:
    if value is None:
        return "\\N"
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_line(staged: list[Any]) -> str:
    """One row of `COPY … FROM STDIN` text format."""
    if staged[-1] is None:
        body = "\t".join(map(str, staged[:-1]))
        # Escaping is needed only for the rare field with a backslash, a tab or a line break.
        if (
            body.count("\t") == len(staged) - 2
            and "\\" not in body
            and "\n" not in body
            and "\r" not in body
        ):
            return body + "\t\\N\n"
    return "\t".join(_copy_escaped(v) for v in staged) + "\n"


class Staging:
    """The staging table of one import on one connection."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.connection = dialect.connection
        self.columns = ("line", *COLUMNS, *EXTRA)
        # The rows are the file's text as it is (`raw.load_raw`), not prepared in Python.
        self.raw = False
        # ... and some of its lines have a moment out of shape (`raw.unshaped_fill`).
        self.unshaped = False
        # PostgreSQL: the typed rows' dossiers, if new, get this plus their rank as their ids,
        # or (None) each the next value of the sequence (`write.ids_reserve`).
        self.id_offset: int | None = None
        self.id_sequence = ""

    def create(self) -> None:
        self.raw = self.unshaped = False  # until `raw.load_raw` fills it
        types = self.dialect.types()
        # PostgreSQL: a row `COPY`'d from the file's own bytes (`raw`) is numbered as it
        # arrives; the file's line 1 is its header.
        numbered = ""
        if self.dialect.postgres:
            numbered = " GENERATED BY DEFAULT AS IDENTITY (START WITH 2)"
        columns = ", ".join(
            [
                f"line {types['int']} NOT NULL{numbered}",
                *(
                    f"{c} {types['text']}"
                    for c in (*COLUMNS, "due_computed", "reference", "event_hash")
                ),
                f"checked {types['int']} NOT NULL DEFAULT 0",
                f"key {types['text']}",
                f"vouched {types['int']} NOT NULL DEFAULT 0",
            ]
        )
        with self.connection.cursor() as cursor:
            if self.dialect.postgres:
                # Every work table an earlier import on this connection may have left goes,
                # so that the later steps create theirs without asking.
                self._work_schema(cursor)
            else:
                cursor.execute(f"DROP TABLE IF EXISTS {self.name}", [])
            cursor.execute(self.dialect.create_work(STAGING, f"({columns})"), [])

    def _work_schema(self, cursor: Any) -> None:
        """PostgreSQL: a fresh schema of this connection's own for the work tables, the
        schemas of connections that are gone dropped; temporary tables instead when the
        database user may not create a schema (as every import did before decision 0009)."""
        d = self.dialect
        cursor.execute(
            "SELECT pg_backend_pid(), has_database_privilege(current_database(), 'CREATE'), "
            "ARRAY(SELECT nspname FROM pg_namespace WHERE nspname ~ %s "
            "AND pg_has_role(nspowner, 'MEMBER') "
            "AND nspname NOT IN (SELECT %s || pid FROM pg_stat_activity))",
            [f"^{WORK}[0-9]+$", WORK],
        )
        pid, may_create, gone = cursor.fetchone()
        if not may_create:
            d.schema = None
            self.drop()
            return
        d.schema = f"{WORK}{pid}"
        schemas = ", ".join(map(d.quote, [*gone, d.schema]))
        # Two statements in one round trip (sent without parameters).
        cursor.execute(
            f"DROP SCHEMA IF EXISTS {schemas} CASCADE; CREATE SCHEMA {d.quote(d.schema)}"
        )

    @property
    def name(self) -> str:
        """The staging table, quoted (in the connection's work schema once `create` made it)."""
        return self.dialect.work(STAGING)

    def analyze(self) -> None:
        """PostgreSQL: gather the staged rows' statistics. A new table has none until
        asked (autovacuum comes by later, if ever), and the planner, taking it for a few rows,
        joins it to the catalog by nested loops that compare every row with every procedure."""
        if self.dialect.postgres:
            with self.connection.cursor() as cursor:
                self.dialect.analyze(cursor, self.name)

    def drop(self) -> None:
        """Drop the import's work tables: on PostgreSQL in one statement; on SQLite, outside
        any transaction, by closing the connection."""
        d = self.dialect
        quote = d.quote
        with self.connection.cursor() as cursor:
            if d.postgres:
                if d.schema is not None:
                    cursor.execute(f"DROP SCHEMA IF EXISTS {quote(d.schema)} CASCADE", [])
                    return
                names = (STAGING, UNSHAPED, DUE_MOMENTS, NEW, CHANGED, CHAINED)
                cursor.execute(f"DROP TABLE IF EXISTS {', '.join(map(quote, names))}", [])
                return
        if self.connection.get_autocommit() and not self.connection.in_atomic_block:
            # SQLite keeps a connection's temporary tables in a file of its own, deleted when
            # the connection closes, where dropping them frees their pages one by one (a
            # million rows: 1–3.5 s). Django opens the connection again when next asked. (An
            # in-memory database is not closed: its tables are dropped below.)
            self.connection.close()
            if self.connection.connection is None:
                return
        with self.connection.cursor() as cursor:
            for name in (NEW, CHANGED, CHAINED, STAGING):
                cursor.execute(f"DROP TABLE IF EXISTS {quote(name)}", [])

    def load(self, rows: Iterator[list[Any]], chunk: int) -> int:
        """Stage every prepared row; returns how many."""
        if self.dialect.postgres:
            return self._copy(rows, chunk)
        return self._insert(rows, chunk)

    def _copy(self, rows: Iterator[list[Any]], chunk: int) -> int:
        count = 0
        statement = f"COPY {self.name} ({', '.join(self.columns)}) FROM STDIN"
        with self.connection.cursor() as cursor, cursor.copy(statement) as copy:
            buffer: list[str] = []
            for staged in rows:
                buffer.append(_copy_line(staged))
                if len(buffer) >= chunk:
                    copy.write("".join(buffer))
                    count += len(buffer)
                    buffer = []
            if buffer:
                copy.write("".join(buffer))
                count += len(buffer)
        return count

    def _insert(self, rows: Iterator[list[Any]], chunk: int) -> int:
        count = 0
        statement = "INSERT INTO {} ({}) VALUES ({})".format(
            self.name, ", ".join(self.columns), ", ".join(["%s"] * len(self.columns))
        )
        # Outside a transaction each row would be one; the temporary table needs no lock on
        # the database itself, so a plain (deferred) transaction per chunk is enough.
        own = not self.connection.in_atomic_block
        with self.connection.cursor() as cursor:
            buffer: list[list[Any]] = []
            for staged in rows:
                buffer.append(staged)
                if len(buffer) >= chunk:
                    self._insert_chunk(cursor, statement, buffer, own)
                    count += len(buffer)
                    buffer = []
            if buffer:
                self._insert_chunk(cursor, statement, buffer, own)
                count += len(buffer)
        return count

    @staticmethod
    def _insert_chunk(cursor: Any, statement: str, buffer: list, own: bool) -> None:
        if own:
            cursor.execute("BEGIN", [])
        cursor.executemany(statement, buffer)
        if own:
            cursor.execute("COMMIT", [])


def staged_rows(
    path: Path,
    catalog: Catalog,
    problems: list[Problem],
    on_bytes: Callable[[int], object] | None,
) -> Iterator[list[Any]]:
    preparer = Preparer(catalog, problems, path.name)
    prepare = preparer.prepare
    for line, values in records(path, problems, on_bytes):
        yield prepare(line, values)


def staging_for(alias: str = "default") -> Staging:
    return Staging(Dialect(connections[alias or Dossier.objects.db]))
