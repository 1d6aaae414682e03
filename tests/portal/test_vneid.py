"""VNeID sign-in against the stand-in provider (motcua.standins, a real OpenID Connect provider
in its own process): the first sign-in makes or links the account and links the dossiers that
carry the person's ID; every failure shows a Vietnamese sentence and changes nothing."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from motcua.core.audit import AuditEvent
from motcua.directory.models import Role, User
from motcua.dossiers.lifecycle import Action, Record
from motcua.dossiers.models import Channel, Dossier, State
from motcua.dossiers.services import dossier_create
from motcua.standins.keys import DEMO_PASSCODE
from motcua.sync.message import national_message
from tests.factories import CitizenFactory, staff
from tests.walker import Walker

pytestmark = pytest.mark.django_db

AN = "046085001234"  # Nguyễn Văn An in the demo registry
BINH = "046192005678"  # Trần Thị Bình
CALLBACK = "/dang-nhap/vneid/xong/"


def _hidden_inputs(page: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*type=\"hidden\"[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = html.unescape(value.group(1) if value else "")
    return fields


def provider_answer(client, personal_id: str, *, allow: bool = True, start: str = "") -> str:
    """Plays the person at VNeID: signs in there, answers the consent page. Returns the
    portal's callback address with the provider's answer (not yet followed)."""
    response = client.get("/dang-nhap/vneid/" + start)
    assert response.status_code == 302, response.content[:500]
    browser = requests.Session()
    page = browser.get(response["Location"], timeout=10)
    assert "Đăng nhập tài khoản định danh điện tử" in page.text
    login = _hidden_inputs(page.text)
    page = browser.post(
        page.url,
        data={**login, "username": personal_id, "password": DEMO_PASSCODE},
        timeout=10,
    )
    assert "Cho phép" in page.text, page.text[:1000]
    consent = _hidden_inputs(page.text)
    if allow:
        consent["allow"] = "Đồng ý"
    answer = browser.post(page.url, data=consent, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    location = urlsplit(answer.headers["Location"])
    assert location.path == CALLBACK
    return f"{location.path}?{location.query}"


def _walk_in(reception, agency, procedure, person_id: str, name: str) -> Dossier:
    person = SimpleNamespace(full_name=name, personal_id=person_id)
    walker = Walker(
        citizen=person,
        reception=reception,
        specialist=None,
        approver=None,
        procedure=procedure,
        agency=agency,
    )
    return walker.act(walker.walk_in_draft(), Action.RECEIVE)


@pytest.fixture
def vneid(vneid_settings, settings):
    settings.MOTCUA_REGISTRY_BACKEND = "motcua.integration.registry.LocalRegistry"
    return vneid_settings


def test_first_sign_in_makes_the_account_and_links_only_that_persons_dossiers(
    vneid, client, reception, agency, procedure
):
    mine = _walk_in(reception, agency, procedure, AN, "Nguyễn Văn An")
    another = _walk_in(reception, agency, procedure, AN, "Nguyễn Văn An")
    family = _walk_in(reception, agency, procedure, BINH, "Trần Thị Bình")
    draft = dossier_create(
        actor=reception,
        procedure=procedure,
        agency=agency,
        channel=Channel.DIRECT,
        applicant_name="Nguyễn Văn An",
        applicant_id_number=AN,
    )

    response = client.get(provider_answer(client, AN))

    assert response.status_code == 302
    assert response["Location"] == "/ho-so-cua-toi/"
    user = User.objects.get(personal_id=AN)
    assert user.full_name == "Nguyễn Văn An"
    assert not user.has_usable_password()
    assert user.vneid_verified_at is not None
    assert user.citizen_profile.permanent_address.startswith("20 Phan Đình Phùng")
    assert client.session["_auth_user_id"] == str(user.pk)
    linked = Dossier.objects.filter(applicant=user).order_by("pk")
    assert [d.pk for d in linked] == [mine.pk, another.pk]
    assert all(d.vneid_verified for d in linked)
    assert [e.action for e in linked[0].events.order_by("seq")][-1] == Record.LINK_ACCOUNT
    message = national_message(linked[0], list(linked[0].events.all()), province="46")
    assert message["dossier"]["vneid_verified"] is True
    family.refresh_from_db()
    draft.refresh_from_db()
    assert (family.applicant_id, family.vneid_verified) == (None, False)
    assert (draft.applicant_id, draft.vneid_verified) == (None, False)
    event = AuditEvent.objects.get(action="account.vneid_sign_in")
    assert event.data == {"created": True, "linked": 2}

    page = client.get("/ho-so-cua-toi/")
    assert mine.public_code in page.content.decode()
    assert family.public_code not in page.content.decode()


def test_sign_in_links_the_existing_password_account_and_keeps_next(vneid, client):
    existing = CitizenFactory(username=BINH, personal_id=BINH, full_name="Trần Thị Bình")

    response = client.get(provider_answer(client, BINH, start="?next=/thu-tuc/"))

    assert response["Location"] == "/thu-tuc/"
    assert User.objects.filter(personal_id=BINH).count() == 1
    existing.refresh_from_db()
    assert existing.vneid_verified_at is not None
    assert AuditEvent.objects.get(action="account.vneid_sign_in").data == {
        "created": False,
        "linked": 0,
    }


def test_online_application_of_a_vneid_account_is_marked_verified(vneid, client, procedure, agency):
    client.get(provider_answer(client, AN))
    user = User.objects.get(personal_id=AN)
    dossier = dossier_create(
        actor=user,
        procedure=procedure,
        agency=agency,
        channel=Channel.ONLINE,
        applicant_name=user.full_name,
        applicant_id_number=AN,
    )
    assert dossier.vneid_verified is True
    password_only = CitizenFactory(username=BINH, personal_id=BINH)
    other = dossier_create(
        actor=password_only,
        procedure=procedure,
        agency=agency,
        channel=Channel.ONLINE,
        applicant_name="Trần Thị Bình",
        applicant_id_number=BINH,
    )
    assert other.vneid_verified is False


def test_denied_consent_says_so_and_creates_nothing(vneid, client):
    response = client.get(provider_answer(client, AN, allow=False))

    assert response.status_code == 400
    assert "không đồng ý chia sẻ thông tin" in response.content.decode()
    assert not User.objects.filter(personal_id=AN).exists()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.get(action="account.vneid_failed").data == {"reason": "denied"}


def test_an_answer_for_another_session_is_refused(vneid, client, django_user_model):
    callback = provider_answer(client, AN)
    query = parse_qs(urlsplit(callback).query)

    response = client.get(CALLBACK, {"code": query["code"][0], "state": "forged-state"})

    assert response.status_code == 400
    assert "Phiên đăng nhập VNeID không hợp lệ" in response.content.decode()
    assert not django_user_model.objects.filter(personal_id=AN).exists()


def test_a_replayed_code_is_refused(vneid, client, django_user_model):
    first = parse_qs(urlsplit(provider_answer(client, AN)).query)
    assert client.get(CALLBACK, {k: v[0] for k, v in first.items()}).status_code == 302
    client.logout()
    # A second flow in progress (valid state), answered with the code already spent.
    second = parse_qs(urlsplit(provider_answer(client, BINH)).query)

    response = client.get(CALLBACK, {"code": first["code"][0], "state": second["state"][0]})

    assert response.status_code == 400
    assert "đã hết hạn hoặc đã được dùng" in response.content.decode()
    assert not django_user_model.objects.filter(personal_id=BINH).exists()


def test_staff_with_the_same_personal_id_are_refused(vneid, client, agency):
    officer = staff(Role.RECEPTION, agency, username="canbo_an", personal_id=AN)

    response = client.get(provider_answer(client, AN))

    assert response.status_code == 403
    assert "Tài khoản cán bộ đăng nhập bằng tên đăng nhập" in response.content.decode()
    officer.refresh_from_db()
    assert officer.vneid_verified_at is None
    assert "_auth_user_id" not in client.session


def test_provider_down_is_a_plain_message(settings, client):
    settings.MOTCUA_VNEID = {
        **settings.MOTCUA_VNEID,
        "issuer": "http://127.0.0.1:9/vneid/o",
        "client_id": "motcua-test",
        "client_secret": "x" * 40,
        "timeout": 2,
    }
    response = client.get("/dang-nhap/vneid/")

    assert response.status_code == 503
    assert "không kết nối được với VNeID" in response.content.decode()


def test_without_an_issuer_there_is_no_vneid_button(settings, client):
    settings.MOTCUA_VNEID = {**settings.MOTCUA_VNEID, "issuer": "", "client_id": ""}

    assert "Đăng nhập bằng VNeID" not in client.get("/dang-nhap/").content.decode()
    assert client.get("/dang-nhap/vneid/").status_code == 404


def test_the_sign_in_page_offers_vneid(vneid, client):
    assert "Đăng nhập bằng VNeID" in client.get("/dang-nhap/").content.decode()


def test_a_dossier_already_linked_is_not_linked_again(vneid, client, reception, agency, procedure):
    dossier = _walk_in(reception, agency, procedure, AN, "Nguyễn Văn An")
    client.get(provider_answer(client, AN))
    client.logout()
    client.get(provider_answer(client, AN))

    dossier.refresh_from_db()
    assert list(dossier.events.filter(action=Record.LINK_ACCOUNT).values_list("seq", flat=True))
    assert dossier.events.filter(action=Record.LINK_ACCOUNT).count() == 1
    assert dossier.state == State.RECEIVED


# A man in the middle (or a broken provider) changes the ID token on its way back: the real
# flow runs against the stand-in, and only the token the portal receives is altered. Each must
# be refused with the same plain sentence and leave no account.


def _tampered(monkeypatch, standins, change) -> None:
    """The provider's real answer with its ID token rewritten by `change(header, claims)`
    and signed again — with the provider's own key unless `change` returns another one."""
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    from motcua.portal.vneid import vneid_client

    client = vneid_client()
    real_fetch = client.fetch_access_token
    provider_key = RSAKey.import_key((standins.var_dir / "standins_oidc_key.pem").read_bytes())

    def fetch(**params):
        token = real_fetch(**params)
        original = jwt.decode(token["id_token"], provider_key)
        header, claims = dict(original.header), dict(original.claims)
        key = change(header, claims) or provider_key
        token["id_token"] = jwt.encode(header, claims, key)
        return token

    monkeypatch.setattr(client, "fetch_access_token", fetch)


