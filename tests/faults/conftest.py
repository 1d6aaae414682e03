"""One prepared installation per test process, copied by each fault test that runs one."""

from __future__ import annotations

import pytest

from tests.faults.instance import Instance

CITIZENS = 6


@pytest.fixture(scope="session")
def prepared(tmp_path_factory):
    template = Instance(tmp_path_factory.mktemp("faults-template"))
    try:
        template.prepare(citizens=CITIZENS)
        yield template
    finally:
        template.close()
