"""Rows of a model read by one column, with the statement built once per model, column and
order instead of compiled by the ORM on every call (the compiler costs more than the read
itself). For the hot paths only: the catalog rows every online submission reads
(`dossiers.selectors.procedure_with_catalog`), and whether an agency handles a procedure.

The values pass through the same converters as an ORM read (JSON, booleans, dates), and the
instances are made by `Model.from_db`, as a queryset makes them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from django.db import connections, models

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class _Statement:
    sql: str
    attnames: list[str]
    converters: list[tuple[int, list[Callable[..., Any]], Any]]


def _column(meta: Any, name: str) -> str:
    column: str = meta.get_field(name).column
    return column


@cache
def _statement(model: type[models.Model], column: str, order: tuple[str, ...], alias: str):
    connection = connections[alias]
    quote = connection.ops.quote_name
    meta = model._meta
    fields = list(meta.concrete_fields)
    converters = []
    for index, field in enumerate(fields):
        expression = field.get_col(meta.db_table)
        own = field.get_db_converters(connection)  # type: ignore[attr-defined]
        found = connection.ops.get_db_converters(expression) + own
        if found:
            converters.append((index, found, expression))
    names = ", ".join(quote(f.column) for f in fields)
    ordering = ", ".join(quote(_column(meta, name)) for name in order)
    sql = (
        f"SELECT {names} FROM {quote(meta.db_table)} "
        f"WHERE {quote(_column(meta, column))} = %s" + (f" ORDER BY {ordering}" if ordering else "")
    )
    return _Statement(sql, [f.attname for f in fields], converters)


def rows_where(
    model: type[M], column: str, value: Any, *, order: Sequence[str] = (), using: str = "default"
) -> list[M]:
    """The instances of `model` whose `column` (a field name) equals `value`, in `order`."""
    statement = _statement(model, column, tuple(order), using)
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, [value])
        rows = cursor.fetchall()
    result = []
    for row in rows:
        values = list(row)
        for index, converters, expression in statement.converters:
            for converter in converters:
                values[index] = converter(values[index], expression, connection)
        result.append(model.from_db(using, statement.attnames, values))
    return result


def row_exists(model: type[models.Model], **equal: Any) -> bool:
    """Whether a row of `model` has these column values (field names, plain values)."""
    connection = connections["default"]
    quote = connection.ops.quote_name
    meta = model._meta
    names = sorted(equal)
    where = " AND ".join(f"{quote(_column(meta, n))} = %s" for n in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {quote(meta.db_table)} WHERE {where} LIMIT 1", [equal[n] for n in names]
        )
        return cursor.fetchone() is not None


@cache
def _insert_statement(model: type[models.Model], alias: str, rows: int):
    connection = connections[alias]
    quote = connection.ops.quote_name
    meta = model._meta
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if f is not pk or not _auto(f)]
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {', '.join([one] * rows)}"
    )
    if _auto(pk):
        sql += f" RETURNING {quote(pk.column)}"
    return sql, fields


def _auto(field: Any) -> bool:
    return bool(getattr(field, "db_returning", False))


def rows_insert(instances: Sequence[models.Model], *, using: str = "default") -> None:
    """Insert new instances of one model in one statement and set their database-made primary
    keys: what `bulk_create` does (the fields' `pre_save` — `auto_now` — and their adaptation
    for this database included; no signals, as there), with the statement built once per
    model and number of rows. Inside the caller's transaction."""
    if not instances:
        return
    model = type(instances[0])
    sql, fields = _insert_statement(model, using, len(instances))
    connection = connections[using]
    params: list[Any] = []
    for instance in instances:
        if instance.pk is not None and _auto(model._meta.pk):
            raise ValueError("rows_insert makes the keys; this instance has one.")
        instance._prepare_related_fields_for_save(  # type: ignore[attr-defined]
            operation_name="rows_insert"
        )
        values = [f.pre_save(instance, True) for f in fields]
        if any(hasattr(v, "resolve_expression") for v in values):
            # A database default or an expression: the ORM compiles it.
            model._default_manager.using(using).bulk_create(instances)
            return
        params += [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall() if _auto(model._meta.pk) else []
    for index, instance in enumerate(instances):
        if keys:
            instance.pk = keys[index][0]
        instance._state.adding = False
        instance._state.db = using
