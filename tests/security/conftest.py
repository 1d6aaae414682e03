from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from tests.security.world import World, world_build


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    """One world per module, in a transaction rolled back at the end: each test's own
    transaction is a savepoint inside it (as Django's `TestCase.setUpTestData`), so the walks
    through the lifecycle are paid once, not once per row of the matrix."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with override_settings(
                PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
            ):
                built = world_build()
            yield built
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
