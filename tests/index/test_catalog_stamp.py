"""The catalog's stamp on PostgreSQL: written once per transaction however many statements
write the catalog (migration 0008), yet a new token after each of them."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from motcua.catalog.models import RequiredDocument
from motcua.index.engine import catalog_token
from tests.factories import ProcedureFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's row triggers update the row in place"
)


def _stamp_writes() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_ins + n_tup_upd FROM pg_stat_xact_user_tables "
            "WHERE relname = 'index_catalogstamp'"
        )
        return cursor.fetchone()[0]


def test_many_statements_write_the_stamp_row_once(db):
    procedure = ProcedureFactory()
    written = _stamp_writes()
    tokens = {catalog_token()}

    # One statement per row, as the import's `executemany` writes: 200 statements.
    for n in range(200):
        RequiredDocument.objects.create(procedure=procedure, position=n + 10, name=f"Giấy {n}")
        tokens.add(catalog_token())

    assert _stamp_writes() == written
    assert len(tokens) == 201


def test_a_rolled_back_savepoint_gives_back_the_token_of_the_data(db):
    procedure = ProcedureFactory()
    before = catalog_token()

    with pytest.raises(RuntimeError), transaction.atomic():
        procedure.agencies.clear()
        RequiredDocument.objects.filter(procedure=procedure).delete()
        assert catalog_token() != before
        raise RuntimeError

    assert catalog_token() == before
    ProcedureFactory()
    assert catalog_token() != before


def test_a_new_transaction_writes_a_new_token(transactional_db):
    before = catalog_token()
    with transaction.atomic():
        ProcedureFactory()
    after = catalog_token()

    assert after != before
    # Outside the writing transaction nothing is counted: the token is the row's alone.
    assert after is not None and after.endswith(":")
