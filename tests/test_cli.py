"""The console script itself: dashed command names (§9) reach the Django commands."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
