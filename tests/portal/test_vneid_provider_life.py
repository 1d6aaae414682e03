"""VNeID over the life of the provider, against a stand-in process of this module's own (the
shared one must not be restarted under other tests): an authorization code used after its
lifetime, and the provider rotating its signing key while the portal keeps running."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from motcua.core.audit import AuditEvent
from tests.portal.test_vneid import AN, BINH, provider_answer
from tests.standins_server import CLIENT_ID, CLIENT_SECRET, StandIns

pytestmark = pytest.mark.django_db

CODE_SECONDS = 2


@pytest.fixture(scope="module")
def provider(tmp_path_factory) -> Iterator[StandIns]:
    server = StandIns(tmp_path_factory.mktemp("vneid-life"))
    server.env["MOTCUA_STANDINS_CODE_SECONDS"] = str(CODE_SECONDS)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def portal(settings, provider: StandIns) -> StandIns:
    settings.MOTCUA_REGISTRY_BACKEND = "motcua.integration.registry.LocalRegistry"
    settings.MOTCUA_VNEID = {
        **settings.MOTCUA_VNEID,
        "issuer": provider.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    return provider


def _key_ids(provider: StandIns) -> list[str]:
    jwks = requests.get(f"{provider.issuer}/.well-known/jwks.json", timeout=5).json()
    return [key["kid"] for key in jwks["keys"]]


def test_a_code_used_after_its_lifetime_is_refused(portal, client, django_user_model):
    callback = provider_answer(client, AN)
    time.sleep(CODE_SECONDS + 1)

    response = client.get(callback)

    assert response.status_code == 400
    assert "Mã xác thực của VNeID đã hết hạn hoặc đã được dùng" in response.content.decode()
    assert not django_user_model.objects.filter(personal_id=AN).exists()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.get(action="account.vneid_failed").data == {"reason": "bad_code"}


def test_a_key_rotated_by_the_provider_is_fetched_without_restarting_the_portal(
    portal, client, django_user_model
):
    assert client.get(provider_answer(client, AN)).status_code == 302  # the JWKS is now cached
    client.logout()
    before = _key_ids(portal)

    portal.stop()
    (portal.var_dir / "standins_oidc_key.pem").unlink()
    portal.start()
    after = _key_ids(portal)
    response = client.get(provider_answer(client, BINH))

    assert len(before) == len(after) == 1
    assert before != after
    assert response.status_code == 302
    assert response["Location"] == "/ho-so-cua-toi/"
    assert django_user_model.objects.get(personal_id=BINH).vneid_verified_at is not None
    assert client.session["_auth_user_id"] == str(
        django_user_model.objects.get(personal_id=BINH).pk
    )
