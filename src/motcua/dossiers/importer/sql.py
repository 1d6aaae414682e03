"""Plain parameterised SQL for the write pass: an `INSERT` of many rows prepared from a
model's metadata, and moments as the database driver takes them."""

from __future__ import annotations

from collections.abc import Callable
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
