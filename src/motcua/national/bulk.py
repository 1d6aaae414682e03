"""One `INSERT … ON CONFLICT` for many rows, as cheap as each database allows, and the
statements of a batch sent to PostgreSQL together.

PostgreSQL: the rows go as one array per column (`INSERT … SELECT … FROM unnest(…)`), bound
server-side in binary — a fixed statement of a few dozen parameters whatever the number of
rows, where a `VALUES` list of 500 rows would be 20,000 placeholders for the driver to parse
and quote in Python. SQLite: a `VALUES` list, chunked under its bound on parameters.

`pipelined()` and `rows_fetch` save the round trips: every statement of a block goes out
before the first answer is awaited (psycopg's pipeline mode), so a batch costs one wait for
its reads and one for its writes instead of one per statement — on a busy machine each wait
is a turn of the scheduler for the client and for the server.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection

SQLITE_PARAMETERS = 30_000


@dataclass(frozen=True)
class Column:
    name: str
    pg_type: str  # the element type of the array it travels in
    cast: str = ""  # how the selected element becomes the column's type (JSON from text)


def _pg_connection() -> Any:
    connection.ensure_connection()
    return connection.connection


@contextmanager
def pipelined() -> Iterator[None]:
    """On PostgreSQL, the statements `rows_upsert` runs inside go out together and are
    answered together, their errors raised at the end of the block. Must run inside the
    caller's transaction. Elsewhere nothing changes."""
    if connection.vendor != "postgresql":
        yield
        return
    with _pg_connection().pipeline():
        yield


def rows_fetch(statements: Sequence[tuple[str, Sequence[Any]]]) -> list[list[tuple[Any, ...]]]:
    """PostgreSQL only: the rows of each statement, all sent in one round trip, bound
    server-side (`%b` binds an array in binary). In the caller's transaction."""
    import psycopg

    pg = _pg_connection()
    cursors = [psycopg.Cursor(pg) for _ in statements]
    try:
        with pg.pipeline():
            for cursor, (sql, params) in zip(cursors, statements, strict=True):
                cursor.execute(sql, params)
        # Every answer has arrived when the block ends; only then does each cursor know
        # whether it returned rows.
        return [cursor.fetchall() if cursor.description else [] for cursor in cursors]
    finally:
        for cursor in cursors:
            cursor.close()


# Element types whose text form needs no quoting: `str` of a Python int or bool is what
# PostgreSQL reads ("True" is a boolean to it).
_LITERAL = {"smallint", "integer", "bigint", "boolean"}


def _literal(values: list[Any]) -> str:
    """An array of integers or booleans in PostgreSQL's text form, joined in C. psycopg dumps
    an array element by element in Python (about half the receiver's driver time, the
    counters' 18 columns of numbers the most of it); this is one `join`."""
    if None in values:
        return "{" + ",".join("NULL" if v is None else str(v) for v in values) + "}"
    return "{" + ",".join(map(str, values)) + "}"


def rows_upsert(
    *,
    table: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    conflict: str,
    shared: Sequence[tuple[Column, Any]] = (),
) -> None:
    """`rows` (values in `columns` order, already adapted for the database) inserted into
    `table`, with `conflict` the clause after them: `ON CONFLICT (…) DO …`; `shared` as for
    `arrays_upsert`."""
    if rows:
        arrays_upsert(
            table=table,
            columns=columns,
            arrays=[list(values) for values in zip(*rows, strict=True)],
            conflict=conflict,
            shared=shared,
        )


def arrays_upsert(
    *,
    table: str,
    columns: Sequence[Column],
    arrays: Sequence[list[Any]],
    conflict: str,
    shared: Sequence[tuple[Column, Any]] = (),
) -> None:
    """The same as `rows_upsert` for rows given as one list per column (`columns` order, all
    of the same length): what PostgreSQL binds, without turning rows into columns. `shared`:
    columns with one value for every row (the batch, the moment), bound once."""
    if not arrays or not arrays[0]:
        return
    quote = connection.ops.quote_name
    names = ", ".join([*(quote(c.name) for c in columns), *(quote(c.name) for c, _ in shared)])
    if connection.vendor == "postgresql":
        import psycopg

        selected = ", ".join(
            [
                *(f"c{i}{c.cast}" for i, c in enumerate(columns)),
                *(f"%b::{c.pg_type}{c.cast}" for c, _ in shared),
            ]
        )
        # %b: the arrays travel in binary, no text quoting of every element; numbers and
        # flags as one array literal (%t) instead, see `_literal`.
        binds = ", ".join(
            f"%t::{c.pg_type}[]" if c.pg_type in _LITERAL else f"%b::{c.pg_type}[]" for c in columns
        )
        aliases = ", ".join(f"c{i}" for i in range(len(columns)))
        sql = (
            f"INSERT INTO {quote(table)} ({names}) SELECT {selected} "
            f"FROM unnest({binds}) AS t({aliases}) {conflict}"
        )
        # Django's own cursors bind on the client; this one binds on the server, on the same
        # connection and so in the caller's transaction.
        with psycopg.Cursor(_pg_connection()) as cursor:
            cursor.execute(
                sql,
                [
                    *(value for _, value in shared),
                    *(
                        _literal(values) if c.pg_type in _LITERAL else values
                        for c, values in zip(columns, arrays, strict=True)
                    ),
                ],
            )
        return
    values = tuple(value for _, value in shared)
    rows = [row + values for row in zip(*arrays, strict=True)]
    one = "(" + ", ".join(["%s"] * (len(columns) + len(shared))) + ")"
    per_chunk = max(1, SQLITE_PARAMETERS // (len(columns) + len(shared)))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_chunk):
            chunk = rows[start : start + per_chunk]
            cursor.execute(
                f"INSERT INTO {quote(table)} ({names}) VALUES {', '.join([one] * len(chunk))} "
                f"{conflict}",
                [value for row in chunk for value in row],
            )
