from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connections
from django.test import override_settings
from hypothesis import settings as hypothesis_settings

from motcua.directory.models import Role
from tests.factories import AgencyFactory, CitizenFactory, ProcedureFactory, staff

pytest_plugins = ["tests.walker", "tests.standins_server"]

# Properties are checked for their results, not their speed: on a machine shared with other
# jobs one example of a pure function can take longer than Hypothesis's 200 ms deadline,
# which failed a run that was otherwise green. Speed is measured in bench/.
hypothesis_settings.register_profile("motcua", deadline=None)
hypothesis_settings.load_profile("motcua")


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite database file that `motcua migrate` made, once for the whole run: the tests
    that start `motcua` in a process of its own on a fresh SQLite file copy it into their var
    folder as `motcua.sqlite3` instead of migrating again (about 18 s each on this machine).

    Under xdist its workers share one, made by whichever asks first (the others wait on a
    lock): their base folders have the run's own folder as parent. Without xdist the run's
    folder is the base itself (its parent holds earlier runs, made by older code)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    template = root / "migrated.sqlite3"
    with (root / "migrated.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            var = root / "migrated-var"
            var.mkdir(exist_ok=True)
            env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
            env.update(MOTCUA_VAR_DIR=str(var), MOTCUA_DEMO="1")
            done = subprocess.run(
                [str(Path(sys.executable).with_name("motcua")), "migrate", "--noinput", "-v", "0"],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, f"motcua migrate: {done.stdout}{done.stderr}"
            # Renamed whole, so that no worker copies a file still being written.
            (var / "motcua.sqlite3").rename(template)
    return template


@pytest.fixture(autouse=True)
def _immediate_tasks():
    """Tasks run inline in tests so outbox delivery is observable without a worker; a fast
    password hasher, since PBKDF2 would cost a second for every few users a test makes."""
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        PASSWORD_HASHERS=[
            "django.contrib.auth.hashers.MD5PasswordHasher",
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ],
    ):
        yield


@pytest.fixture
def replica_on(settings):
    """Leaders' reads go to the "replica" alias (tests/settings.py: a second connection to the
    test database). Its connection is closed afterwards: otherwise it stays open into the
    tests after, until a request's end happens to close it."""
    settings.MOTCUA_READ_REPLICA = True
    yield settings
    connections["replica"].close()


@pytest.fixture
def agency(db):
    return AgencyFactory(code="000.00.11.H99", name="Sở Tư pháp thử nghiệm")


@pytest.fixture
def other_agency(db):
    return AgencyFactory(code="000.00.12.H99", name="Sở Xây dựng thử nghiệm")


@pytest.fixture
def procedure(agency):
    return ProcedureFactory(code="2.000488", name="Cấp Phiếu lý lịch tư pháp", agencies=[agency])


@pytest.fixture
def reception(agency):
    return staff(Role.RECEPTION, agency, username="motcua_reception")


@pytest.fixture
def specialist(agency):
    return staff(Role.SPECIALIST, agency, username="motcua_specialist")


@pytest.fixture
def approver(agency):
    return staff(Role.APPROVER, agency, username="motcua_approver")


@pytest.fixture
def citizen(db):
    return CitizenFactory(username="001090000001", personal_id="001090000001")
