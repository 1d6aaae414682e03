"""Many rows in one statement executed for every parameter row (`executemany`), for the
catalog import: no model instance and no SQL compiled per row, which is where `bulk_create`
and above all `bulk_update` (a CASE per field per row) spend their time on thousands of rows.
Values go through each field's `get_db_prep_save`, as the ORM's own writes do."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from django.db import connection
from django.db.models import Field, Model


def _fields(model: type[Model], names: Sequence[str]) -> list[Field]:
    return [cast(Field, model._meta.get_field(name)) for name in names]


def rows_insert(model: type[Model], fields: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert `rows` (values in the order of `fields`, a foreign key by its id); how many."""
    concrete = _fields(model, fields)
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in concrete),
        ", ".join(["%s"] * len(concrete)),
    )
    params = [
        [
            field.get_db_prep_save(value, connection)
            for field, value in zip(concrete, row, strict=True)
        ]
        for row in rows
    ]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
    return len(params)


def rows_update(model: type[Model], fields: Sequence[str], objects: Sequence[Model]) -> int:
    """Write `fields` of each of `objects` to its row, by primary key; how many."""
    concrete = _fields(model, fields)
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(model._meta.db_table),
        ", ".join(f"{quote(field.column)} = %s" for field in concrete),
        quote(cast(Field, model._meta.pk).column),
    )
    params = [
        [
            *(
                field.get_db_prep_save(getattr(obj, field.attname), connection)
                for field in concrete
            ),
            obj.pk,
        ]
        for obj in objects
    ]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
    return len(params)
