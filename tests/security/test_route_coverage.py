"""Every state-changing route of the code (routes.py: every page whose view accepts POST, every
API operation that is not a read) has a row in the route matrix or a reasoned exemption here,
and every exemption names a route that still exists: a new route without either fails this
test until someone decides who may post to it.

The exemptions are of four sorts, each proved where it is made:
- pages with no method list that only read: a POST by a signed-in user answers as the page
  does and changes no table (`test_a_post_to_a_page_that_only_reads_changes_nothing`);
- the Django admin, with its own per-model permissions for staff accounts only: anonymous
  visitors and signed-in users without `is_staff` are sent to its sign-in and nothing changes
  (`test_the_admin_sends_everyone_without_staff_status_to_sign_in`);
- public forms by design (signing in and up, the second factor, checking a signed result);
- requests from other systems, authenticated by a signature checked in their own tests (the
  payment gateway's notification, the national portal's sync).

It also holds that every change of state the lifecycle allows is carried by a row's page or
named in `rows.NO_PAGE` with the reason no page offers it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import override_settings

from motcua.directory.models import Role, User
from motcua.dossiers.lifecycle.table import TABLE
from motcua.dossiers.models import DossierDocument, State
from tests.factories import UserFactory
from tests.security.routes import ANY, state_changing_routes
from tests.security.rows import NO_PAGE
from tests.security.test_route_matrix import ROWS
from tests.security.world import HOME, World, changed_tables, client_for, fingerprint
from tests.security.world_other import ANSWERED_PETITION

ONLY_READS = "no method list, and it only reads: a POST changes no table (proved below)"

# route → (address, who posts, the page's answer): who may read the page, so that the POST
# goes as far into the view as a GET does.
Reader = Callable[[World], User | None]
READ_ONLY: dict[str, tuple[Callable[[World], str], Reader, int]] = {}


def _reads(route: str, url: Callable[[World], str], reader: Reader, status: int = 200) -> None:
    READ_ONLY[route] = (url, reader, status)


def _leader(world: World) -> User:
    return world.officer(HOME, Role.LEADER)


def _owner(world: World) -> User:
    return world.owner


def _officer(world: World) -> User:
    return world.officer(HOME, Role.RECEPTION)


def _code(state: str) -> Callable[[World], str]:
    return lambda world: world.dossier(state).public_code


def _owner_document(world: World) -> str:
    dossier = world.dossier(State.DRAFT)
    document = DossierDocument.objects.filter(dossier=dossier).order_by("pk").first()
    assert document is not None
    return f"/ho-so-cua-toi/{dossier.public_code}/tai-lieu/{document.pk}/"


_reads("favicon", lambda w: "/favicon.ico", _officer, 301)
_reads("index:dashboard", lambda w: "/chi-so/", _leader)
_reads("index:ranking", lambda w: "/chi-so/xep-hang/", _leader)
_reads("index:public", lambda w: "/chi-so/cong-khai/", _officer)
_reads("index:indicator", lambda w: "/chi-so/chi-tieu/on_time/", _leader)
_reads("index:dossier", lambda w: f"/chi-so/ho-so/{_code(State.RETURNED)(w)}/", _leader)
_reads("index:officer", lambda w: f"/chi-so/can-bo/{w.officer(HOME, Role.SPECIALIST).pk}/", _leader)
_reads("index:responsibility", lambda w: "/chi-so/trach-nhiem/", _leader)
_reads("index:warnings", lambda w: "/chi-so/canh-bao/", _leader)
_reads("feedback:public", lambda w: "/phan-anh/cong-khai/", _officer)
_reads("feedback:mine", lambda w: "/phan-anh/cua-toi/", _owner)
_reads("feedback:mine_detail", lambda w: f"/phan-anh/cua-toi/{w.extra[ANSWERED_PETITION]}/", _owner)
_reads("notifications:list", lambda w: "/thong-bao/", _owner)
# In national mode (the test turns it on); nothing is synced, so no agency has a page.
_reads("national:ranking", lambda w: "/quoc-gia/", _leader)
_reads("national:province", lambda w: "/quoc-gia/46/", _leader)
_reads("national:agency", lambda w: f"/quoc-gia/46/co-quan/{w.agencies[HOME].code}/", _leader, 404)
_reads(
    "national:indicator",
    lambda w: f"/quoc-gia/46/co-quan/{w.agencies[HOME].code}/chi-tieu/on_time/",
    _leader,
    404,
)
_reads("portal:home", lambda w: "/", _officer)
_reads("portal:procedure", lambda w: f"/thu-tuc/{w.dossier(State.DRAFT).procedure.code}/", _officer)
_reads("portal:tracking_lookup", lambda w: "/tra-cuu/", _officer)
_reads("portal:tracking", lambda w: f"/tra-cuu/{_code(State.RETURNED)(w)}/", _officer)
_reads("portal:letter", lambda w: f"/ho-so/{_code(State.RETURNED)(w)}/van-ban/receipt.pdf", _owner)
_reads("portal:landing", lambda w: "/sau-dang-nhap/", _owner, 302)
_reads("portal:mine", lambda w: "/ho-so-cua-toi/", _owner)
_reads("portal:mine_detail", lambda w: f"/ho-so-cua-toi/{_code(State.RETURNED)(w)}/", _owner)
_reads("portal:mine_document", _owner_document, _owner)
_reads("portal:store_list", lambda w: "/kho-du-lieu/", _owner)
_reads("portal:store_download", lambda w: "/kho-du-lieu/0/tai-ve/", _owner, 404)

EXEMPT: dict[str, str] = {
    "admin:": (
        "the Django admin: staff accounts only, each model behind its own permissions; "
        "test_the_admin_sends_everyone_without_staff_status_to_sign_in holds the door"
    ),
    "login": (
        "the public sign-in form, slowed per account and address after failures: "
        "tests/portal/test_accounts.py::"
        "test_five_failures_make_the_account_wait_a_second_from_that_address"
    ),
    "portal:signup": (
        "the public sign-up form: anyone may open a citizen account, identity from the "
        "registry, locked after failures: tests/portal/test_accounts.py::"
        "test_five_failed_sign_ups_for_one_id_lock_it_for_an_hour"
    ),
    "portal:second_factor": (
        "the sign-in's second step, for the session that passed the password only "
        "(tests/portal/test_second_factor.py)"
    ),
    "portal:store_delete": (
        "the owner's removal from their own data store (no dossier changes): "
        "tests/portal/test_store_pages.py::test_nobody_else_sees_downloads_or_removes"
    ),
    "esign:verify": "public by design: anyone may check whether a PDF is a result of ours",
    "esign:verify_token": "public by design: the QR code's page, checking an uploaded copy",
    "POST /api/v1/results/verify": "public by design: the verification page's API twin",
    "payments:ipn": (
        "the gateway's server-to-server notification, authenticated by its signature: "
        "tests/payments/test_notifications.py::"
        "test_a_bad_signature_is_refused_with_one_info_line_and_nothing_written"
    ),
    "payments:sandbox_page": (
        "the sandbox gateway's own hosted page (404 unless a sandbox gateway is configured); "
        "the order it shows is signed: tests/payments/test_sandbox_flow.py::"
        "test_the_hosted_page_refuses_a_forged_order"
    ),
    "messaging:webhook": (
        "the messaging platform's events, authenticated by their HMAC-SHA256 signature and "
        "timestamp: tests/messaging/test_webhook.py::"
        "test_a_forged_signature_is_refused_and_stores_nothing"
    ),
    "docexchange:inbound": (
        "official letters from the document-management systems, each envelope signed by a "
        "registered organ's key: tests/docexchange/test_inbound.py::"
        "test_bad_envelopes_are_refused_with_a_reason_and_nothing_stored"
    ),
    "POST /api/v1/national/sync": (
        "the provinces' sync to the national portal, JWS-signed by a registered key: "
        "tests/national/test_sync.py::test_a_bad_signature_answers_401"
    ),
    **dict.fromkeys(READ_ONLY, ONLY_READS),
}


def _names(key: str, name: str) -> bool:
    """An exemption's key names a route, or all of a namespace when it ends with ":"."""
    return name == key or (key.endswith(":") and name.startswith(key))


