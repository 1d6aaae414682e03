"""On PostgreSQL an import's work tables (staging, typed rows, due moments, ...) are unlogged
tables in a schema of the connection's own, which the next import drops if its connection is
gone; the new dossiers' ids are a block taken from the table's sequence while no one else
draws from it. A database user who may not create a schema, or does not own the sequence,
imports the same file with temporary tables and ids drawn one by one (`stage.Staging`,
`write.ids_reserve`)."""

from __future__ import annotations

import os

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from motcua.dossiers.importer import dossiers_import
from motcua.dossiers.importer.sql import Dialect
from motcua.dossiers.importer.stage import Staging
from motcua.dossiers.importer.write import ids_reserve
from motcua.dossiers.models import Dossier, DossierEvent
from tests.dossiers.test_import_dossiers import OPEN, catalog, write

__all__ = ["catalog", "write"]

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="work schemas and id blocks are PostgreSQL's"
)
# No process has this id (Linux allots at most 2^22).
GONE = "motcua_import_999999999"


def schemas() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'motcua\\_import\\_%%' "
            "ORDER BY nspname"
        )
        return [name for (name,) in cursor.fetchall()]


def last_id() -> int:
    """The dossier sequence's last value given out (0 before the first)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END "
            "FROM dossiers_dossier_id_seq"
        )
        return cursor.fetchone()[0]


def statements(queries: CaptureQueriesContext, start: str) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith(start)]


def files(write, codes) -> object:
    return write([{**OPEN, "code": code} for code in codes])


def test_the_work_tables_are_unlogged_in_the_connections_own_schema_and_go_with_it(catalog, write):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own = f"motcua_import_{cursor.fetchone()[0]}"

    with CaptureQueriesContext(connection) as queries:
        report = dossiers_import(actor=None, path=files(write, ["K-2", "K-1"]))

    assert (report.created, report.updated) == (2, 0)
    assert statements(queries, "DROP SCHEMA")[0] == (
        f'DROP SCHEMA IF EXISTS "{own}" CASCADE; CREATE SCHEMA "{own}"'
    )
    made = statements(queries, "CREATE ")
    assert [sql.split(" (")[0].split(" AS ")[0] for sql in made] == [
        f'CREATE UNLOGGED TABLE "{own}"."motcua_import_staging"',
        f'CREATE UNLOGGED TABLE "{own}"."motcua_import_due"',
        f'CREATE UNLOGGED TABLE "{own}"."motcua_import_new"',
        # The counters' sums, a few rows, stay a temporary table.
        'CREATE TEMP TABLE "motcua_import_counts"',
    ]
    assert statements(queries, "DROP SCHEMA")[-1] == f'DROP SCHEMA IF EXISTS "{own}" CASCADE'
    assert schemas() == []


def test_a_schema_left_by_a_connection_that_is_gone_is_dropped_a_live_ones_is_kept(catalog, write):
    with connection.cursor() as cursor:
        # The checkpointer lives as long as the server.
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")
        live = f"motcua_import_{cursor.fetchone()[0]}"
        for name in (GONE, live):
            cursor.execute(f'CREATE SCHEMA "{name}"')
            cursor.execute(f'CREATE UNLOGGED TABLE "{name}"."motcua_import_staging" (line int)')

    report = dossiers_import(actor=None, path=files(write, ["K-1"]))

    assert report.created == 1
    assert schemas() == [live]


def test_the_new_dossiers_ids_are_a_block_no_other_writer_draws_from(catalog, write):
    before = last_id()

    dossiers_import(actor=None, path=files(write, ["K-3", "K-1", "K-2"]))

    ids = list(Dossier.objects.order_by("code").values_list("pk", flat=True))
    # The block follows the sequence's last value, in code order here (row by row).
    assert ids == [before + 1, before + 2, before + 3]
    events = DossierEvent.objects.filter(action="import").order_by("dossier__code")
    assert [e.dossier_id for e in events] == ids
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('dossiers_dossier_id_seq')")
        assert cursor.fetchone()[0] == before + 4


@pytest.mark.django_db(transaction=True)
def test_while_the_block_is_taken_another_writer_waits_then_draws_after_it(catalog):
    staging = Staging(Dialect(connection))
    other = psycopg.connect(**connection.get_connection_params(), autocommit=True)
    try:
        other.execute("SET lock_timeout = '200ms'")
        with transaction.atomic():
            ids_reserve(staging, 5)
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("SELECT nextval('dossiers_dossier_id_seq')")
        # Taken outside any transaction, the block is the sequence's at once.
        ids_reserve(staging, 4)
        drawn = other.execute("SELECT nextval('dossiers_dossier_id_seq')").fetchone()[0]
    finally:
        other.close()
    # The block runs from the offset plus one (the first row's rank) to plus four.
    assert drawn == staging.id_offset + 4 + 1


def test_a_user_who_may_not_create_a_schema_nor_alter_the_sequence_imports_alike(catalog, write):
    role = f"motcua_test_importer_{os.getpid()}"
    path = files(write, ["K-3", "K-1", "K-2"])
    before = last_id()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role}")
        cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
        cursor.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
        cursor.execute(f"SET ROLE {role}")

    with CaptureQueriesContext(connection) as queries:
        report = dossiers_import(actor=None, path=path)

    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    assert (report.created, report.updated) == (3, 0)
    assert statements(queries, "CREATE SCHEMA") == []
    assert statements(queries, "ALTER SEQUENCE") == []
    assert [sql.split(" (")[0].split(" AS ")[0] for sql in statements(queries, "CREATE ")] == [
        'CREATE TEMP TABLE "motcua_import_staging"',
        'CREATE TEMP TABLE "motcua_import_due"',
        'CREATE TEMP TABLE "motcua_import_new"',
        'CREATE TEMP TABLE "motcua_import_counts"',
    ]
    ids = list(Dossier.objects.order_by("code").values_list("pk", flat=True))
    assert ids == [before + 1, before + 2, before + 3]
    assert schemas() == []
