"""`core.rows`: the hot paths' reads and inserts give what the ORM gives."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from django.apps import apps
from django.db import connection
from django.db.models.sql import InsertQuery
from django.utils import timezone

from motcua.catalog.models import FeeLine, RequiredDocument
from motcua.core.models import AuditEvent, OutboxMessage
from motcua.core.rows import (
    _as_is,
    _insert_statement,
    _params,
    row_exists,
    rows_insert,
    rows_linked,
    rows_where,
)
from motcua.dossiers.models import Channel, Dossier, DossierEvent, State
from tests.factories import (
    AgencyFactory,
    FeeLineFactory,
    ProcedureFactory,
    RequiredDocumentFactory,
)

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


def test_rows_linked_equals_the_orm_read_of_a_many_to_many_field(procedure, agency):
    # Given a procedure handled by three agencies (out of name order) and another agency not.
    linked = [
        agency,
        AgencyFactory(name="Ủy ban nhân dân phường An Cựu"),
        AgencyFactory(name="Công an"),
    ]
    procedure.agencies.set(linked)
    AgencyFactory(name="Ban quản lý khu kinh tế")

    # When they are read through the link table.
    agencies = rows_linked(procedure, "agencies", order=("name",))

    # Then they are what the ORM reads, field by field, in name order.
    expected = list(procedure.agencies.order_by("name"))
    assert [a.__dict__ | {"_state": None} for a in agencies] == [
        a.__dict__ | {"_state": None} for a in expected
    ]
    assert len(agencies) == 3
    assert rows_linked(ProcedureFactory(), "agencies") == []


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


# --- an insert sends what the ORM sends --------------------------------------------------------


def _sent(value):
    """A parameter as the driver gets it: psycopg's wrappers (Jsonb) compared by what they
    hold, and every value with its exact type (1 is not True, Int4(1) is not 1)."""
    return (type(value), getattr(value, "obj", value))


def _orm_params(instances):
    """The parameters of the INSERT the ORM compiles for each of these new instances, one
    after the other (`bulk_create`'s fields: every concrete one but a database-made key; one
    row at a time, as PostgreSQL's several-row form sends arrays of columns)."""
    meta = type(instances[0])._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk or not f.db_returning]
    params = []
    for instance in instances:
        query = InsertQuery(type(instance))
        query.insert_values(fields, [instance])
        [(_sql, row)] = query.get_compiler(using="default").as_sql()
        params += list(row)
    return params


def _dossier(procedure, agency, citizen, reference: str, at) -> Dossier:
    """A dossier as the online application leaves it: every kind of column, set and unset."""
    return Dossier(
        reference=reference,
        procedure=procedure,
        agency=agency,
        channel=Channel.ONLINE,
        state=State.SUBMITTED,
        applicant=citizen,
        applicant_name="Nguyễn Văn An",
        applicant_id_number=citizen.personal_id,
        applicant_email="an@example.vn",
        summary="Cấp Phiếu lý lịch tư pháp",
        form_data={"tên": "Huế", "copies": 1, "ok": True, "none": None, "x": 1.5},
        fee_choice={"doi_tuong": "Sinh viên"},
        fee_amount=100_000,
        created_by=citizen,
        created_at=at,
        submitted_at=at,
        registry_used=True,
        version=2,
    )


def test_an_insert_sends_the_parameters_the_orm_sends(procedure, agency, citizen):
    # Given a new dossier, its events, an audit row and a message (automatic moments frozen).
    at = timezone.now()
    dossier = _dossier(procedure, agency, citizen, "TN-1", at)
    rows_insert([dossier])
    events = [
        DossierEvent(dossier=dossier, seq=n, at=at, actor=citizen, action="create", payload={})
        for n in (1, 2)
    ]
    others = [
        [_dossier(procedure, agency, citizen, "TN-2", at)],
        events,
        [AuditEvent(actor=citizen, action="a", object_type="dossier", object_id="1", data={})],
        [OutboxMessage(topic="t", payload={"n": 1})],
    ]
    for instances in others:
        statement = _insert_statement(type(instances[0]), "default", len(instances))
        with patch("django.utils.timezone.now", return_value=at):
            ours = _params(instances, statement, connection)
            orm = _orm_params(instances)

        # Then each parameter is the ORM's, value and type.
        assert ours is not None
        assert [_sent(v) for v in ours] == [_sent(v) for v in orm]


def test_an_inserted_row_is_the_row_the_orm_writes(procedure, agency, citizen):
    # Given the same dossier written by the ORM and by `rows_insert`.
    at = timezone.now()
    by_orm = _dossier(procedure, agency, citizen, "TN-ORM", at)
    ours = _dossier(procedure, agency, citizen, "TN-OURS", at)
    with patch("django.utils.timezone.now", return_value=at):
        Dossier.objects.bulk_create([by_orm])
        rows_insert([ours])

    # Then the two stored rows are equal column by column, but for the key and the reference.
    table = Dossier._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" WHERE "id" IN (%s, %s)', [by_orm.pk, ours.pk])
        names = [c[0] for c in cursor.description]
        rows = {row[names.index("reference")]: row for row in cursor.fetchall()}
    differ = [n for n, a, b in zip(names, rows["TN-ORM"], rows["TN-OURS"], strict=True) if a != b]
    assert sorted(differ) == ["id", "reference"]


def test_the_values_written_as_they_are_are_those_the_orm_leaves_unchanged():
    # Given every column of every installed model, and values of every type.
    samples = {
        type(None): [None],
        str: ["", "x", "Huế", "0"],
        int: [0, 1, 7, 2**40],
        bool: [True, False],
    }
    checked = 0
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            as_is = _as_is(field, connection)
            # Then what the plan writes as it is, the field's own adaptation returns unchanged.
            for kind in as_is:
                for value in samples[kind]:
                    assert field.get_db_prep_save(value, connection) is value, (field, value)
                    checked += 1
    assert checked > 1000
    # And the rule is not empty where it matters: the dossier's text, flags and keys.
    rules = {f.name: _as_is(f, connection) for f in Dossier._meta.concrete_fields}
    assert {str, type(None)} <= rules["applicant_name"]
    assert bool in rules["paid_online"]
    assert int in rules["procedure"]
    assert rules["form_data"] == {type(None)}
    assert (int in rules["fee_amount"]) == (connection.vendor == "sqlite")