def _exempted(name: str) -> bool:
    return any(_names(key, name) for key in EXEMPT)


def test_every_state_changing_route_has_a_row_or_an_exemption():
    covered = {row.route for row in ROWS}
    missing = sorted(
        f"{route.name} {route.pattern}"
        for route in state_changing_routes()
        if route.name not in covered and not _exempted(route.name)
    )
    assert missing == [], (
        "State-changing routes with neither a row in the route matrix (rows.py, rows_other.py) "
        f"nor a reasoned exemption (EXEMPT): {missing}"
    )


def test_every_row_and_exemption_names_a_route_that_exists():
    names = {route.name for route in state_changing_routes()}
    gone = sorted(key for key in EXEMPT if not any(_names(key, name) for name in names))
    rowless = sorted({row.route for row in ROWS} - names)
    assert (gone, rowless) == ([], []), (
        f"Exemptions for routes that no longer exist: {gone}; rows for routes that no longer "
        f"exist or no longer take a POST: {rowless}"
    )


def test_only_pages_with_no_method_list_are_exempted_as_only_reading():
    """A page that names POST in its method list writes on purpose: it needs a row."""
    methods = {route.name: route.methods for route in state_changing_routes()}
    listed = sorted(name for name in READ_ONLY if methods.get(name) is not ANY)
    unproved = sorted(
        name
        for name, accepted in methods.items()
        if accepted is ANY and name not in READ_ONLY and not name.startswith("admin:")
    )
    assert (listed, unproved) == ([], [])


