"""A first load builds the dossier tables' indexes and foreign keys once, after its rows.

Each row written into an indexed table goes into every one of its indexes, one key at a time,
and on PostgreSQL each foreign key queues a check that the COMMIT runs row by row. Building an
index over the whole table sorts it once, and adding a foreign key checks the whole table in
one join: on PostgreSQL 15, 300,000 imported dossiers, the row-by-row way cost the dossier
insert 3.7 s of index upkeep and the COMMIT 4.8 s of checks; rebuilding every index of both
tables took 2.0 s and adding the three keys back 0.2 s (docs/performance.md). A rebuild reads
the whole table, the rows already there as well, so it pays only when the file brings at least
as many new dossiers as the table holds — a migration from another system, typically into an
empty table. Smaller imports keep the row-by-row way.

Everything happens inside the import's transaction, so a failed import leaves the indexes and
keys as they were (PostgreSQL rolls schema changes back with the rows). Dropping an index
locks its table against every other reader until the COMMIT: pages that read dossiers wait
for the import to finish (docs/howto/import-dossiers.md).

What is kept: each table's primary key (other tables' foreign keys rest on it) and a unique
constraint another table's foreign key rests on.

PostgreSQL only: on SQLite, whose foreign keys are part of a table's definition, dropping and
building again the indexes alone measured no faster (300,000 rows: 18.5 s row by row, 20.0 s
rebuilt).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model

from motcua.dossiers.importer.sql import Dialect

# Below this many new dossiers the row-by-row way is cheap enough, and no reader is locked out.
BULK_AFTER = 10_000


def rebuild_worth_it(cursor: Any, dialect: Dialect, model: type[Model], new: int) -> bool:
    """Whether `new` dossiers are at least `BULK_AFTER` and at least as many as the table
    holds (counted no further than that, so a large table costs no more than the file)."""
    if not dialect.postgres or new < BULK_AFTER:
        return False
    table = dialect.table(model)
    cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} LIMIT %s) t", [new + 1])
    return cursor.fetchone()[0] <= new


@dataclass
class _Schema:
    """What is dropped and how to make it again, in the order it is made again."""

    drops: list[str] = field(default_factory=list)
    creates: list[str] = field(default_factory=list)


@contextmanager
def indexes_rebuilt(cursor: Any, dialect: Dialect, models: list[type[Model]]) -> Iterator[None]:
    """Drop the tables' secondary indexes, foreign keys and unique constraints, run the body,
    then make them all again. PostgreSQL, inside a transaction only."""
    if not (dialect.postgres and dialect.connection.in_atomic_block):
        raise RuntimeError("indexes_rebuilt runs inside the import's transaction on PostgreSQL")
    schema = _schema(cursor, [model._meta.db_table for model in models])
    # PostgreSQL alters no table with deferred checks still queued on it (the changed
    # dossiers' events, or a referenced table written earlier in the transaction): they run
    # now, and the rest of the transaction checks each statement as it ends.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE", [])
    for statement in schema.drops:
        cursor.execute(statement, [])
    yield
    for statement in schema.creates:
        cursor.execute(statement, [])


def _schema(cursor: Any, tables: list[str]) -> _Schema:
    schema = _Schema()
    keys: list[str] = []
    uniques: list[str] = []
    indexes: list[str] = []
    # A unique constraint or index another table's foreign key rests on (`conindid`) stays.
    cursor.execute(
        """
        SELECT quote_ident(t.relname), quote_ident(c.conname), c.contype,
               pg_get_constraintdef(c.oid)
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
        WHERE t.relname = ANY(%s) AND t.relnamespace = to_regnamespace(current_schema())
          AND (c.contype = 'f' OR (c.contype = 'u' AND NOT EXISTS (
              SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.conindid = c.conindid)))
        ORDER BY t.relname, c.conname
        """,
        [tables],
    )
    for table, name, kind, definition in cursor.fetchall():
        schema.drops.append(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        made = f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"
        (keys if kind == "f" else uniques).append(made)
    cursor.execute(
        """
        SELECT quote_ident(x.relname), pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid
        WHERE t.relname = ANY(%s) AND t.relnamespace = to_regnamespace(current_schema())
          AND NOT i.indisprimary
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY t.relname, x.relname
        """,
        [tables],
    )
    for name, definition in cursor.fetchall():
        schema.drops.append(f"DROP INDEX {name}")
        indexes.append(definition)
    # The keys last: the events' key on the dossier is checked once the rows are all there.
    schema.creates = indexes + uniques + keys
    return schema
