from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from tests.esign.fixtures import esign_pki_dir  # noqa: F401
from tests.payments.conftest import sandbox_config
from tests.security.world import World, world_build


def _sync_key(tmp_path_factory) -> str:
    from motcua.sync.keys import sync_keygen

    path = tmp_path_factory.mktemp("sync-key") / "sync-key.pem"
    sync_keygen(path=path)
    return str(path)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, esign_pki_dir, tmp_path_factory) -> World:  # noqa: F811
    """One world per module, in a transaction rolled back at the end: each test's own
    transaction is a savepoint inside it (as Django's `TestCase.setUpTestData`), so the walks
    through the lifecycle are paid once, not once per row of the matrix. The sandbox gateway
    with a known secret and the demo PKI stay configured for the module's tests."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            MOTCUA_ESIGN_DIR=str(esign_pki_dir),
            MOTCUA_ESIGN_KEY_DIR=str(esign_pki_dir / "agencies"),
            MOTCUA_ESIGN_TRUST_ROOTS=[str(esign_pki_dir / "ca.pem")],
            MOTCUA_ESIGN_SIGNER="motcua.esign.signing.AgencyKeySigner",
            MOTCUA_PAYMENT_GATEWAYS=sandbox_config(),
            MOTCUA_PAYMENT_DEFAULT_GATEWAY="sandbox",
            # The province's signing key, which official letters are signed with (docexchange).
            MOTCUA_SYNC_KEY_FILE=_sync_key(tmp_path_factory),
        ),
    ):
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
