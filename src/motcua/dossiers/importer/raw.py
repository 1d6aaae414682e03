"""PostgreSQL: a plain CSV's own bytes straight into the staging table, judged there.

The Python pass (`stage.Preparer`) costs about 17 s a million rows: reading the CSV, parsing
five moments a row, hashing. On PostgreSQL a CSV whose records are one line each is instead
fed as it is to `COPY … FROM STDIN (FORMAT csv)`: PostgreSQL splits the fields, numbers the
rows as they arrive (line = row + 1, the header being line 1), and the check
(`check.valid_row` of a raw staging table) proves in SQL what the Python pass proved, the
moments in order on the typed rows (`check.check_typed`). Two things stay in Python, done on
the file's own lines while PostgreSQL takes in the same bytes (`Dues`): each moment's shape
(`SHAPE`: one both readers take as the same instant), whose exceptions are sent as line
numbers (`UNSHAPED`) before the check, and the due moments the file leaves empty (the
working calendar), sent once the rows are checked. A row SQL cannot prove good is read back
and put through the checker (`rows.Checker`), which says why in the same words as ever, or
vouches for it in its canonical form, exactly as for a row the Python pass staged. The
reference and the `import` event's hash are computed in SQL (`REFERENCE`,
`event_hash_sql`).

The file is taken this way only when PostgreSQL's CSV reader cannot read it otherwise than
Python's `csv.reader` (`Dues.feed` proves it of each line before the line is sent): no quote
(a quoted field may hold a line break, and the line numbers would drift), no backslash (`\\.`
alone on a line ends a `COPY`), no NUL, no blank line, no carriage return but before a line
feed, a header `records.header_problems` accepts. Anything else — a JSON Lines file, a quoted
CSV, a line with another number of fields or bytes that are not UTF-8 (the `COPY` is then
cancelled and rolled back, having seen only proven lines), a field longer than `csv.reader`
takes — goes the Python way, from the start, which reports what is wrong line by line. So
does a file with a moment in a proven shape on a day no calendar has (30 February):
PostgreSQL refuses to cast it (`check.check_typed`).
"""

from __future__ import annotations

import codecs
import csv
import re
import tempfile
from collections.abc import Callable
from datetime import datetime
from operator import itemgetter
from pathlib import Path

from django.db import transaction

from motcua.catalog.models import Procedure
from motcua.core.errors import ValidationFailed
from motcua.directory.models import Agency
from motcua.dossiers.audit.chain import ImportEventHash
from motcua.dossiers.importer.catalog import MICROSECOND, Catalog, DueClock, micros
from motcua.dossiers.importer.records import COLUMNS, header_problems
from motcua.dossiers.importer.stage import DUE_MOMENTS, MOMENT_COLUMNS, UNSHAPED, Staging

BLOCK = 1 << 20
# Byte sequences after which PostgreSQL's and Python's CSV readers may disagree on a line.
_QUIRKS = (b'"', b"\\", b"\x00", b"\n\n", b"\n\r\n")
# `stage.reference_for` in SQL: the first 80 bits of the code's SHA-256, upper-case hex.
REFERENCE = "'NK-' || upper(substr(encode(sha256(convert_to({code}, 'UTF8')), 'hex'), 1, 20))"


def _quirky(lines: bytes) -> bool:
    """`lines` hold one of the `_QUIRKS`, or a carriage return not before a line feed."""
    return any(quirk in lines for quirk in _QUIRKS) or lines.count(b"\r") != lines.count(b"\r\n")


class NotPlain(Exception):
    """The file is not one PostgreSQL may read for Python: read it the Python way."""


def _header(path: Path) -> tuple[list[str], int] | None:
    """The header's names and its length in bytes, or None when it has any problem."""
    with path.open("rb") as handle:
        first = handle.readline()
    size = len(first)
    if first.startswith(codecs.BOM_UTF8):
        first = first[len(codecs.BOM_UTF8) :]
    if _quirky(first):
        return None
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        return None
    names = next(csv.reader([text]), None)
    if not names:
        return None
    header = [name.strip() for name in names]
    if header_problems(header):
        return None
    return header, size


