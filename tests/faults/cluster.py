"""A PostgreSQL cluster of the test's own, which it may restart without touching the cluster
the rest of the suite runs on (scripts/with-postgres.sh exports where PostgreSQL's programs
are: MOTCUA_TEST_PG_BIN)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.faults.instance import free_port


class Cluster:
    def __init__(self) -> None:
        self.bin = Path(os.environ["MOTCUA_TEST_PG_BIN"])
        # Under /tmp, not pytest's folder: initdb refuses root, and the postgres user cannot
        # enter root's private temporary folders.
        self.dir = Path(tempfile.mkdtemp(prefix="motcua-fault-pg."))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_pg: list[str] = []
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres")
            self.as_pg = ["runuser", "-u", "postgres", "--"]
        self.url = f"postgres://motcua@127.0.0.1:{self.port}/postgres"

    def _pg(self, program: str, *args: str) -> None:
        done = subprocess.run(
            [*self.as_pg, str(self.bin / program), *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"{program} {args}: {done.stdout}{done.stderr}"

    def start(self) -> None:
        self._pg(
            "initdb", "-D", str(self.data), "-U", "motcua", "-A", "trust", "-E", "UTF8", "--no-sync"
        )
        self._pg(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
            "-o",
            f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off -c synchronous_commit=off",
        )

    def restart(self) -> None:
        """A fast shutdown (every session ended, every open transaction rolled back), then up
        again; returns once it accepts connections."""
        self._pg(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "log"),
            "-m",
            "fast",
            "-w",
            "restart",
        )

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
