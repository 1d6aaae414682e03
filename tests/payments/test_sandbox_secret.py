"""The sandbox gateway takes anyone's "payment" at face value, so it must sign with this
installation's own secret and exist only in the demo (or where it is asked for with a secret):
the settings as each kind of start loads them, and the refusal of a notification signed with
the constant the demo once shipped in its source."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from motcua.dossiers.models import State
from motcua.payments.models import Notification, Status
from motcua.payments.signing import sign
from motcua.settings import secret_key_load
from tests.payments.conftest import ipn_params, sandbox_config
from tests.payments.test_sandbox_flow import start

ROOT = Path(__file__).resolve().parents[2]
OLD_PUBLIC_SECRET = "motcua-demo-sandbox-secret"
PRODUCTION = {
    "MOTCUA_SECRET_KEY": "p" * 60,
    "MOTCUA_ALLOWED_HOSTS": "dichvucong.hue.gov.vn",
    "MOTCUA_PUBLIC_URL": "https://dichvucong.hue.gov.vn",
}


@pytest.fixture
def dossier(walker, fees):
    return walker.dossier_in(State.SUBMITTED)


def settings_as_started(var: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    """Load motcua.settings in a fresh process with only `environ` of ours set."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("MOTCUA_", "DJANGO_", "DATABASE_"))
    }
    env.update(MOTCUA_VAR_DIR=str(var), **environ)
    program = (
        "import json; from motcua import settings as s; "
        "print(json.dumps({'gateways': s.MOTCUA_PAYMENT_GATEWAYS, 'debug': s.DEBUG}))"
    )
    return subprocess.run(
        [sys.executable, "-c", program], env=env, cwd=ROOT, capture_output=True, text=True
    )


def loaded(var: Path, **environ: str) -> dict:
    started = settings_as_started(var, **environ)
    assert started.returncode == 0, started.stderr
    return json.loads(started.stdout)


def test_the_demo_generates_its_own_private_sandbox_secret_once(tmp_path):
    first = loaded(tmp_path, MOTCUA_DEMO="1", MOTCUA_PAYMENT_SANDBOX="1")
    again = loaded(tmp_path, MOTCUA_DEMO="1", MOTCUA_PAYMENT_SANDBOX="1")
    other_install = loaded(tmp_path / "other", MOTCUA_DEMO="1", MOTCUA_PAYMENT_SANDBOX="1")

    secret = first["gateways"]["sandbox"]["secret"]
    assert first["debug"] is False  # the demo runs with DEBUG off
    assert secret == (tmp_path / "sandbox_secret").read_text()
    assert stat.S_IMODE((tmp_path / "sandbox_secret").stat().st_mode) == 0o600
    assert len(secret) >= 50 and secret != OLD_PUBLIC_SECRET
    assert again["gateways"]["sandbox"]["secret"] == secret
    assert other_install["gateways"]["sandbox"]["secret"] not in (secret, OLD_PUBLIC_SECRET)


@pytest.mark.parametrize(
    "environ",
    [
        {**PRODUCTION},  # production, nothing asked
        {"MOTCUA_DEMO": "1"},  # the demo without the sandbox switch
        {"MOTCUA_DEBUG": "1"},  # DEBUG alone no longer brings the sandbox
        {**PRODUCTION, "MOTCUA_SANDBOX_SECRET": "s" * 40},  # a secret without the switch
    ],
)
def test_without_the_switch_there_is_no_sandbox(tmp_path, environ):
    assert loaded(tmp_path, **environ)["gateways"] == {}
    assert not (tmp_path / "sandbox_secret").exists()


def test_production_asking_for_the_sandbox_must_give_its_secret(tmp_path):
    refused = settings_as_started(tmp_path, **PRODUCTION, MOTCUA_PAYMENT_SANDBOX="1")
    assert refused.returncode == 1
    assert "MOTCUA_PAYMENT_SANDBOX=1 outside the demo needs MOTCUA_SANDBOX_SECRET" in refused.stderr
    assert not (tmp_path / "sandbox_secret").exists()

    given = loaded(
        tmp_path, **PRODUCTION, MOTCUA_PAYMENT_SANDBOX="1", MOTCUA_SANDBOX_SECRET="g" * 40
    )
    assert given["gateways"]["sandbox"]["secret"] == "g" * 40


def test_outside_the_demo_every_sandbox_url_is_not_found(client, citizen, dossier):
    payment, gateway_url = start(client, citizen, dossier)
    params = ipn_params(payment)
    with override_settings(MOTCUA_PAYMENT_GATEWAYS={}):
        assert client.get(gateway_url).status_code == 404
        assert client.post(gateway_url, {**params, "ket_qua": "success"}).status_code == 404
        assert client.post("/thanh-toan/ipn/sandbox/", params).status_code == 404
        assert client.get("/thanh-toan/ket-qua/sandbox/", params).status_code == 404
    payment.refresh_from_db()
    assert payment.status == Status.PENDING


def test_a_notification_signed_with_the_old_public_constant_is_refused(
    client, citizen, dossier, tmp_path
):
    installation_secret = secret_key_load(tmp_path / "sandbox_secret")
    with override_settings(MOTCUA_PAYMENT_GATEWAYS=sandbox_config(secret=installation_secret)):
        payment, _ = start(client, citizen, dossier)
        genuine = ipn_params(payment)
        unsigned = {k: v for k, v in genuine.items() if k != "sb_SecureHash"}
        forged = {
            **unsigned,
            "sb_SecureHash": sign(
                unsigned, OLD_PUBLIC_SECRET, exclude=("sb_SecureHash", "sb_SecureHashType")
            ),
        }

        forged_answer = client.post("/thanh-toan/ipn/sandbox/", forged).json()
        payment.refresh_from_db()
        status_after_forgery = payment.status
        genuine_answer = client.post("/thanh-toan/ipn/sandbox/", genuine).json()

    assert forged_answer == {"RspCode": "97", "Message": "Invalid signature"}
    assert status_after_forgery == Status.PENDING
    # The installation's own signature is what the sandbox accepts.
    assert genuine_answer == {"RspCode": "00", "Message": "Confirm Success"}
    payment.refresh_from_db()
    assert payment.status == Status.PAID
    assert list(Notification.objects.values_list("outcome", flat=True)) == ["confirmed"]
