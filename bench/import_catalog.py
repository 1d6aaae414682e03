#!/usr/bin/env python
"""Throughput of `motcua import-catalog` (domain.md §9): a first import, a re-import of the same
file (every procedure found unchanged) and an import of a new edition (every procedure's name,
a fee and a document changed, so every procedure and those children are rewritten).

    .venv/bin/python bench/import_catalog.py --procedures 20000           # SQLite, temp var dir
    bash scripts/with-postgres.sh .venv/bin/python bench/import_catalog.py --procedures 20000

With DATABASE_URL set the script uses that (fresh) database; otherwise a fresh SQLite file in a
temporary MOTCUA_VAR_DIR. It migrates, writes the generated catalog (bench/catalog_data.py: the
demo's agencies, N procedures with three documents, a fee and a publication each) to a JSON
file and runs the command in process three times, printing procedures/s and the SQL queries of each
run. Not a test: times depend on the machine (docs/performance.md).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
os.environ.setdefault("MOTCUA_DEMO", "1")
os.environ.setdefault("MOTCUA_LOG_LEVEL", "WARNING")
WORKDIR = Path(tempfile.mkdtemp(prefix="motcua-bench-catalog-"))
os.environ["MOTCUA_VAR_DIR"] = str(WORKDIR / "var")

import django  # noqa: E402

django.setup()

from catalog_data import generate  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from motcua.catalog.models import Procedure, RequiredDocument  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--procedures", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()
    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    try:
        call_command("migrate", verbosity=0)
        files = []
        for edition in (1, 2):
            source = WORKDIR / f"catalog-{edition}.json"
            data = generate(options.procedures, seed=options.seed, edition=edition)
            source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            files.append(source)
        runs = [
            ("first import", files[0]),
            ("re-import, unchanged", files[0]),
            ("new edition, all changed", files[1]),
        ]
        for run, source in runs:
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                call_command("import_catalog", str(source), stdout=io.StringIO())
                seconds = time.perf_counter() - started
            print(
                f"{database} {run}: {options.procedures:,} procedures in {seconds:.2f} s = "
                f"{options.procedures / seconds:,.0f} procedures/s, {len(queries):,} queries",
                flush=True,
            )
        print(
            f"{database}: {Procedure.objects.count():,} procedures, "
            f"{RequiredDocument.objects.count():,} documents in the database"
        )
    finally:
        shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    main()
