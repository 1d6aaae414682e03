"""How long a read-only `motcua` command takes to start, against its floors.

    MOTCUA_DEMO=1 .venv/bin/python bench/cli_startup.py [--repeat 5]

Three commands, each run `--repeat` times as a fresh process on a migrated SQLite database:
`django.setup()` alone (the floor: settings and every app's models), `motcua deadline` (a
read-only command: no system checks, no URLconf) and `motcua check` (every check, the whole
URLconf: what each command paid before). Prints the median wall time of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MOTCUA = str(Path(sys.executable).with_name("motcua"))
COMMANDS = {
    "django.setup() (floor)": [sys.executable, "-c", "import django; django.setup()"],
    "motcua deadline": [
        MOTCUA,
        "deadline",
        "--start",
        "2026-02-13T16:30:00+07:00",
        "--duration",
        "3d",
    ],
    "motcua check (all checks)": [MOTCUA, "check"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var:
        env = {
            **os.environ,
            "MOTCUA_DEMO": "1",
            "MOTCUA_VAR_DIR": var,
            "DJANGO_SETTINGS_MODULE": "motcua.settings",
        }
        subprocess.run([MOTCUA, "migrate", "-v0"], env=env, check=True)
        for name, argv in COMMANDS.items():
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                subprocess.run(argv, env=env, check=True, capture_output=True)
                times.append(time.perf_counter() - started)
            print(f"{name:28} median {statistics.median(times) * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
