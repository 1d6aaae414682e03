"""“Đăng nhập bằng VNeID” in a real browser, against the stand-in provider in its own process
(motcua.standins, as `make run` starts it): the citizen who went to the counter signs in for the
first time and finds the walk-in dossier under “Hồ sơ của tôi”, not their mother's; a citizen
who refuses consent comes back to a plain sentence and no account."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from motcua.directory.models import User
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier
from motcua.standins.keys import DEMO_PASSCODE
from tests.walker import Walker

AN = "046085001234"  # Nguyễn Văn An in the demo registry
BINH = "046192005678"  # Trần Thị Bình, another person of the same registry


def _walk_in(reception, agency, procedure, personal_id: str, name: str) -> Dossier:
    walker = Walker(
        citizen=SimpleNamespace(full_name=name, personal_id=personal_id),
        reception=reception,
        specialist=None,
        approver=None,
        procedure=procedure,
        agency=agency,
    )
    return walker.act(walker.walk_in_draft(), Action.RECEIVE)


def _portal(live_server) -> str:
    # The provider sends people back only to addresses registered for the client: for the
    # tests, the loopback address on any port (RFC 8252 §7.3).
    return live_server.url.replace("localhost", "127.0.0.1")


def _at_vneid(page, live_server, personal_id: str) -> None:
    page.goto(f"{_portal(live_server)}/dang-nhap/")
    page.get_by_test_id("vneid-sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Đăng nhập tài khoản định danh điện tử"
    )
    page.fill("#id_username", personal_id)
    page.fill("#id_password", DEMO_PASSCODE)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cho phép")


@pytest.mark.django_db(transaction=True)
def test_first_vneid_sign_in_finds_the_counter_dossier(
    live_server, page, accessible, vneid_settings, settings, reception, agency, procedure
):
    settings.MOTCUA_REGISTRY_BACKEND = "motcua.integration.registry.LocalRegistry"
    mine = _walk_in(reception, agency, procedure, AN, "Nguyễn Văn An")
    mother = _walk_in(reception, agency, procedure, BINH, "Trần Thị Bình")

    page.goto(f"{_portal(live_server)}/dang-nhap/")
    accessible(page)
    _at_vneid(page, live_server, AN)
    page.get_by_role("button", name="Đồng ý").click()

    page.wait_for_url(f"{_portal(live_server)}/ho-so-cua-toi/")
    accessible(page)
    expect(page.get_by_text(mine.public_code)).to_be_visible()
    expect(page.get_by_text(mother.public_code)).to_have_count(0)
    user = User.objects.get(personal_id=AN)
    assert user.full_name == "Nguyễn Văn An"
    mine.refresh_from_db()
    mother.refresh_from_db()
    assert (mine.applicant_id, mine.vneid_verified) == (user.pk, True)
    assert (mother.applicant_id, mother.vneid_verified) == (None, False)


@pytest.mark.django_db(transaction=True)
def test_refused_consent_returns_to_a_plain_sentence(live_server, page, vneid_settings, settings):
    settings.MOTCUA_REGISTRY_BACKEND = "motcua.integration.registry.LocalRegistry"

    _at_vneid(page, live_server, BINH)
    page.get_by_role("button", name="Từ chối").click()

    page.wait_for_url(f"{_portal(live_server)}/dang-nhap/vneid/xong/**")
    expect(page.get_by_test_id("login-error")).to_contain_text(
        "Bạn đã không đồng ý chia sẻ thông tin định danh"
    )
    assert not User.objects.filter(personal_id=BINH).exists()