def load_raw(
    staging: Staging,
    path: Path,
    catalog: Catalog,
    on_bytes: Callable[[int], object] | None,
) -> tuple[int, Dues]:
    """`COPY` the CSV's bytes into the (empty) staging table; the rows staged and the due
    moments the file leaves empty, computed from the same bytes while PostgreSQL takes them
    in (`Dues`). Raises `NotPlain`, with nothing staged, when the file must be read the
    Python way."""
    found = _header(path) if path.suffix.lower() == ".csv" else None
    if found is None:
        raise NotPlain
    header, skip = found
    columns = ", ".join(header)
    statement = (
        f"COPY {staging.name} ({columns}) FROM STDIN (FORMAT csv, FORCE_NOT_NULL ({columns}))"
    )
    dues = Dues(catalog, header)
    connection = staging.connection
    try:
        # A line found not plain cancels the `COPY`; the savepoint (or transaction) takes the
        # rows sent before it away, and leaves the connection usable for the Python way.
        with (
            transaction.atomic(using=connection.alias),
            connection.cursor() as cursor,
            cursor.copy(statement) as copy,
            path.open("rb") as handle,
        ):
            handle.seek(skip)
            if on_bytes is not None:
                on_bytes(skip)
            while True:
                block = handle.read(BLOCK)
                lines = dues.feed(block, end=not block)
                if lines:
                    copy.write(lines)
                if not block:
                    break
                if on_bytes is not None:
                    on_bytes(len(block))
    except BaseException:
        dues.discard()
        raise
    staging.raw = True
    return dues.rows, dues