def test_every_change_of_state_the_lifecycle_allows_is_carried_by_a_page_or_said_why_not():
    allowed = {(state, action, who) for (state, action), rule in TABLE.items() for who in rule.who}
    carried = {carry for row in ROWS for carry in row.carries}
    assert sorted(allowed - carried - NO_PAGE.keys()) == []
    assert sorted(NO_PAGE.keys() - allowed) == []


@pytest.mark.parametrize("route", sorted(READ_ONLY))
def test_a_post_to_a_page_that_only_reads_changes_nothing(world, db, route: str):
    url, reader, status = READ_ONLY[route]
    client = client_for(reader(world))
    address = url(world)
    mode = "national" if route.startswith("national:") else settings.MOTCUA_MODE
    before = fingerprint()

    with override_settings(MOTCUA_MODE=mode):
        response = client.post(address, {"version": "1", "hanh_dong": "nop", "rating": "good"})

    assert response.status_code == status, (address, response.status_code)
    assert changed_tables(before, fingerprint()) == [], address


def _admin_targets(world: World) -> list[tuple[str, dict[str, Any]]]:
    """Making the applicant a superuser, and giving a citizen a staff role."""
    owner = world.owner
    return [
        (
            f"/admin/directory/user/{owner.pk}/change/",
            {"username": owner.username, "is_staff": "on", "is_superuser": "on"},
        ),
        (
            "/admin/directory/staffrole/add/",
            {"user": owner.pk, "agency": world.agencies[HOME].pk, "role": Role.ADMIN},
        ),
    ]


def test_the_admin_addresses_are_its_real_pages(world, db):
    """So that the refusals below are the admin's door, not its answer to an unknown page."""
    superuser = UserFactory(username="sec_superuser", is_staff=True, is_superuser=True)
    client = client_for(superuser)
    for address, _data in _admin_targets(world):
        assert client.get(address).status_code == 200, address


@pytest.mark.parametrize("who", ["anonymous", "citizen", "officer"])
def test_the_admin_sends_everyone_without_staff_status_to_sign_in(world, db, who: str):
    user = {"anonymous": None, "citizen": world.owner, "officer": _officer(world)}[who]
    client = client_for(user)
    for address, data in _admin_targets(world):
        before = fingerprint()

        response = client.post(address, data)

        assert response.status_code == 302, address
        assert response["Location"] == f"/admin/login/?next={quote(address)}"
        assert changed_tables(before, fingerprint()) == [], address
