"""On PostgreSQL a first load drops the dossier tables' indexes, foreign keys and unique
constraints and builds them again after its rows (`importer.bulk`): the schema comes back
exactly, a failure leaves it as it was, and a file smaller than the table keeps them.
(`test_import_dossiers.py` runs every import test both ways.) SQLite keeps them always."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from motcua.dossiers.importer import bulk, dossiers_import
from motcua.dossiers.importer.sql import Dialect
from motcua.dossiers.importer.write import Writer
from motcua.dossiers.models import Dossier, DossierEvent
from tests.dossiers.test_import_dossiers import OPEN, REFUSED, RETURNED, catalog, write

__all__ = ["catalog", "write"]

TABLES = ["dossiers_dossier", "dossiers_dossierevent"]
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the indexes are rebuilt on PostgreSQL only"
)


def schema() -> list[tuple]:
    """Every index and constraint of the two tables, as the database would make it again."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "UNION ALL SELECT conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = ANY(%s) ORDER BY 1, 2",
            [TABLES, TABLES],
        )
        return cursor.fetchall()


def rows(count: int, prefix: str = "B") -> list[dict]:
    kinds = (RETURNED, REFUSED, OPEN)
    return [{**kinds[n % 3], "code": f"{prefix}-{n:03d}"} for n in range(count)]


def dropped(queries: CaptureQueriesContext) -> list[str]:
    # Both tables' indexes, the dossier table's unique constraints and foreign keys.
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DROP INDEX")]


@pytest.fixture
def bulk_after(monkeypatch):
    monkeypatch.setattr(bulk, "BULK_AFTER", 1)


@postgres_only
def test_a_first_load_builds_every_index_and_key_again_as_it_was(catalog, write, bulk_after):
    before = schema()
    with CaptureQueriesContext(connection) as queries:
        report = dossiers_import(actor=None, path=write(rows(7)))

    assert (report.created, report.updated) == (7, 0)
    # The dossier table's secondary indexes were dropped (so the rows went in without them)…
    names = " ".join(dropped(queries))
    assert "dossier_agency_received" in names and "dossier_event_actor_at" in names
    altered = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ALTER TABLE")]
    assert "ALTER TABLE dossiers_dossier DROP CONSTRAINT dossier_code_unique" in altered
    assert (
        "ALTER TABLE dossiers_dossierevent DROP CONSTRAINT "
        "dossiers_dossiereven_dossier_id_90237d93_fk_dossiers_"
    ) in altered
    # …and are all back, with the same definitions.
    assert schema() == before
    assert Dossier.objects.count() == 7
    assert DossierEvent.objects.filter(action="import", seq=1).count() == 7
    # The unique code is enforced again.
    agency, procedure = catalog
    with pytest.raises(IntegrityError), transaction.atomic():
        Dossier.objects.create(
            reference="R-dup",
            code="B-000",
            procedure=procedure,
            agency=agency,
            channel="direct",
            applicant_name="Trần Thị C",
        )


@postgres_only
def test_a_file_smaller_than_the_table_keeps_its_indexes(catalog, write, bulk_after):
    dossiers_import(actor=None, path=write(rows(4, "A"), name="first.csv"))
    before = schema()

    with CaptureQueriesContext(connection) as queries:
        report = dossiers_import(actor=None, path=write(rows(3), name="second.csv"))

    assert report.created == 3
    assert dropped(queries) == []
    assert schema() == before


@postgres_only
def test_as_many_new_dossiers_as_the_table_holds_are_loaded_the_bulk_way(
    catalog, write, bulk_after
):
    dossiers_import(actor=None, path=write(rows(3, "A"), name="first.csv"))

    with CaptureQueriesContext(connection) as queries:
        # Three new, one already there (changed): three new against three held.
        changed = {**rows(1, "A")[0], "fee_amount": "300000"}
        report = dossiers_import(actor=None, path=write([changed, *rows(3)], name="second.csv"))

    assert (report.created, report.updated) == (3, 1)
    assert dropped(queries) != []
    assert Dossier.objects.get(code="A-000").fee_amount == 300000
    assert DossierEvent.objects.filter(dossier__code="A-000").count() == 2


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_failed_load_leaves_the_indexes_and_writes_nothing(
    catalog, write, bulk_after, monkeypatch
):
    before = schema()
    real = Writer._create

    def create_then_fail(self, cursor):
        real(self, cursor)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(Writer, "_create", create_then_fail)
    with pytest.raises(RuntimeError, match="the disk is full"):
        dossiers_import(actor=None, path=write(rows(5)))

    assert schema() == before
    assert Dossier.objects.count() == 0
    assert DossierEvent.objects.count() == 0


def test_the_bulk_way_is_taken_from_bulk_after_new_dossiers_up_to_the_tables_size(
    catalog, write, monkeypatch
):
    """On PostgreSQL; never on SQLite."""
    dossiers_import(actor=None, path=write(rows(5, "A")))
    dialect = Dialect(connection)
    if connection.vendor == "sqlite":
        monkeypatch.setattr(bulk, "BULK_AFTER", 1)
        with connection.cursor() as cursor:
            assert not bulk.rebuild_worth_it(cursor, dialect, Dossier, 10**6)
        return
    monkeypatch.setattr(bulk, "BULK_AFTER", 5)
    with connection.cursor() as cursor:
        taken = [bulk.rebuild_worth_it(cursor, dialect, Dossier, n) for n in (4, 5, 6)]
    assert taken == [False, True, True]

    monkeypatch.setattr(bulk, "BULK_AFTER", 1)
    with connection.cursor() as cursor:
        taken = [bulk.rebuild_worth_it(cursor, dialect, Dossier, n) for n in (1, 4, 5)]
    assert taken == [False, False, True]


@postgres_only
def test_the_rebuild_runs_only_inside_a_transaction(db):
    connection.ensure_connection()
    with connection.cursor() as cursor, pytest.raises(RuntimeError):
        # The test's own transaction is set aside to see the guard.
        connection.in_atomic_block, was = False, connection.in_atomic_block
        try:
            with bulk.indexes_rebuilt(cursor, Dialect(connection), [Dossier]):
                pass
        finally:
            connection.in_atomic_block = was
