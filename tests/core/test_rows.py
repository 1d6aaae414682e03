"""`core.rows`: the hot paths' reads and inserts give what the ORM gives."""

from __future__ import annotations

import pytest

from motcua.catalog.models import FeeLine, RequiredDocument
from motcua.core.models import AuditEvent, OutboxMessage
from motcua.core.rows import row_exists, rows_insert, rows_where
from tests.factories import FeeLineFactory, RequiredDocumentFactory

pytestmark = pytest.mark.django_db


def test_rows_where_equals_the_orm_read_converted_and_in_order(procedure):
    # Given two documents out of position order, one with JSON and a flag set.
    RequiredDocumentFactory(procedure=procedure, position=2, name="Hai")
    RequiredDocumentFactory(
        procedure=procedure,
        position=1,
        name="Một",
        optional=True,
        accepts_results_of=["1.001193"],
    )
    FeeLineFactory(procedure=procedure, amount=50_000)

    # When they are read by the procedure.
    documents = rows_where(RequiredDocument, "procedure", procedure.pk, order=("position", "id"))

    # Then they are what the ORM reads, field by field, in position order.
    expected = list(RequiredDocument.objects.filter(procedure=procedure).order_by("position"))
    assert [d.__dict__ | {"_state": None} for d in documents] == [
        d.__dict__ | {"_state": None} for d in expected
    ]
    assert (documents[0].optional, documents[0].accepts_results_of) == (True, ["1.001193"])
    assert [f.amount for f in rows_where(FeeLine, "procedure", procedure.pk)] == [50_000]
    assert rows_where(FeeLine, "procedure", procedure.pk + 1000) == []


def test_row_exists_by_columns(procedure, agency):
    through = procedure.agencies.through
    assert row_exists(through, procedure=procedure.pk, agency=agency.pk) == (
        procedure.agencies.filter(pk=agency.pk).exists()
    )
    assert row_exists(through, procedure=procedure.pk, agency=agency.pk + 1000) is False


def test_rows_insert_sets_the_keys_and_the_automatic_fields():
    # When three messages are inserted in one statement.
    messages = [OutboxMessage(topic="t", payload={"n": n, "tên": "Huế"}) for n in range(3)]
    rows_insert(messages)

    # Then each has its key, its creation moment, and reads back as written.
    stored = {m.pk: m for m in OutboxMessage.objects.filter(pk__in=[m.pk for m in messages])}
    assert [stored[m.pk].payload for m in messages] == [{"n": n, "tên": "Huế"} for n in range(3)]
    assert all(m.created_at == stored[m.pk].created_at for m in messages)
    assert all(not m._state.adding for m in messages)

    # And an instance that already has a key is refused.
    with pytest.raises(ValueError):
        rows_insert([AuditEvent(pk=messages[0].pk, action="x", object_type="y")])
