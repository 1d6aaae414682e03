"""Throughput of `motcua import-dossiers` (domain.md §9), first import and idempotent re-import.

    .venv/bin/python bench/import_dossiers.py --rows 1000000            # SQLite, temp var dir
    bash scripts/with-postgres.sh .venv/bin/python bench/import_dossiers.py --rows 1000000

With DATABASE_URL set the script uses that (fresh) database; otherwise a fresh SQLite file in a
temporary MOTCUA_VAR_DIR. It migrates, imports the demo catalog, writes a deterministic CSV
of N dossiers spread over the demo's agencies and procedures and the 12 months before
`--until`, then times `motcua import-dossiers FILE` as a subprocess twice: the first run
creates every dossier, the second finds them all unchanged. `--verify` then checks that the
index counters equal a rebuild. Never run as a timed test; results go to bench/results/.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from motcua.core.worktime import TZ, WorkingCalendar, parse_duration  # noqa: E402

CATALOG = ROOT / "src" / "motcua" / "demo" / "data" / "catalog.json"
MOTCUA = Path(sys.executable).with_name("motcua")
HEADER = [
    "code",
    "procedure_code",
    "agency_code",
    "channel",
    "received_at",
    "due_at",
    "finished_at",
    "returned_at",
    "state",
    "supplements",
    "digitized",
    "e_result",
    "result_to_store",
    "fee_amount",
    "paid_online",
    "rating",
    "rated_at",
    "reused_data",
    "registry_used",
    "synced",
]
# What a year of a province's one-stop shop looks like (roughly the demo's proportions).
OPEN_STATES = {
    "received": 4,
    "in_progress": 12,
    "supplement_requested": 4,
    "suspended": 2,
    "transferred": 1,
}
CLOSED_STATES = {"returned": 60, "result_ready": 10, "refused": 4, "withdrawn": 2, "cancelled": 1}
STATES = {**OPEN_STATES, **CLOSED_STATES}
POPULAR = {"1.001193": 10, "2.000488": 8, "1.000894": 6, "2.000815": 8, "1.002804": 4}


def _bool(flag: bool) -> str:
    return "true" if flag else "false"


def generate(path: Path, rows: int, *, seed: int, until: date) -> None:
    """A CSV of `rows` dossiers; the same seed and `until` give the same file."""
    rng = random.Random(seed)
    catalog = json.loads(CATALOG.read_text(encoding="utf-8"))
    procedures = catalog["procedures"]
    weights = [POPULAR.get(p["code"], 1) for p in procedures]
    durations = {
        p["code"]: parse_duration(p["time_limit"]).delta if p["time_limit"] else None
        for p in procedures
    }
    fees = {p["code"]: sum(f["amount"] for f in p.get("fees", [])) for p in procedures}
    calendar = WorkingCalendar()
    first_day = until - timedelta(days=365)
    state_names, state_weights = list(STATES), list(STATES.values())
    sequence: dict[tuple[str, date], int] = {}
    picks = rng.choices(procedures, weights, k=rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for procedure in picks:
            code = procedure["code"]
            agency = rng.choice(procedure["agencies"])
            day = first_day + timedelta(days=rng.randrange(366))
            if day.weekday() >= 5 and rng.random() < 0.9:
                day -= timedelta(days=day.weekday() - 4)  # mostly on working days
            minute = rng.randrange(7 * 60 + 30, 17 * 60)
            received = datetime.combine(day, clock(minute // 60, minute % 60), tzinfo=TZ)
            received += timedelta(seconds=rng.randrange(60))
            number = sequence[(agency, day)] = sequence.get((agency, day), 0) + 1
            duration = durations[code]
            due = calendar.add(received, duration) if duration else None
            span = (due - received) if due else timedelta(days=10)
            state = rng.choices(state_names, state_weights)[0]
            finished = returned = None
            if state in ("returned", "result_ready") or (state == "refused" and rng.random() < 0.5):
                if rng.random() < 0.85:
                    finished = received + span * rng.uniform(0.2, 1.0)
                else:
                    finished = received + span + timedelta(hours=rng.uniform(1, 120))
            if state == "returned":
                assert finished is not None
                returned = finished + timedelta(hours=rng.uniform(0.5, 72))
            supplements = rng.choices((0, 1, 2), (85, 12, 3))[0]
            e_result = finished is not None and rng.random() < 0.6
            fee = fees[code]
            online = rng.random() < 0.45
            channel = "online" if online else ("direct" if rng.random() < 0.9 else "postal")
            rating, rated = "", None
            if finished is not None and rng.random() < 0.25:
                rating = rng.choices(("very_satisfied", "satisfied", "unsatisfied"), (5, 4, 1))[0]
                rated = (returned or finished) + timedelta(hours=rng.uniform(0, 48))
            out.writerow(
                [
                    f"{agency}-{day:%y%m%d}-{number:04d}",
                    code,
                    agency,
                    channel,
                    received.isoformat(),
                    # Half the rows carry their due moment; the importer computes the rest.
                    due.isoformat() if due and rng.random() < 0.5 else "",
                    finished.isoformat(timespec="seconds") if finished else "",
                    returned.isoformat(timespec="seconds") if returned else "",
                    state,
                    supplements,
                    _bool(rng.random() < 0.7),
                    _bool(e_result),
                    _bool(e_result and rng.random() < 0.5),
                    fee,
                    _bool(fee > 0 and online and rng.random() < 0.6),
                    rating,
                    rated.isoformat(timespec="seconds") if rated else "",
                    _bool(rng.random() < 0.3),
                    _bool(rng.random() < 0.4),
                    _bool(rng.random() < 0.95),
                ]
            )


def motcua(env: dict[str, str], *args: str) -> tuple[float, str]:
    started = time.monotonic()
    result = subprocess.run(
        [str(MOTCUA), *args], env=env, capture_output=True, text=True, check=False
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr[-5000:])
        raise SystemExit(f"motcua {' '.join(args)} failed with exit {result.returncode}")
    return seconds, result.stdout.strip()


VERIFY = """
import django
django.setup()
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.counters.selectors import counters_snapshot
from motcua.counters.services import counters_rebuild
incremental = counters_snapshot()
counters_rebuild()
rebuilt = counters_snapshot()
print(Dossier.objects.count(), DossierEvent.objects.count(), len(rebuilt), incremental == rebuilt)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--until", type=date.fromisoformat, default=date(2026, 10, 31))
    parser.add_argument("--verify", action="store_true", help="compare counters with a rebuild")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="motcua-bench-import-"))
    env = {**os.environ, "MOTCUA_VAR_DIR": str(workdir / "var"), "MOTCUA_LOG_LEVEL": "WARNING"}
    database = "PostgreSQL" if env.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    try:
        motcua(env, "migrate", "--noinput")
        motcua(env, "import-catalog", str(CATALOG))
        source = workdir / "dossiers.csv"
        started = time.monotonic()
        generate(source, options.rows, seed=options.seed, until=options.until)
        size = source.stat().st_size
        print(
            f"{database}: generated {options.rows:,} rows ({size / 2**20:.0f} MiB) "
            f"in {time.monotonic() - started:.0f} s",
            flush=True,
        )
        for name in ("first import", "re-import"):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            seconds, summary = motcua(env, "import-dossiers", str(source))
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            print(
                f"{database} {name}: {options.rows:,} rows in {seconds:.1f} s wall = "
                f"{options.rows / seconds:,.0f} rows/s; the import process used {cpu:.1f} s "
                f"of CPU (peak RSS of any child so far {after.ru_maxrss / 1024:.0f} MiB)\n"
                f"  {summary}",
                flush=True,
            )
        if options.verify:
            result = subprocess.run(
                [sys.executable, "-c", VERIFY],
                env={**env, "DJANGO_SETTINGS_MODULE": "motcua.settings"},
                capture_output=True,
                text=True,
                check=True,
            )
            print(f"{database} verify (dossiers, events, counters, equal): {result.stdout.strip()}")
    finally:
        if options.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
