"""Which pass of `make test` this is (scripts/test.sh): SQLite, or PostgreSQL when DATABASE_URL
names a PostgreSQL cluster."""

from __future__ import annotations

import os

import pytest


def on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith("postgres")


# For a test whose processes use a SQLite file of their own (a copy of `migrated_sqlite`)
# whatever the pass: the PostgreSQL pass would run the same thing again.
sqlite_pass_only = pytest.mark.skipif(
    on_postgres(),
    reason="runs in the SQLite pass only (its processes use a SQLite database of their own)",
)
