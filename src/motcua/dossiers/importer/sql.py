"""Plain parameterised SQL for the write pass: an `INSERT` of many rows prepared from a
model's metadata, and moments as the database driver takes them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, cast

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model


def moment_adapter(connection: BaseDatabaseWrapper) -> Callable[[datetime | None], Any]:
    """A moment as the driver takes it and gives it back from a plain cursor, so that a
    fetched row compares equal to the values that wrote it.

    On SQLite that is a naive datetime in the connection's zone (UTC), which Django's adapter
    writes as the same text as `connection.ops.adapt_datetimefield_value` and its converter
    reads back as a naive datetime; elsewhere the aware moment itself.
    """
    if connection.vendor == "sqlite":
        zone = connection.timezone

        def adapt(value: datetime | None) -> Any:
            return None if value is None else value.astimezone(zone).replace(tzinfo=None)

        return adapt
    return connection.ops.adapt_datetimefield_value


def insert_rows(cursor: Any, head: str, width: int, rows: list, tail: str = "") -> None:
    """Run `{head} VALUES (%s, …){tail}` once per row of `width` parameters, as one
    `executemany`: a prepared statement on SQLite, a pipeline with psycopg. (Multi-row
    `VALUES` was measured too: on PostgreSQL it costs twice the CPU, binding on the client.)"""
    placeholders = ", ".join(["%s"] * width)
    cursor.executemany(f"{head} VALUES ({placeholders}){tail}", rows)


class Insert:
    """`INSERT` of many rows of a model: the named fields per row, every other concrete field
    at its model default, prepared once."""

    def __init__(
        self, connection: BaseDatabaseWrapper, model: type[Model], names: tuple[str, ...], **init
    ) -> None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        prototype = model(**init)
        self.template = [
            f.get_db_prep_save(getattr(prototype, f.attname), connection) for f in fields
        ]
        self.positions = [fields.index(cast(Field, model._meta.get_field(n))) for n in names]
        quote = connection.ops.quote_name
        self.head = "INSERT INTO {} ({})".format(
            quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
        )
        self.width = len(fields)

    def params(self, values: tuple | list) -> list:
        row = self.template.copy()
        for position, value in zip(self.positions, values, strict=True):
            row[position] = value
        return row


def listed(values: Iterable[str]) -> str:
    """Values as SQL literals: only for the models' own choices, fixed identifiers."""
    return ", ".join(f"'{value}'" for value in sorted(map(str, values)))