class Dues:
    """What stays in Python of a file staged as it is, from the file's own lines: which lines
    have a moment not in the `SHAPE` SQL may cast, and the due moments of the rows that leave
    `due_at` empty, on each agency's working calendar (`Catalog.clock`, as the Python pass
    computes them).

    `load_raw` hands each block of the file to `feed` and sends PostgreSQL the whole lines it
    returns, proven plain (`NotPlain` otherwise): the work on one block runs while the server
    parses and stores the one before, the file is read once, and the staged rows are not read
    back for it (a million rows, load and due moments: 6.3 s before, 5.9 s so, 3.9 s since the
    clock searches timestamps; the shapes, once `LIKE`s and a `translate` in the check's SQL,
    3 s there, about 1 s here: see docs/performance.md). The lines out of shape are sent
    before the check (`unshaped_fill`): the checker reads those rows back and says why, or
    vouches for them with their own due moment. Every other line whose codes are the
    catalog's gets its due moment, before any check; `dues_fill` sends them all, and the
    typed rows (`write.resolve`) take one only for a row SQL proved good. Both go to
    temporary files as they are found: memory holds a block, not the rows."""

    def __init__(self, catalog: Catalog, header: list[str]) -> None:
        self.catalog = catalog
        # Each procedure's time limit in microseconds, for `DueClock.add_micros`.
        self.limits = {
            code: limit // MICROSECOND
            for code, limit in catalog.limits.items()
            if limit is not None
        }
        self.procedure = header.index("procedure_code")
        self.agency = header.index("agency_code")
        self.received = header.index("received_at")
        self.due = header.index("due_at")
        self.moments = itemgetter(*(header.index(name) for name in MOMENT_COLUMNS))
        self.width = len(header)
        self.line = 2  # the file's line of the next row (line 1 is the header)
        self.tail = b""
        # Every clock made before the `COPY` starts: a calendar reads the database, which
        # takes no other statement on this connection while it receives the file.
        self.clocks: dict[str, DueClock | None] = {}
        # Office hours whose calendar was refused, and why: said only if a row needs it.
        self.refused: dict[str, ValidationFailed] = {}
        for hours in set(catalog.agency_hours.values()):
            self.clocks[hours] = self._clock(hours)
        # Closed by `unshaped_fill` and `dues_fill`, which send them, or by `discard`.
        self.unshaped = tempfile.TemporaryFile()  # noqa: SIM115
        self.spool = tempfile.TemporaryFile()  # noqa: SIM115

    def feed(self, block: bytes, *, end: bool = False) -> bytes:
        """The whole lines of the file up to the end of `block` (all that is left, at the
        `end`), each one PostgreSQL reads as Python's `csv.reader` does and takes without an
        error — UTF-8, as many fields as the header, none of the module's quirks — or
        `NotPlain`. The part of a line the block ends in waits for the next block."""
        window = self.tail + block
        cut = len(window) if end else window.rfind(b"\n") + 1
        lines, self.tail = window[:cut], window[cut:]
        if lines:
            if _quirky(lines):
                raise NotPlain
            try:
                text = lines.decode("utf-8")
            except UnicodeDecodeError:
                raise NotPlain from None
            self._compute(text.removesuffix("\n").split("\n"))
        return lines

    def _compute(self, lines: list[str]) -> None:
        limits, hours_of = self.limits, self.catalog.agency_hours
        p, a, r, d = self.procedure, self.agency, self.received, self.due
        moments, shaped, width = self.moments, _ROW_SHAPED.fullmatch, self.width
        out, unshaped = [], []
        for number, text in enumerate(lines, self.line):
            fields = text.removesuffix("\r").split(",")
            # Without quotes a line's fields are its commas and one: PostgreSQL refuses a
            # line with another number (a blank line among them), which the Python way reports.
            if len(fields) != width:
                raise NotPlain
            if not shaped(",".join(moments(fields))):
                unshaped.append(f"{number}\n")
                continue
            if fields[d]:
                continue
            limit = limits.get(fields[p])
            hours = hours_of.get(fields[a])
            if limit is None or hours is None:
                continue
            clock = self.clocks[hours]
            if clock is None:
                continue
            try:
                start = datetime.fromisoformat(fields[r])
            except ValueError:
                # In shape but on no calendar (30 February, 25 o'clock): the typed table's
                # cast refuses it (`check.check_typed`), and the file is read the Python way.
                continue
            # Microseconds since the epoch, which `write.resolve` turns into the moment.
            out.append(f"{number}\t{clock.add_micros(micros(start), limit)}\n")
        self.line += len(lines)
        self.spool.write("".join(out).encode())
        if unshaped:
            self.unshaped.write("".join(unshaped).encode())

    def _clock(self, hours: str) -> DueClock | None:
        try:
            return self.catalog.clock(hours)
        except ValidationFailed as refused:
            self.refused[hours] = refused
            return None

    @property
    def rows(self) -> int:
        """The rows fed so far: every line is one (`feed` proved it)."""
        return self.line - 2

    def discard(self) -> None:
        self.unshaped.close()
        self.spool.close()


# The shapes of a moment SQL takes as it is: `YYYY-MM-DDTHH:MM:SS±HH:MM`, with or without a
# fraction of six digits, ASCII digits where they go, none at 24 o'clock or a 60th second — a
# string `datetime.fromisoformat` and PostgreSQL read as the same instant, or one PostgreSQL
# refuses to cast (a day or a month no calendar has): `check_typed` then has the whole file
# read the Python way. Anything else (a space for the `T`, `Z`, another fraction) is not
# proven good here and goes to the checker, which reads it or says why not.
SHAPE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?!24)[0-9]{2}:[0-9]{2}:(?!60)[0-9]{2}(?:\.[0-9]{6})?"
    r"[+-][0-9]{2}:[0-9]{2}"
)
# A row's `MOMENT_COLUMNS` joined by commas: the reception in shape, each other empty or in
# shape. One match a row costs less than one a moment.
_ROW_SHAPED = re.compile(f"{SHAPE.pattern}(?:,(?:{SHAPE.pattern})?){{{len(MOMENT_COLUMNS) - 1}}}")


