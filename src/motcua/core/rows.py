"""Rows of a model read by one column, and new rows inserted, with the statement built once
per model (and column, order or number of rows) instead of compiled by the ORM on every call
(the compiler costs more than the read or the insert itself). For the hot paths only: the
catalog rows every online submission reads (`dossiers.selectors.procedure_with_catalog`:
fee lines, required documents, the agencies linked to the procedure), and the rows every
change of a dossier inserts.

The values pass through the same converters as an ORM read (JSON, booleans, dates), and the
instances are made by `Model.from_db`, as a queryset makes them. An insert sends the
parameters the ORM would send: each field's `pre_save` and `get_db_prep_save`, skipped only
for the values that adaptation returns as they are (`_as_is`).

On PostgreSQL each statement is a round trip to the server, and on a busy machine each wait
is a turn of the scheduler for the client and the server: `rows_read` sends several reads
together, and inside `rows_pipelined()` the inserts go out together (psycopg's pipeline mode)
and are answered at the end of the block. A key the database makes is then known only at the
end of the block: a row whose key a later row or payload in the block names has it reserved
first (`rows_keys_reserve`, one statement for every model). SQLite runs each statement as it
comes, in the process: nothing to save there, and these change nothing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from django.db import connections, models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import fields
from django.db.models.fields.related import ForeignKey

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class _Statement:
    sql: str
    attnames: list[str]
    converters: list[tuple[int, list[Callable[..., Any]], Any]]


def _column(meta: Any, name: str) -> str:
    column: str = meta.get_field(name).column
    return column


def _select(model: type[models.Model], where: str, order: tuple[str, ...], alias: str):
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
    sql = f"SELECT {names} FROM {quote(meta.db_table)} WHERE {where}" + (
        f" ORDER BY {ordering}" if ordering else ""
    )
    return _Statement(sql, [f.attname for f in fields], converters)


@cache
def _statement(model: type[models.Model], column: str, order: tuple[str, ...], alias: str):
    quote = connections[alias].ops.quote_name
    return _select(model, f"{quote(_column(model._meta, column))} = %s", order, alias)


@cache
def _linked_statement(model: type[models.Model], name: str, order: tuple[str, ...], alias: str):
    """The rows a many-to-many field of `model` links to one of its rows: those whose key is
    among the link table's targets for it (the link table holds each pair once)."""
    quote = connections[alias].ops.quote_name
    field = model._meta.get_field(name)
    target = field.related_model
    links = (
        f"SELECT {quote(field.m2m_reverse_name())} "  # type: ignore[union-attr]
        f"FROM {quote(field.remote_field.through._meta.db_table)} "  # type: ignore[union-attr]
        f"WHERE {quote(field.m2m_column_name())} = %s"  # type: ignore[union-attr]
    )
    where = f"{quote(target._meta.pk.column)} IN ({links})"  # type: ignore[union-attr]
    return _select(target, where, order, alias)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Read:
    """One read for `rows_read`: the rows of `model` that `statement` selects for `value`."""

    model: type[models.Model]
    statement: _Statement
    value: Any


def where(model: type[M], column: str, value: Any, *, order: Sequence[str] = ()) -> Read:
    """The read of the instances of `model` whose `column` (a field name) equals `value`, in
    `order` (on the default database)."""
    return Read(model, _statement(model, column, tuple(order), "default"), value)


def linked(instance: models.Model, name: str, *, order: Sequence[str] = ()) -> Read:
    """The read of the instances the many-to-many field `name` of `instance` links it to, in
    `order` (field names of theirs): what `getattr(instance, name).order_by(*order)` reads."""
    model = type(instance)
    target = model._meta.get_field(name).related_model
    statement = _linked_statement(model, name, tuple(order), "default")
    return Read(target, statement, instance.pk)  # type: ignore[arg-type]


def rows_read(*reads: Read) -> list[list[Any]]:
    """The instances each read selects, in the order asked; on PostgreSQL every statement is
    sent before the first answer is awaited (one wait for all of them)."""
    connection = connections["default"]
    cursors = [connection.cursor() for _ in reads]
    try:
        with _pipeline(connection, len(reads) > 1):
            for cursor, read in zip(cursors, reads, strict=True):
                cursor.execute(read.statement.sql, [read.value])
        return [
            _instances(read.model, read.statement, cursor.fetchall(), connection)
            for cursor, read in zip(cursors, reads, strict=True)
        ]
    finally:
        for cursor in cursors:
            cursor.close()


