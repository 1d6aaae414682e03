"""kill -9 mid-submission (issue 17's proof): nothing half-written survives a crash.

A real process plays dossiers through the lifecycle on its own SQLite database (the same
driver the national network test uses) and is killed with SIGKILL while it writes. Every
transition is one transaction, so afterwards each dossier holds exactly the events its version
counts, no code is repeated, the counters equal a rebuild and the event chains verify.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

import pytest

from tests.passes import sqlite_pass_only

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
DRIVER = ROOT / "tests" / "national" / "network_driver.py"
PROVINCE = "46"
WALK = [str(BIN / "python"), str(DRIVER), "walk", "--province", PROVINCE]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (BIN / "motcua").exists(), reason="needs the installed venv"),
    sqlite_pass_only,
]

CATALOG = {
    "agencies": [
        {"code": f"000.00.00.H{PROVINCE}", "name": "UBND Huế", "level": "province", "parent": None},
        {
            "code": f"000.00.01.H{PROVINCE}",
            "name": "Sở Tư pháp Huế",
            "level": "department",
            "parent": f"000.00.00.H{PROVINCE}",
        },
        {
            "code": f"000.00.13.H{PROVINCE}",
            "name": "Sở Tài chính Huế",
            "level": "department",
            "parent": f"000.00.00.H{PROVINCE}",
        },
    ],
    "procedures": [
        {
            "code": f"1.{PROVINCE}0001",
            "name": "Cấp Phiếu lý lịch tư pháp",
            "sector": "Lý lịch tư pháp",
            "level": "province",
            "time_limit": "3 d",
            "online": "full",
            "fees": [{"name": "Lệ phí", "amount": 200000}],
            "accepts_online_payment": True,
            "registry_connected": True,
            "agencies": [f"000.00.01.H{PROVINCE}", f"000.00.13.H{PROVINCE}"],
            "required_documents": [{"name": "Tờ khai", "optional": False}],
            "legal_basis": "Luật Lý lịch tư pháp 2009",
            "publications": [],
        }
    ],
}

# Counted inside the instance: the creation is event 1 at version 0 and each change bumps the
# version once with one event, so a dossier holds version + 1 events; no code repeats.
CONSISTENCY = """
import json
from django.db.models import Count
from motcua.dossiers.models import Dossier
rows = Dossier.objects.annotate(n=Count("events")).values_list("code", "version", "n")
codes = [code for code, _, _ in rows if code is not None]  # a draft has no code yet
print(json.dumps({
    "dossiers": len(rows),
    "coded": len(codes),
    "distinct_codes": len(set(codes)),
    "torn": [code for code, version, n in rows if n != version + 1],
}))
"""


def environment(var: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MOTCUA_", "DATABASE_URL", "DJANGO_", "PYTEST"))
    }
    env.update(
        MOTCUA_DEMO="1",
        MOTCUA_VAR_DIR=str(var),
        MOTCUA_PROVINCE_CODE=PROVINCE,
        MOTCUA_LOG_LEVEL="WARNING",
    )
    return env


def dossiers_written(database: Path, walker: subprocess.Popen, at_least: int) -> int:
    """How many dossiers the walk has committed, polled read-only until there are `at_least`."""
    deadline = time.monotonic() + 120
    count = 0
    while time.monotonic() < deadline and walker.poll() is None:
        count = dossier_count(database)
        if count >= at_least:
            return count
        time.sleep(0.2)
    return count


def dossier_count(database: Path) -> int:
    try:
        with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)) as db:
            return int(db.execute("SELECT count(*) FROM dossiers_dossier").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # the writer holds the lock for longer than the timeout


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        list(args), env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )


def motcua(env: dict[str, str], *args: str) -> str:
    done = run(env, str(BIN / "motcua"), *args)
    assert done.returncode == 0, f"motcua {args}: {done.stdout}{done.stderr}"
    return done.stdout


def test_kill_9_mid_submission_leaves_no_half_written_dossier(tmp_path, migrated_sqlite):
    var = tmp_path / "var"
    var.mkdir()
    env = environment(var)
    (tmp_path / "catalog.json").write_text(json.dumps(CATALOG, ensure_ascii=False))
    shutil.copy(migrated_sqlite, var / "motcua.sqlite3")
    motcua(env, "import-catalog", str(tmp_path / "catalog.json"))
    done = run(env, str(BIN / "python"), str(DRIVER), "setup", "--province", PROVINCE)
    assert done.returncode == 0, done.stderr

    database = var / "motcua.sqlite3"
    for seed in (1, 2):
        before = dossier_count(database)
        walker = subprocess.Popen(
            [*WALK, "--count", "1000", "--seed", str(seed)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        # Kill once the walk is writing (Django's start takes long on a loaded machine), then a
        # moment later so that the kill lands in some transaction rather than between walks.
        written = dossiers_written(database, walker, at_least=before + 20)
        time.sleep(0.3 * seed)
        assert written >= before + 20
        assert walker.poll() is None, "the walk ended before it could be killed"
        os.killpg(walker.pid, signal.SIGKILL)
        walker.wait(timeout=10)

        found = json.loads(motcua(env, "shell", "-c", CONSISTENCY).strip().splitlines()[-1])
        assert found["dossiers"] > 0
        assert found["coded"] > 0
        assert found["distinct_codes"] == found["coded"]
        assert found["torn"] == []
        motcua(env, "counters-check")
        motcua(env, "audit-verify")
