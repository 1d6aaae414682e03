"""The console script itself: dashed command names (§9) reach the Django commands."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.passes import sqlite_pass_only

MOTCUA = Path(sys.executable).with_name("motcua")


def test_import_catalog_by_its_dashed_name_rejects_malformed_json(tmp_path):
    bad = tmp_path / "catalog.json"
    bad.write_text('{"agencies": [', encoding="utf-8")
    result = subprocess.run(
        [str(MOTCUA), "import-catalog", str(bad)],
        capture_output=True,
        text=True,
        env={"MOTCUA_VAR_DIR": str(tmp_path), "MOTCUA_DEMO": "1", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"{bad}:1:15: JSON sai cú pháp: Expecting value\n"


@sqlite_pass_only
def test_a_read_only_command_starts_without_importing_the_urlconf(tmp_path, migrated_sqlite):
    """System checks import every view through the URLconf; `deadline`, `index` and `kpi`
    skip them, which is most of a read-only command's start-up."""
    probe = (
        "import sys; from motcua.cli import main; sys.argv = ['motcua'] + sys.argv[1:]\n"
        "try:\n    main()\nfinally:\n"
        "    print('urls imported:', 'motcua.urls' in sys.modules, file=sys.stderr)\n"
    )
    shutil.copy(migrated_sqlite, tmp_path / "motcua.sqlite3")
    env = {"MOTCUA_VAR_DIR": str(tmp_path), "MOTCUA_DEMO": "1", "PATH": "/usr/bin:/bin"}
    deadline = ["deadline", "--start", "2026-02-13T16:30:00+07:00", "--duration", "3d"]
    result = subprocess.run(
        [sys.executable, "-c", probe, *deadline],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "2026-02-25T16:30:00+07:00\n"
    assert result.stderr.strip().endswith("urls imported: False")