class Dialect:
    """The few expressions the set-based steps write differently on PostgreSQL and SQLite.

    Moments arrive in the staging table as text in one shape the file reader guarantees
    (`YYYY-MM-DDTHH:MM:SS[.ffffff]±HH:MM`, see `stage.moment_text`); `moment` turns that into
    what the dossier table stores: a `timestamptz` on PostgreSQL, Django's UTC text on SQLite
    (`YYYY-MM-DD HH:MM:SS[.ffffff]`, so that an imported value compares equal to one Django
    wrote).

    Every statement built from these is run with a parameter list (possibly empty), so a
    literal `%` is written `%%` on both databases.
    """

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.quote = connection.ops.quote_name
        # PostgreSQL: the schema of this connection's own work tables (`Staging.create`),
        # or None where they are temporary tables.
        self.schema: str | None = None

    def table(self, model: type[Model]) -> str:
        return self.quote(model._meta.db_table)

    def work(self, name: str) -> str:
        """One of the import's work tables (staging, typed rows, ...), quoted: in the
        connection's own schema where it has one (`Staging.create`), else a temporary table."""
        if self.schema is None:
            return self.quote(name)
        return f"{self.quote(self.schema)}.{self.quote(name)}"

    def create_work(self, name: str, definition: str = "") -> str:
        """`CREATE … TABLE` of the work table `name`, followed by `definition` (its columns,
        or `AS SELECT …`). PostgreSQL does not log a work table (nothing of it outlives the
        import), and scans it with parallel workers, which it never does for a temporary
        table."""
        kind = "TEMP" if self.schema is None else "UNLOGGED"
        return f"CREATE {kind} TABLE {self.work(name)} {definition}"

    def analyze(self, cursor: Any, table: str) -> None:
        """PostgreSQL: gather the statistics of one of the import's work tables (quoted
        `table`), which has none until asked (autovacuum comes too late), from 3,000 sampled
        rows rather than the default 30,000. The planner needs the rows' count and the join
        keys' distinct values (a few dozen codes, or all unique), which the small sample gives
        as well; at the default a million staged rows took 0.6 s to analyze, 0.04 s so (three
        such tables an import). The session's target is back to its default afterwards (a
        failed ANALYZE inside the import's transaction takes the SET with it); one round trip,
        sent without parameters, which PostgreSQL then takes as three statements."""
        if not self.postgres:
            return
        cursor.execute(
            f"SET default_statistics_target = 10; ANALYZE {table}; RESET default_statistics_target"
        )

    def column(self, model: type[Model], name: str) -> str:
        return self.quote(cast(Field, model._meta.get_field(name)).column)

    def moment(self, text: str) -> str:
        if self.postgres:
            return f"CAST(NULLIF({text}, '') AS timestamptz)"
        # The fraction is cut before SQLite reads the moment (it keeps milliseconds, and
        # would round .9999995 up to the next second) and put back after.
        return (
            f"CASE WHEN {text} = '' THEN NULL ELSE strftime('%%Y-%%m-%%d %%H:%%M:%%S', "
            f"substr({text}, 1, 19) || substr({text}, -6)) || "
            f"CASE WHEN length({text}) = 32 THEN substr({text}, 20, 7) ELSE '' END END"
        )

    def local_day(self, moment: str) -> str:
        """The day a stored moment falls on in Viet Nam (`counters.keys.local_day`)."""
        if self.postgres:
            return f"CAST(({moment}) AT TIME ZONE 'Asia/Ho_Chi_Minh' AS date)"
        # Viet Nam has kept +07:00 since June 1975; older moments ask the zone database,
        # through the function Django registers on its SQLite connections.
        return (
            f"CASE WHEN {moment} >= '1976' THEN date({moment}, '+7 hours') "
            f"ELSE django_datetime_cast_date({moment}, 'Asia/Ho_Chi_Minh', 'UTC') END"
        )

    def digits(self, text: str, most: int) -> str:
        """`text` is 1 to `most` ASCII digits."""
        if self.postgres:
            # Not `~ '^[0-9]{1,n}$'`: a regular expression costs PostgreSQL four times as much.
            return (
                f"({text} <> '' AND length({text}) <= {most} "
                f"AND translate({text}, '0123456789', '') = '')"
            )
        return f"({text} <> '' AND length({text}) <= {most} AND {text} NOT GLOB '*[^0-9]*')"

    def clean(self, text: str) -> str:
        """`text` begins and ends with a printable ASCII character other than a space: what
        a code that needs no trimming looks like (anything else is checked in Python)."""
        if self.postgres:
            return f"({text} ~ '^[!-~](.*[!-~])?$')"
        return f"({text} GLOB '[!-~]*' AND {text} GLOB '*[!-~]')"

    def distinct(self, left: str, right: str) -> str:
        """Null-safe inequality."""
        if self.postgres:
            return f"({left} IS DISTINCT FROM {right})"
        return f"({left} IS NOT {right})"

    def flag(self, text: str) -> str:
        return f"({text} = 'true')"

    def integer(self, text: str) -> str:
        return f"CAST({text} AS {'bigint' if self.postgres else 'INTEGER'})"

    def json(self, text: str) -> str:
        return f"CAST({text} AS jsonb)" if self.postgres else text

    def types(self) -> dict[str, str]:
        if self.postgres:
            return {
                "int": "integer",
                "bigint": "bigint",
                "text": "text",
                "moment": "timestamptz",
                "flag": "boolean",
                "day": "date",
            }
        return {
            "int": "INTEGER",
            "bigint": "INTEGER",
            "text": "TEXT",
            "moment": "TEXT",
            "flag": "INTEGER",
            "day": "TEXT",
        }
