"""On SQLite an import's work tables are temporary tables: outside any transaction they go
with the connection, which the import closes (its temporary file is deleted at once, where
dropping a million rows' tables took seconds); inside the caller's transaction, or on an
in-memory database, which closing would empty, they are dropped and the connection stays
(`stage.Staging.drop`)."""

from __future__ import annotations

import pytest
from django.db import connection, connections

from motcua.dossiers.importer.sql import Dialect
from motcua.dossiers.importer.stage import Staging

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL's work tables are tests of their own"
)


def temporary_tables(wrapper) -> list[str]:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table' ORDER BY name")
        return [name for (name,) in cursor.fetchall()]


@pytest.fixture
def own_file(db, tmp_path):
    """A connection of its own to a database file, outside any transaction."""
    wrapper = type(connections["default"])(
        {**connection.settings_dict, "NAME": str(tmp_path / "own.sqlite3")}, alias="own"
    )
    yield wrapper
    wrapper.close()


def test_outside_a_transaction_the_work_tables_go_with_the_closed_connection(own_file):
    staging = Staging(Dialect(own_file))
    staging.create()
    assert temporary_tables(own_file) == ["motcua_import_staging"]
    was = own_file.connection

    staging.drop()

    assert own_file.connection is None
    # The next question opens a new connection, which has no temporary table.
    assert temporary_tables(own_file) == []
    assert own_file.connection is not was


def test_inside_the_callers_transaction_they_are_dropped_and_the_connection_stays(db):
    assert connection.in_atomic_block  # the test's own transaction
    staging = Staging(Dialect(connection))
    staging.create()
    was = connection.connection

    staging.drop()

    assert connection.connection is was
    assert temporary_tables(connection) == []