def _instances(model: type[M], statement: _Statement, rows: list, connection: Any) -> list[M]:
    result = []
    for row in rows:
        values = list(row)
        for index, converters, expression in statement.converters:
            for converter in converters:
                values[index] = converter(values[index], expression, connection)
        result.append(model.from_db(connection.alias, statement.attnames, values))
    return result


def rows_where(model: type[M], column: str, value: Any, *, order: Sequence[str] = ()) -> list[M]:
    """The instances of `model` whose `column` (a field name) equals `value`, in `order`."""
    return rows_read(where(model, column, value, order=order))[0]


def rows_linked(instance: models.Model, name: str, *, order: Sequence[str] = ()) -> list[Any]:
    """The instances the many-to-many field `name` of `instance` links it to, in `order`
    (field names of theirs): what `getattr(instance, name).order_by(*order)` reads."""
    return rows_read(linked(instance, name, order=order))[0]


@contextmanager
def _pipeline(connection: Any, wanted: bool = True) -> Iterator[None]:
    """psycopg's pipeline mode on a PostgreSQL connection, an error of the block's statements
    raised at its end as Django raises it (`IntegrityError`, …); elsewhere nothing."""
    if not wanted or connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


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


_NONE = type(None)
_DJANGO_FIELDS = "django.db.models.fields"  # and its modules: json, related, files


def _as_is(field: Any, connection: Any) -> frozenset[type]:
    """The exact types of value that `field.get_db_prep_save` returns unchanged on this
    connection, read off the Django code it runs: a field class that overrides any step of
    the adaptation (or a database that adapts a type) has every value adapted by the field.

    - None: Django's own fields adapt None to None (a JSONField, a foreign key: at once).
    - a str into a text field (CharField, TextField and their subclasses): `to_python` keeps
      a str; a bool into a BooleanField, likewise;
    - an int into an integer field where the database takes ints as they are (SQLite;
      psycopg 3 wraps them by size), and into a foreign key whose target is an automatic
      key (`int(value)` of an int, no adaptation).

    tests/core/test_rows.py checks the rule on every field of every installed model."""
    kind, ops = type(field), type(connection.ops)
    steps = ("get_db_prep_save", "get_db_prep_value", "get_prep_value", "to_python")
    if not all(getattr(kind, step).__module__.startswith(_DJANGO_FIELDS) for step in steps):
        return frozenset()
    types: set[type] = {_NONE}
    if isinstance(field, ForeignKey):
        target = field.target_field
        automatic = (
            type(target).get_db_prep_value is fields.AutoField.get_db_prep_value
            and type(target).get_prep_value is fields.IntegerField.get_prep_value
            and type(target).get_db_prep_save is fields.Field.get_db_prep_save
            and ops.validate_autopk_value is BaseDatabaseOperations.validate_autopk_value
        )
        if kind.get_db_prep_save is ForeignKey.get_db_prep_save and automatic:
            types.add(int)
        return frozenset(types)
    plain = (
        kind.get_db_prep_save is fields.Field.get_db_prep_save
        and kind.get_db_prep_value is fields.Field.get_db_prep_value
    )
    text = (fields.CharField, fields.TextField)
    if (
        plain
        and kind.get_prep_value in [c.get_prep_value for c in text]
        and kind.to_python in [c.to_python for c in text]
    ):
        types.add(str)
    if (
        plain
        and kind.get_prep_value is fields.BooleanField.get_prep_value
        and kind.to_python is fields.BooleanField.to_python
    ):
        types.add(bool)
    if (
        kind.get_db_prep_save is fields.Field.get_db_prep_save
        and kind.get_db_prep_value is fields.IntegerField.get_db_prep_value
        and kind.get_prep_value is fields.IntegerField.get_prep_value
        and ops.adapt_integerfield_value is BaseDatabaseOperations.adapt_integerfield_value
    ):
        types.add(int)
    return frozenset(types)


