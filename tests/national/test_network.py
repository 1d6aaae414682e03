"""A national instance and three province instances on loopback (issue 15's proof).

Each instance is its own process tree with its own database and port, started the way
production starts them (`motcua` commands, gunicorn); nothing is shared but the network. The
provinces play dossiers through the real lifecycle, deliver their outbox, lose the national
instance mid-stream, play on, and deliver again once it is back. Afterwards every province's
index computed nationally equals the province's own, every dossier is held nationally at its
latest version (nothing lost), and the national counters equal a rebuild (nothing applied
twice).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.passes import sqlite_pass_only

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
DRIVER = Path(__file__).with_name("network_driver.py")
PROVINCES = {"46": "Huế", "01": "Hà Nội", "48": "Đà Nẵng"}
PERIOD = ("2026-03-01", "2026-03-31")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (BIN / "gunicorn").exists(), reason="needs the installed venv"),
    # Its own processes and SQLite files: it does not touch the test database.
    sqlite_pass_only,
]


def catalog() -> dict:
    agencies, procedures = [], []
    for code, name in PROVINCES.items():
        root = f"000.00.00.H{code}"
        agencies += [
            {"code": root, "name": f"UBND {name}", "level": "province", "parent": None},
            {
                "code": f"000.00.01.H{code}",
                "name": f"Sở Tư pháp {name}",
                "level": "department",
                "parent": root,
            },
            {
                "code": f"000.00.13.H{code}",
                "name": f"Sở Tài chính {name}",
                "level": "department",
                "parent": root,
            },
        ]
        procedures.append(
            {
                "code": f"1.{code}0001",
                "name": f"Cấp Phiếu lý lịch tư pháp ({name})",
                "sector": "Lý lịch tư pháp",
                "level": "province",
                "time_limit": "3 d",
                "online": "full",
                "fees": [{"name": "Lệ phí", "amount": 200000}],
                "accepts_online_payment": True,
                "registry_connected": True,
                "agencies": [f"000.00.01.H{code}", f"000.00.13.H{code}"],
                "required_documents": [{"name": "Tờ khai", "optional": False}],
                "legal_basis": "Luật Lý lịch tư pháp 2009",
                "publications": [],
            }
        )
    return {"agencies": agencies, "procedures": procedures}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Instance:
    def __init__(self, name: str, var: Path, **env: str):
        self.name = name
        self.var = var
        self.port = free_port()
        self.server: subprocess.Popen | None = None
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("MOTCUA_", "DATABASE_URL", "DJANGO_", "PYTEST"))
        }
        self.env.update(
            MOTCUA_DEMO="1",
            MOTCUA_VAR_DIR=str(var),
            MOTCUA_HOST="127.0.0.1",
            MOTCUA_PORT=str(self.port),
            MOTCUA_WORKERS="1",
            MOTCUA_THREADS="2",
            MOTCUA_LOG_LEVEL="WARNING",
            **env,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def motcua(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "motcua"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"{self.name}: motcua {args}: {done.stdout}{done.stderr}"
        return done.stdout

    def drive(self, *args: str) -> None:
        done = subprocess.run(
            [str(BIN / "python"), str(DRIVER), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"{self.name}: driver {args}: {done.stdout}{done.stderr}"

    def start(self) -> None:
        self.server = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "python:motcua.core.gunicorn_conf", "motcua.wsgi"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"{self.name} did not start on {self.url}")

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            self.server.wait(timeout=30)
        self.server = None

    def get(self, path: str) -> dict:
        with urllib.request.urlopen(f"{self.url}{path}", timeout=30) as answer:
            return json.loads(answer.read())


@pytest.fixture(scope="module")
def network(tmp_path_factory, migrated_sqlite):
    base = tmp_path_factory.mktemp("network")
    (base / "catalog.json").write_text(json.dumps(catalog(), ensure_ascii=False))
    national = Instance("national", base / "national", MOTCUA_MODE="national")
    provinces = {}
    for code in PROVINCES:
        provinces[code] = Instance(
            code,
            base / f"p{code}",
            MOTCUA_PROVINCE_CODE=code,
            MOTCUA_SYNC_KEY_FILE=str(base / f"p{code}" / "sync-key.pem"),
            MOTCUA_NATIONAL_URL=national.url,
        )
    everyone = [national, *provinces.values()]
    for instance in everyone:
        instance.var.mkdir()
        # One migrated database copied to every instance: the schema does not depend on the mode.
        shutil.copy(migrated_sqlite, instance.var / "motcua.sqlite3")
        instance.motcua("import-catalog", str(base / "catalog.json"))
    for code, province in provinces.items():
        public_key = base / f"p{code}.pub.pem"
        public_key.write_text(province.motcua("sync-keygen"))
        national.motcua(
            "national-peer",
            "add",
            "--province",
            code,
            "--name",
            PROVINCES[code],
            "--public-key",
            str(public_key),
        )
        province.drive("setup", "--province", code)
    try:
        for instance in everyone:
            instance.start()
        yield national, provinces
    finally:
        for instance in everyone:
            instance.stop()


def test_national_index_equals_each_provinces_after_an_outage(network):
    national, provinces = network
    for seed, (code, province) in enumerate(provinces.items(), start=1):
        province.drive("walk", "--province", code, "--count", "6", "--seed", str(seed))
        province.motcua("outbox_deliver")

    national.stop()
    for seed, (code, province) in enumerate(provinces.items(), start=10):
        province.drive("walk", "--province", code, "--count", "6", "--seed", str(seed))
        province.motcua("outbox_deliver")
    waiting = {code: _sync_rows(province) for code, province in provinces.items()}
    assert all(rows.get("failed", 0) > 0 for rows in waiting.values()), waiting

    national.start()
    for province in provinces.values():
        # The batches that failed wait for their backoff; the administrator sends them now.
        province.motcua("outbox_resend", "--topic", "national.sync")
        province.motcua("outbox_deliver")

    ranking = national.get(f"/api/v1/national/ranking?from={PERIOD[0]}&to={PERIOD[1]}")
    nationally = {item["province"]: item for item in ranking["items"]}
    for code, province in provinces.items():
        assert _sync_rows(province).keys() <= {"sent"}, (code, _sync_rows(province))
        own = json.loads(
            province.motcua(
                "index",
                "--agency",
                f"000.00.00.H{code}",
                "--from",
                PERIOD[0],
                "--to",
                PERIOD[1],
                "--json",
            )
        )
        assert nationally[code]["total"] == own["total"], (code, nationally[code], own)
        # Every received dossier was acknowledged: the province's own `synced` is full.
        synced = _indicator(own, "synced")
        assert synced["numerator"] == synced["denominator"] == nationally[code]["dossiers_received"]
        assert synced["denominator"] >= 6
        for code_version in _dossier_versions(province):
            dossier_code, version = code_version
            held = national.get(f"/api/v1/national/dossiers/{dossier_code}/public")
            assert (held["province"], held["version"]) == (code, version)
    # Nothing applied twice: the counters kept message by message equal a rebuild.
    national.motcua("national-rebuild")
    rebuilt = national.get(f"/api/v1/national/ranking?from={PERIOD[0]}&to={PERIOD[1]}")
    assert rebuilt == ranking


def _indicator(index: dict, key: str) -> dict:
    return next(i for g in index["groups"] for i in g["indicators"] if i["key"] == key)


def _sync_rows(province: Instance) -> dict[str, int]:
    out = province.motcua(
        "shell",
        "-c",
        "import json; from django.db.models import Count; from motcua.core.models import "
        "OutboxMessage as M; print(json.dumps({r['status']: r['n'] for r in "
        "M.objects.filter(topic='national.sync').values('status').annotate(n=Count('id'))}))",
    )
    return json.loads(out.strip().splitlines()[-1])


def _dossier_versions(province: Instance) -> list[tuple[str, int]]:
    out = province.motcua(
        "shell",
        "-c",
        "import json; from motcua.dossiers.models import Dossier as D; print(json.dumps(["
        "(d.public_code, d.version) for d in D.objects.exclude(state='draft')]))",
    )
    return [tuple(pair) for pair in json.loads(out.strip().splitlines()[-1])]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
