"""The stand-in services (motcua.standins: the VNeID provider, the registries) as a real
process for the tests, the way `make run` starts them: own settings, own database, gunicorn on
a free local port. Session-scoped: one process per test worker.

`standins` yields its base URL; the portal's settings point at it through `vneid_settings`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CLIENT_ID = "motcua-test"
CLIENT_SECRET = "test-client-secret-" + "x" * 32
# The test client's host, and any port on the loopback address (RFC 8252 §7.3) for the
# browser tests' live server.
REDIRECT_URIS = "http://testserver/dang-nhap/vneid/xong/ http://127.0.0.1/dang-nhap/vneid/xong/"
# The messaging platform's stand-in (standins/messaging.py): the official account's token.
MESSAGING_TOKEN = "test-messaging-token-" + "y" * 16


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class StandIns:
    def __init__(self, var_dir: Path):
        self.var_dir = var_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.url}/vneid/o"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "motcua.standins.settings",
            "MOTCUA_VAR_DIR": str(var_dir),
            "MOTCUA_STANDINS_URL": self.url,
            "MOTCUA_VNEID_CLIENT_ID": CLIENT_ID,
            "MOTCUA_VNEID_CLIENT_SECRET": CLIENT_SECRET,
            "MOTCUA_VNEID_REDIRECT_URI": REDIRECT_URIS,
            "MOTCUA_MESSAGING_OA_TOKEN": MESSAGING_TOKEN,
        }
        self.env.pop("DATABASE_URL", None)
        self.process: subprocess.Popen | None = None

    def manage(self, *args: str) -> None:
        subprocess.run(
            [str(BIN / "motcua"), *args], env=self.env, cwd=ROOT, check=True, capture_output=True
        )

    def start(self) -> None:
        self.manage("migrate", "-v0")
        self.manage("standins_setup")
        log = open(self.var_dir / "standins.log", "wb")  # noqa: SIM115 - kept open while it runs
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                "2",
                "motcua.standins.wsgi",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1).ok:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(
            "the stand-in services did not start: "
            + (self.var_dir / "standins.log").read_text(errors="replace")[-2000:]
        )

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def standins(tmp_path_factory) -> Iterator[StandIns]:
    server = StandIns(tmp_path_factory.mktemp("standins"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def vneid_settings(settings, standins: StandIns) -> StandIns:
    """The portal configured for the stand-in provider, as scripts/run.sh configures it."""
    settings.MOTCUA_VNEID = {
        **settings.MOTCUA_VNEID,
        "issuer": standins.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    return standins


@pytest.fixture
def messaging_settings(settings, standins: StandIns) -> StandIns:
    """The portal's messaging channel pointed at the stand-in platform, as scripts/run.sh does."""
    settings.MOTCUA_MESSAGING = {
        **settings.MOTCUA_MESSAGING,
        "api_url": f"{standins.url}/nhan-tin",
        "app_secret": "test-messaging-app-secret",
        "oa_token": MESSAGING_TOKEN,
    }
    return standins
