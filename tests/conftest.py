from __future__ import annotations

import pytest
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
