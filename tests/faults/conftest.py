"""One prepared installation per test process, copied by each fault test that runs one."""

from __future__ import annotations

import shutil

import pytest

from tests.faults.instance import Instance, on_postgres

CITIZENS = 6


@pytest.fixture(scope="session")
def prepared(tmp_path_factory, request):
    template = Instance(tmp_path_factory.mktemp("faults-template"))
    if not on_postgres():
        # The run's migrated file: the preparation's own `migrate` then has nothing to do.
        # Asked for here only: the PostgreSQL pass need not make it.
        shutil.copy(request.getfixturevalue("migrated_sqlite"), template.var / "motcua.sqlite3")
    try:
        template.prepare(citizens=CITIZENS)
        yield template
    finally:
        template.close()