@dataclass(frozen=True)
class _Insert:
    sql: str
    # PostgreSQL: the same with numbered parameters ($1, $2, …), sent as it is (`_send`).
    numbered: str | None
    # Per column: its field, the attribute to read where the field's `pre_save` is only that
    # (else None: `pre_save` runs, as for `auto_now`), the types written as they are.
    plan: list[tuple[Any, str | None, frozenset[type]]]


@cache
def _insert_statement(
    model: type[models.Model], alias: str, rows: int, keyed: bool = False
) -> _Insert:
    """`keyed`: the instances carry keys reserved from the database's sequence
    (`rows_keys_reserve`), written as any column; else the database makes them and returns
    them."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    meta = model._meta
    pk = meta.pk
    columns = [f for f in meta.concrete_fields if keyed or f is not pk or not _auto(f)]
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in columns)}) "
        f"VALUES {', '.join([one] * rows)}"
    )
    if _auto(pk) and not keyed:
        sql += f" RETURNING {quote(pk.column)}"
    plan = [
        (
            f,
            f.attname if type(f).pre_save is fields.Field.pre_save else None,
            _as_is(f, connection),
        )
        for f in columns
    ]
    numbered = None
    if connection.vendor == "postgresql":
        pieces = sql.split("%s")
        assert "%" not in "".join(pieces)  # quoted names and placeholders only
        numbered = pieces[0] + "".join(f"${n}{piece}" for n, piece in enumerate(pieces[1:], 1))
    return _Insert(sql, numbered, plan)


def _auto(field: Any) -> bool:
    return bool(getattr(field, "db_returning", False))


def _params(instances: Sequence[models.Model], statement: _Insert, connection: Any) -> list | None:
    """The statement's parameters: each column's `pre_save` value adapted for this database
    as the ORM adapts it (`get_db_prep_save`), except the values it would return unchanged;
    None when a value is an expression (the ORM compiles those)."""
    params: list[Any] = []
    append = params.append
    for instance in instances:
        instance._prepare_related_fields_for_save(  # type: ignore[attr-defined]
            operation_name="rows_insert"
        )
        for field, attname, as_is in statement.plan:
            value = getattr(instance, attname) if attname else field.pre_save(instance, True)
            if type(value) not in as_is:
                if hasattr(value, "resolve_expression"):
                    return None
                value = field.get_db_prep_save(value, connection)
            append(value)
    return params


# Marks an instance whose key `rows_keys_reserve` drew (its row not yet written).
_RESERVED = "_motcua_key_reserved"
# On a connection inside `rows_pipelined()`: the inserts whose database-made keys are read
# when the block ends.
_WAITING = "_motcua_rows_waiting"


def rows_keys_reserve(*groups: Sequence[models.Model], using: str = "default") -> None:
    """On PostgreSQL, draw from their sequences the keys of new instances (of models with a
    database-made key, one model a group) in one statement, and set them, in each group's
    order: inside `rows_pipelined()` the rows and payloads that name them are then built
    without waiting for the inserts. The key is the one the INSERT would have drawn from
    the same sequence. Elsewhere nothing: `rows_insert` sets the keys as it writes."""
    connection = connections[using]
    groups = tuple(group for group in groups if group)
    if connection.vendor != "postgresql" or not groups:
        return
    quote = connection.ops.quote_name
    parts: list[str] = []
    params: list[Any] = []
    for group in groups:
        pk = type(group[0])._meta.pk
        if not _auto(pk) or any(instance.pk is not None for instance in group):
            raise ValueError("Only new instances of a model with a database-made key.")
        parts.append(
            "ARRAY(SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s))"
        )
        params += [quote(type(group[0])._meta.db_table), pk.column, len(group)]  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        drawn = cursor.fetchone()
    assert drawn is not None  # one row: the arrays
    for group, keys in zip(groups, drawn, strict=True):
        for instance, key in zip(group, sorted(keys), strict=True):
            instance.pk = key
            setattr(instance, _RESERVED, True)


@contextmanager
def rows_pipelined(using: str = "default") -> Iterator[None]:
    """On PostgreSQL, the statements run inside (`rows_insert`'s and any other) go out
    together and are answered at the end of the block, one wait instead of one each; the
    keys the database makes for `rows_insert`'s rows are set then, and an error of any
    statement is raised then, as Django raises it. A read inside waits for its answer (and
    the statements before it). Inside the caller's transaction: a failure rolls it back
    whole. Elsewhere, and nested, nothing changes."""
    connection = connections[using]
    if connection.vendor != "postgresql" or hasattr(connection, _WAITING):
        yield
        return
    waiting: list[tuple[Any, Sequence[models.Model]]] = []
    setattr(connection, _WAITING, waiting)
    try:
        with _pipeline(connection):
            yield
        for cursor, instances in waiting:
            _keys_set(instances, cursor.fetchall(), using)
    finally:
        delattr(connection, _WAITING)
        for cursor, _ in waiting:
            cursor.close()


def rows_insert(instances: Sequence[models.Model], *, using: str = "default") -> None:
    """Insert new instances of one model in one statement and set their database-made primary
    keys: what `bulk_create` does (the fields' `pre_save` — `auto_now` — and their adaptation
    for this database included; no signals, as there), with the statement and the plan of
    each column's adaptation built once per model and number of rows. Keys reserved by
    `rows_keys_reserve` are written as they are; inside `rows_pipelined()` the others are
    set when the block ends. Inside the caller's transaction."""
    if not instances:
        return
    model = type(instances[0])
    automatic = _auto(model._meta.pk)
    keyed = automatic and all(getattr(instance, _RESERVED, False) for instance in instances)
    if automatic and not keyed and any(instance.pk is not None for instance in instances):
        raise ValueError("rows_insert makes the keys; this instance has one.")
    statement = _insert_statement(model, using, len(instances), keyed)
    connection = connections[using]
    params = _params(instances, statement, connection)
    if params is None:
        # A database default or an expression: the ORM compiles it.
        if keyed:
            for instance in instances:
                delattr(instance, _RESERVED)
        model._default_manager.using(using).bulk_create(instances)
        return
    returning = automatic and not keyed
    if statement.numbered is None:
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, params)
            keys = cursor.fetchall() if returning else []
        _keys_set(instances, keys, using)
        return
    cursor = _send(connection, statement, params)
    waiting = getattr(connection, _WAITING, None)
    if returning and waiting is not None:
        # In the pipeline: the keys are read when the block ends.
        waiting.append((cursor, instances))
        return
    try:
        with connection.wrap_database_errors:
            keys = cursor.fetchall() if returning else []
    finally:
        cursor.close()
    _keys_set(instances, keys, using)


