"""scripts/run.sh as `make run` starts it: gunicorn with DEBUG off, the worker and the stand-in
services beside it, on ports of our choosing; /healthz, a hashed static file and the stand-in
VNeID answer; one signal stops all three."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.passes import sqlite_pass_only

ROOT = Path(__file__).resolve().parents[2]
MOTCUA = Path(sys.executable).parent / "motcua"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def children_of(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(status.parent.name))
    return found


@pytest.mark.slow
@sqlite_pass_only  # the demo's database, as `make run` serves it
def test_run_sh_serves_with_debug_off_and_stops_all_three_processes(tmp_path, migrated_sqlite):
    port, standins_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MOTCUA_", "DJANGO_", "DATABASE_", "PROMETHEUS_"))
    }
    env.update(
        MOTCUA_VAR_DIR=str(tmp_path),
        MOTCUA_PORT=str(port),
        MOTCUA_STANDINS_PORT=str(standins_port),
        MOTCUA_DEBUG="0",
        MOTCUA_WORKERS="1",
        MOTCUA_THREADS="2",
        MOTCUA_DEMO="1",
    )
    # What `make run` does before the script: a migrated database (copied) and the static files.
    shutil.copy(migrated_sqlite, tmp_path / "motcua.sqlite3")
    subprocess.run(
        [str(MOTCUA), "collectstatic", "--noinput", "-v", "0"],
        env=env,
        check=True,
        cwd=ROOT,
        timeout=60,
    )
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    hashed_css = manifest["paths"]["admin/css/base.css"]

    server = subprocess.Popen(
        ["bash", "scripts/run.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 40
        status = 0
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, _, body = get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.3)
        assert status == 200, server.stdout.read() if server.poll() is not None else ""
        health = json.loads(body)
        assert (health["status"], health["database"]) == ("ok", "ok")

        css_status, css_headers, css = get(f"http://127.0.0.1:{port}/static/{hashed_css}")
        assert css_status == 200
        assert css_headers["Cache-Control"] == "max-age=315360000, public, immutable"
        assert b"body" in css
        missing_status, _, missing = get(f"http://127.0.0.1:{port}/khong-co/")
        assert missing_status == 404
        # The friendly page, not Django's debug page listing every URL pattern.
        assert "Không tìm thấy trang" in missing.decode()
        assert b"URLconf" not in missing and b"urlpatterns" not in missing
        # The demo's sandbox gateway signs with this installation's own secret.
        sandbox_secret = tmp_path / "sandbox_secret"
        assert stat.S_IMODE(sandbox_secret.stat().st_mode) == 0o600
        assert len(sandbox_secret.read_text()) >= 50
        assert "motcua-demo-sandbox-secret" not in sandbox_secret.read_text()

        # The stand-ins answer as VNeID and as the registry, and the portal points at them.
        issuer = f"http://127.0.0.1:{standins_port}/vneid/o"
        for _ in range(50):
            try:
                discovery_status, _, discovery = get(f"{issuer}/.well-known/openid-configuration")
                break
            except OSError:
                time.sleep(0.3)
        assert discovery_status == 200
        assert json.loads(discovery)["issuer"] == issuer
        sign_in_status, _, sign_in = get(f"http://127.0.0.1:{port}/dang-nhap/")
        assert sign_in_status == 200
        assert "Đăng nhập bằng VNeID" in sign_in.decode()

        processes = children_of(server.pid)
        assert len(processes) == 3  # the worker, the gunicorn master, the stand-ins' master
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            for pid in children_of(server.pid):
                os.kill(pid, signal.SIGKILL)
            server.kill()
            server.wait(timeout=10)

    assert server.returncode == 143
    assert [pid for pid in processes if Path(f"/proc/{pid}").exists()] == []
    log_lines = [line for line in output.splitlines() if line.startswith("{")]
    requests = [json.loads(line) for line in log_lines if '"motcua.request"' in line]
    assert {r["http"]["route"] for r in requests} >= {"healthz", "static", "unmatched"}
