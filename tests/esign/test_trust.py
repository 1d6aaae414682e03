"""Which roots verification trusts: configured ones; the demo CA (whose private key lies
unencrypted beside it) only in DEBUG or when explicitly allowed; with none, the verdict says
so instead of blaming the signer."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.esign.conf import trust_root_paths
from motcua.esign.verify import result_verify
from tests.esign.fixtures import signed

NO_ROOTS = (
    "Chưa thể xác thực: hệ thống chưa được cấu hình chứng thư số gốc tin cậy nên không kiểm "
    "tra được chứng thư của cơ quan ký. Vui lòng báo đơn vị quản lý hệ thống."
)


@pytest.fixture
def no_roots(settings, monkeypatch):
    """No trust roots and no demo-CA permission in settings or the environment, not DEBUG."""
    for name in ("MOTCUA_ESIGN_TRUST_ROOTS", "MOTCUA_ESIGN_TRUST_DEMO_CA"):
        monkeypatch.delenv(name, raising=False)
        setattr(settings, name, None)
    settings.DEBUG = False
    return settings


@pytest.fixture
def unconfigured(no_roots, tmp_path):
    """As `no_roots`, the demo CA's folder in `tmp_path`."""
    no_roots.MOTCUA_ESIGN_DIR = str(tmp_path)
    return no_roots


def test_outside_debug_nothing_is_trusted_by_default(unconfigured):
    assert trust_root_paths() == []


def test_in_debug_the_demo_ca_is_trusted(unconfigured, tmp_path):
    unconfigured.DEBUG = True
    assert trust_root_paths() == [tmp_path / "ca.pem"]


@pytest.mark.parametrize("value", ["1", "true", True])
def test_the_demo_ca_is_trusted_when_allowed_in_settings(unconfigured, tmp_path, value):
    unconfigured.MOTCUA_ESIGN_TRUST_DEMO_CA = value
    assert trust_root_paths() == [tmp_path / "ca.pem"]


@pytest.mark.parametrize("value", ["0", "", "no"])
def test_anything_but_yes_does_not_allow_the_demo_ca(unconfigured, monkeypatch, value):
    monkeypatch.setenv("MOTCUA_ESIGN_TRUST_DEMO_CA", value)
    assert trust_root_paths() == []


def test_the_demo_ca_is_trusted_when_allowed_in_the_environment(
    unconfigured, monkeypatch, tmp_path
):
    monkeypatch.setenv("MOTCUA_ESIGN_TRUST_DEMO_CA", "1")
    assert trust_root_paths() == [tmp_path / "ca.pem"]


def test_configured_roots_are_used_as_given(unconfigured, monkeypatch):
    monkeypatch.setenv("MOTCUA_ESIGN_TRUST_ROOTS", "/etc/motcua/root-a.pem:/etc/motcua/root-b.pem")
    assert trust_root_paths() == [Path("/etc/motcua/root-a.pem"), Path("/etc/motcua/root-b.pem")]
    unconfigured.MOTCUA_ESIGN_TRUST_ROOTS = ["/etc/motcua/root-c.pem"]
    assert trust_root_paths() == [Path("/etc/motcua/root-c.pem")]


def _signed_file(walker) -> bytes:
    _dossier, result = signed(walker)
    with result.document.file.open("rb") as handle:
        return handle.read()


@pytest.mark.django_db
def test_without_roots_a_demo_signed_result_is_not_valid_and_says_why(walker, pki, no_roots):
    data = _signed_file(walker)

    verdict = result_verify(data)

    assert (verdict.valid, verdict.code, verdict.message) == (False, "no_trust_roots", NO_ROOTS)
    assert verdict.record is None
    assert verdict.facts.common_name == "Sở Tư pháp thử nghiệm"


@pytest.mark.django_db
def test_without_roots_a_tampered_file_is_still_called_tampered(walker, pki, no_roots):
    data = _signed_file(walker)

    verdict = result_verify(data.replace(b"motcua", b"MOTCUA", 1))

    assert verdict.code == "tampered"


@pytest.mark.django_db
def test_the_demo_ca_allowed_explicitly_verifies_a_demo_result(walker, pki, no_roots):
    data = _signed_file(walker)
    no_roots.MOTCUA_ESIGN_TRUST_DEMO_CA = "1"

    verdict = result_verify(data)

    assert (verdict.valid, verdict.code) == (True, "valid")


@pytest.mark.django_db
def test_the_page_shows_the_missing_roots(client, walker, pki, no_roots):
    data = _signed_file(walker)

    response = client.post(
        "/ket-qua/xac-thuc/",
        {"file": SimpleUploadedFile("ket-qua.pdf", data, content_type="application/pdf")},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-code="no_trust_roots"' in html
    assert "<h2>Chưa xác thực được</h2>" in html
    assert f'<p data-testid="reason">{NO_ROOTS}</p>' in html