def _send(connection: Any, statement: _Insert, params: list) -> Any:
    """PostgreSQL: execute an insert on a cursor of psycopg's own, its parameters bound by
    the server, and return the cursor. Django's cursor binds on the client: it parses the
    statement for its placeholders on every call (psycopg caches that only for statements of
    at most 50 parameters; the dossier's has 54) and quotes each value in Python — with the
    making of the cursor, about a fifth of a submission's CPU. The values are the ones
    Django adapted for this connection (`_params`), dumped by the same adapters; Django
    binds on the server too when asked (`server_side_binding`). Never prepared: behind
    pgbouncer's transaction pooling a prepared statement would be on another connection.
    An error is raised as Django raises it; the statement is kept in `connection.queries`
    as Django's cursor keeps it (tests, the debug page)."""
    import psycopg

    connection.ensure_connection()
    cursor = psycopg.RawCursor(connection.connection)
    logged = connection.queries_logged
    started = time.monotonic() if logged else 0.0
    try:
        with connection.wrap_database_errors:
            cursor.execute(statement.numbered or "", params, prepare=False)
    except BaseException:
        cursor.close()
        raise
    if logged:
        connection.queries_log.append(
            {
                "sql": connection.ops.compose_sql(statement.sql, params),
                "time": f"{time.monotonic() - started:.3f}",
            }
        )
    return cursor


def _keys_set(instances: Sequence[models.Model], keys: list, using: str) -> None:
    for index, instance in enumerate(instances):
        if keys:
            instance.pk = keys[index][0]
        if hasattr(instance, _RESERVED):
            delattr(instance, _RESERVED)
        instance._state.adding = False
        instance._state.db = using