def _another_key():
    from joserfc.jwk import RSAKey

    return RSAKey.generate_key(2048)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda header, claims: _another_key(), id="bad-signature"),
        pytest.param(
            lambda header, claims: header.update(kid="rotated-away") or _another_key(),
            id="unknown-key",
        ),
        pytest.param(lambda header, claims: claims.update(aud="another-portal"), id="audience"),
        pytest.param(
            lambda header, claims: claims.update(iss="https://vneid.example/o"), id="issuer"
        ),
        pytest.param(lambda header, claims: claims.update(exp=claims["iat"] - 3600), id="expired"),
        pytest.param(lambda header, claims: claims.update(nonce="replayed-nonce"), id="nonce"),
    ],
)
def test_a_tampered_id_token_is_refused(vneid, client, monkeypatch, change, django_user_model):
    callback = provider_answer(client, AN)
    _tampered(monkeypatch, vneid, change)

    response = client.get(callback)

    assert response.status_code == 400
    assert "Không xác minh được thông tin đăng nhập do VNeID gửi về" in response.content.decode()
    assert not django_user_model.objects.filter(personal_id=AN).exists()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.get(action="account.vneid_failed").data == {"reason": "bad_token"}


def test_the_same_token_signed_again_with_the_providers_key_is_accepted(vneid, client, monkeypatch):
    # The control for the cases above: the rewriting alone changes nothing.
    callback = provider_answer(client, AN)
    _tampered(monkeypatch, vneid, lambda header, claims: None)

    assert client.get(callback).status_code == 302
    assert User.objects.filter(personal_id=AN, vneid_verified_at__isnull=False).exists()