def event_hash_sql(source: str, *, reference: str, at: str, state: str) -> tuple[str, list]:
    """SQL for `audit.chain.ImportEventHash` (the same text, hashed by PostgreSQL) and its
    parameters: the JSON's constant parts, built by the same code as Python's."""
    parts = ImportEventHash(source)
    moment = f"to_char({at} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+00:00'"
    text = (
        f"%s || '\"' || {reference} || '\"' || %s || {moment} || %s || '\"' || {state} || '\"'"
        " || %s"
    )
    return (
        f"encode(sha256(convert_to({text}, 'UTF8')), 'hex')",
        [parts.head, parts.middle, parts.after_at, parts.tail],
    )


def unshaped_fill(staging: Staging, dues: Dues) -> None:
    """`COPY` the lines `dues` found out of shape into `UNSHAPED`, if any, for the check
    (`check.valid_row`, `unshaped_join`)."""
    with dues.unshaped as unshaped:
        if not unshaped.tell():  # nothing written: every line in shape
            return
        unshaped.seek(0)
        name = staging.dialect.work(UNSHAPED)
        with staging.connection.cursor() as cursor:
            # `Staging.create` dropped any left by an earlier import on this connection.
            cursor.execute(staging.dialect.create_work(UNSHAPED, "(line integer)"), [])
            with cursor.copy(f"COPY {name} (line) FROM STDIN") as copy:
                while block := unshaped.read(BLOCK):
                    copy.write(block)
            staging.dialect.analyze(cursor, name)
    staging.unshaped = True


def unshaped_join(staging: Staging) -> str:
    """The lines out of shape left-joined as `u` (`check.valid_row` asks that a row is not
    one), or nothing when there is none."""
    if not staging.unshaped:
        return ""
    return f"LEFT JOIN {staging.dialect.work(UNSHAPED)} u ON u.line = s.line"


def dues_fill(staging: Staging, dues: Dues) -> None:
    """`COPY` the due moments `dues` computed into `DUE_MOMENTS`, once the rows are checked.
    Refuses the import, as the Python pass does, when a row SQL proved good needs the
    calendar of office hours that could not be read."""
    d = staging.dialect
    due = d.work(DUE_MOMENTS)
    with staging.connection.cursor() as cursor, dues.spool as spool:
        if dues.refused:
            cursor.execute(
                f"SELECT a.{d.column(Agency, 'office_hours')} FROM {staging.name} s "
                f"{catalog_joins(staging)} WHERE s.checked = 0 AND s.vouched = 0 "
                f"AND s.due_at = '' AND s.due_computed IS NULL "
                f"AND a.{d.column(Agency, 'office_hours')} = ANY(%s) LIMIT 1",
                [list(dues.refused)],
            )
            needed = cursor.fetchone()
            if needed is not None:
                raise dues.refused[needed[0]]
        # `Staging.create` dropped any left by an earlier import on this connection.
        cursor.execute(d.create_work(DUE_MOMENTS, "(line integer, due bigint)"), [])
        spool.seek(0)
        with cursor.copy(f"COPY {due} (line, due) FROM STDIN") as copy:
            while block := spool.read(BLOCK):
                copy.write(block)
        # The typed rows join it: without statistics PostgreSQL hashes the wide staged rows
        # instead of these narrow ones.
        d.analyze(cursor, due)


def catalog_joins(staging: Staging) -> str:
    d = staging.dialect
    return (
        f"JOIN {d.table(Procedure)} p ON p.{d.column(Procedure, 'code')} = s.procedure_code "
        f"JOIN {d.table(Agency)} a ON a.{d.column(Agency, 'code')} = s.agency_code"
    )


__all__ = [
    "COLUMNS",
    "SHAPE",
    "Dues",
    "NotPlain",
    "dues_fill",
    "load_raw",
    "unshaped_fill",
    "unshaped_join",
]
