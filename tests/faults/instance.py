"""One motcua installation run as production runs it, for the fault tests: its own var folder
and database, gunicorn (`scripts/run.sh`'s command) on a free loopback port, and the task
worker (`motcua db_worker`), each a process group the test may SIGKILL.

The database is a SQLite file in the var folder, or, in the PostgreSQL pass (DATABASE_URL of
`scripts/with-postgres.sh`), a database of its own created on that cluster and dropped after.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.faults.test_kill import CATALOG, PROVINCE
from tests.passes import on_postgres

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Instance:
    """`source`: a prepared instance whose database this one starts from (a copy of the SQLite
    file, or a PostgreSQL database made with it as template) and whose static files it serves:
    migrating takes most of a fault test's time otherwise. `cluster`: the PostgreSQL server to
    make the database on, when not DATABASE_URL's (tests/faults/cluster.py)."""

    def __init__(
        self, base: Path, *, source: Instance | None = None, cluster: str = "", **env: str
    ):
        self.var = base / "var"
        self.var.mkdir(parents=True)
        self.static = source.static if source is not None else self.var / "static"
        self.catalog = base / "catalog.json"
        self.catalog.write_text(json.dumps(CATALOG, ensure_ascii=False))
        self.port = free_port()
        self.server: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None
        self.server_log = base / "gunicorn.log"
        self.worker_log = base / "worker.log"
        self.database_url = ""
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("MOTCUA_", "DATABASE_URL", "DJANGO_", "PYTEST"))
        }
        self.env.update(
            MOTCUA_DEMO="1",
            MOTCUA_VAR_DIR=str(self.var),
            MOTCUA_STATIC_ROOT=str(self.static),
            MOTCUA_PROVINCE_CODE=PROVINCE,
            MOTCUA_HOST="127.0.0.1",
            MOTCUA_PORT=str(self.port),
            MOTCUA_WORKERS="2",
            MOTCUA_THREADS="4",
            MOTCUA_LOG_LEVEL="WARNING",
            PROMETHEUS_MULTIPROC_DIR=str(self.var / "prometheus"),
            # The worker loads the test's mail backend (tests/faults/smtp_sink.py).
            PYTHONPATH=str(ROOT),
            **env,
        )
        (self.var / "prometheus").mkdir()
        self.cluster = cluster or os.environ.get("DATABASE_URL", "")
        if on_postgres():
            self.database_url = _database_create(
                self.cluster, template=source.database_url if source else ""
            )
            self.env["DATABASE_URL"] = self.database_url
        elif source is not None:
            for name in ("motcua.sqlite3", "secret_key"):
                shutil.copy(source.var / name, self.var / name)

    def clone(self, base: Path, *, cluster: str = "", **env: str) -> Instance:
        return Instance(base, source=self, cluster=cluster, **env)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def prepare(self, *, citizens: int) -> None:
        self.python(
            str(HERE / "prepare.py"),
            str(self.catalog),
            "--province",
            PROVINCE,
            "--citizens",
            str(citizens),
        )

    def python(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "python"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"python {args}: {done.stdout}{done.stderr}"
        return done.stdout

    def motcua(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "motcua"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, f"motcua {args}: {done.stdout}{done.stderr}"
        return done.stdout

    def state(self) -> dict:
        """tests/faults/state.py's reading of the database."""
        return json.loads(self.python(str(HERE / "state.py")).strip().splitlines()[-1])

    def shell(self, code: str) -> str:
        return self.motcua("shell", "-c", code)

    # ------------------------------------------------------------ processes

    def _spawn(self, args: list[str], log: Path) -> subprocess.Popen:
        with log.open("ab") as out:
            return subprocess.Popen(
                args,
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the master and its workers
            )

    def server_start(self) -> None:
        self.server = self._spawn(
            [str(BIN / "gunicorn"), "--config", "python:motcua.core.gunicorn_conf", "motcua.wsgi"],
            self.server_log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.server.poll() is None, self.server_log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"gunicorn did not start on {self.url}")

    def worker_start(self) -> None:
        self.worker = self._spawn(
            [str(BIN / "motcua"), "db_worker", "--interval", "0.2", "--no-reload"],
            self.worker_log,
        )

    def server_kill(self) -> None:
        self.server = _kill(self.server, signal.SIGKILL)

    def worker_kill(self) -> None:
        self.worker = _kill(self.worker, signal.SIGKILL)

    def close(self) -> None:
        self.server = _kill(self.server, signal.SIGTERM)
        self.worker = _kill(self.worker, signal.SIGTERM)
        if self.database_url:
            _database_drop(self.cluster, self.database_url)


def _kill(process: subprocess.Popen | None, how: signal.Signals) -> None:
    if process is not None and process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, how)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    return None


def _database_create(cluster_url: str, *, template: str) -> str:
    import psycopg

    name = f"faults_{secrets.token_hex(4)}"
    url = urlunsplit(urlsplit(cluster_url)._replace(path=f"/{name}"))
    same_cluster = urlsplit(template).netloc == urlsplit(cluster_url).netloc
    with psycopg.connect(cluster_url, autocommit=True) as connection:
        if template and same_cluster:
            source = urlsplit(template).path.lstrip("/")
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        else:
            connection.execute(f'CREATE DATABASE "{name}"')
    if template and not same_cluster:
        _database_copy(template, url)
    return url


def _database_copy(source: str, target: str) -> None:
    pg_bin = Path(os.environ.get("MOTCUA_TEST_PG_BIN", "/usr/bin"))
    dump = subprocess.Popen(
        [str(pg_bin / "pg_dump"), "--format=custom", "--dbname", source], stdout=subprocess.PIPE
    )
    restored = subprocess.run(
        [str(pg_bin / "pg_restore"), "--no-owner", "--dbname", target],
        stdin=dump.stdout,
        capture_output=True,
        timeout=120,
    )
    assert dump.wait(timeout=120) == 0 and restored.returncode == 0, restored.stderr


def _database_drop(cluster_url: str, url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(cluster_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
