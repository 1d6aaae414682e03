"""Throughput and memory of `motcua import-dossiers` (domain.md §9) against its floor.

    .venv/bin/python bench/import_dossiers.py --rows 1000000 --verify --memory
    bash scripts/with-postgres.sh .venv/bin/python bench/import_dossiers.py --rows 1000000 \
        --verify --memory
    .venv/bin/python bench/import_dossiers.py --rows 20000 --verify     # quick (`make bench`)

With DATABASE_URL set the script uses that (fresh) database; otherwise a fresh SQLite file in a
temporary MOTCUA_VAR_DIR. It migrates, imports the demo catalog, writes a deterministic CSV
of N dossiers spread over the demo's agencies and procedures and the 12 months before
`--until`, then, in the same run:

- the floor: the same file loaded with no checks at all into a table of the file's 20 columns
  — on PostgreSQL one `COPY … FROM STDIN (FORMAT csv)` fed the file's bytes, on SQLite one
  `executemany` of the rows `csv.reader` gives, in one transaction, on a fresh database file
  with the same settings;
- `import-dossiers FILE` in its own process twice: the first run creates every dossier, the
  second finds them all unchanged; each reports its wall time, CPU and peak RSS;
- after the first import, two floors of writing what it wrote: the dossiers alone into a
  table like the dossier table with its indexes (`floor_postgres_dossiers`,
  `floor_sqlite_dossiers`), and the dossiers and their events written the cheapest way each
  database has (`floor_postgres_written`, `floor_sqlite_written`), with what the goal (50,000
  rows/s, or 0.25 of the bare load on SQLite) would leave for everything but that writing;
- `--memory`: a file of 2N rows imported the same way (same database; most of its codes are
  the first file's, so it updates), to see that the peak RSS does not follow the rows;
- `--verify`: the index counters compared with a rebuild;
- `--statements`: each import's SQL statements timed (and the staging pass and the COMMIT,
  where PostgreSQL runs the deferred foreign-key checks), slowest first, on stderr;
  `--explain MS` adds PostgreSQL's plan of each statement slower than MS (auto_explain,
  which needs a superuser: the throw-away cluster of scripts/with-postgres.sh is one).

Never run as a timed test; results go to bench/results/import.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from motcua.core.worktime import TZ, WorkingCalendar, parse_duration  # noqa: E402

CATALOG = ROOT / "src" / "motcua" / "demo" / "data" / "catalog.json"
# Issue 13's goals: a million rows at this rate on PostgreSQL, this share of the bare load on
# SQLite.
GOAL_ROWS_PER_SECOND = 50_000
GOAL_OF_BARE_LOAD = 0.25
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


# The import in a process of its own, reporting its own peak RSS and CPU (what `motcua
# import-dossiers FILE` runs, without the console script's wrapper).
IMPORT = """
import json, os, resource, sys
import django
django.setup()
from django.core.management import call_command
if os.environ.get("MOTCUA_BENCH_STATEMENTS"):
    sys.path.insert(0, os.environ["MOTCUA_BENCH_DIR"])
    from import_dossiers import statement_timer
    with statement_timer():
        call_command("import_dossiers", sys.argv[1])
else:
    call_command("import_dossiers", sys.argv[1])
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"rss_mib": usage.ru_maxrss / 1024, "cpu": usage.ru_utime + usage.ru_stime}))
"""


@contextmanager
def statement_timer(top: int = 25) -> Iterator[None]:
    """Time every SQL statement of the import (and the staging `COPY`, which bypasses the
    cursor's wrappers), then write the slowest to stderr: where the server's seconds go."""
    from django.db import connection

    from motcua.dossiers.importer import check, stage

    spent: dict[str, list[float]] = {}

    def note(sql: str, seconds: float) -> None:
        shape = " ".join(sql.split())
        entry = spent.setdefault(shape, [0.0, 0])
        entry[0] += seconds
        entry[1] += 1

    def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            note(sql, time.perf_counter() - started)

    load = stage.Staging.load

    def timed_load(self, rows, chunk):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return load(self, rows, chunk)
        finally:
            note("(staging: read, prepare and COPY the file)", time.perf_counter() - started)

    stage.Staging.load = timed_load  # type: ignore[method-assign]
    # PostgreSQL's way for a plain CSV: the file's bytes `COPY`'d, the empty due moments.
    steps = {
        "load_raw": "(staging: scan the file, COPY its bytes; moments' shape, empty due moments)",
        "dues_fill": "(due moments: COPY them in)",
    }
    originals = {name: getattr(check, name) for name in steps}

    def timed_step(name):  # type: ignore[no-untyped-def]
        def step(*args, **kwargs):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return originals[name](*args, **kwargs)
            finally:
                note(steps[name], time.perf_counter() - started)

        return step

    for name in steps:
        setattr(check, name, timed_step(name))
    # The deferred foreign-key checks of every written row run at COMMIT, outside any statement.
    commit = connection._commit

    def timed_commit():  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return commit()
        finally:
            note("(COMMIT)", time.perf_counter() - started)

    connection._commit = timed_commit  # type: ignore[method-assign]
    explain = os.environ.get("MOTCUA_BENCH_EXPLAIN")
    if explain:
        # Each statement slower than that many ms with its plan, timings and the triggers'
        # own statements, sent to this client as notices.
        with connection.cursor() as cursor:
            cursor.execute("LOAD 'auto_explain'")
            for name, value in (
                ("auto_explain.log_min_duration", explain),
                ("auto_explain.log_analyze", "on"),
                ("auto_explain.log_nested_statements", "on"),
                ("auto_explain.log_triggers", "on"),
                ("client_min_messages", "log"),
            ):
                cursor.execute(f"SET {name} = '{value}'")
        connection.connection.add_notice_handler(
            lambda notice: sys.stderr.write(f"{notice.message_primary}\n")
        )
    started = time.perf_counter()
    try:
        with connection.execute_wrapper(timed):
            yield
    finally:
        stage.Staging.load = load  # type: ignore[method-assign]
        for name, original in originals.items():
            setattr(check, name, original)
        connection._commit = commit  # type: ignore[method-assign]
        total = time.perf_counter() - started
        ranked = sorted(spent.items(), key=lambda item: -item[1][0])
        lines = [f"  {seconds:7.2f} s {calls:>5}x  {sql[:150]}" for sql, (seconds, calls) in ranked]
        rest = total - sum(seconds for seconds, _ in spent.values())
        sys.stderr.write(
            f"statements (total {total:.1f} s, {rest:.1f} s outside them):\n"
            + "\n".join(lines[:top])
            + "\n"
        )


def run_import(
    env: dict[str, str], source: Path, *, statements: bool = False, explain: int = 0
) -> dict:
    if statements or explain:
        env = {**env, "MOTCUA_BENCH_STATEMENTS": "1", "MOTCUA_BENCH_DIR": str(ROOT / "bench")}
    if explain:
        env["MOTCUA_BENCH_EXPLAIN"] = str(explain)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", IMPORT, str(source)],
        env={**env, "DJANGO_SETTINGS_MODULE": "motcua.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr[-5000:])
        raise SystemExit(f"import-dossiers failed with exit {result.returncode}")
    summary, measured = result.stdout.strip().splitlines()[-2:]
    if statements or explain:
        sys.stderr.write(result.stderr)
    return {"seconds": seconds, "summary": summary, **json.loads(measured)}


FLOOR_COLUMNS = {
    "code": "text",
    "procedure_code": "text",
    "agency_code": "text",
    "channel": "text",
    "received_at": "timestamptz",
    "due_at": "timestamptz",
    "finished_at": "timestamptz",
    "returned_at": "timestamptz",
    "state": "text",
    "supplements": "smallint",
    "digitized": "boolean",
    "e_result": "boolean",
    "result_to_store": "boolean",
    "fee_amount": "bigint",
    "paid_online": "boolean",
    "rating": "text",
    "rated_at": "timestamptz",
    "reused_data": "boolean",
    "registry_used": "boolean",
    "synced": "boolean",
}


def floor_postgres(url: str, source: Path) -> float:
    """One `COPY` of the file's bytes into a typed table of its columns (PostgreSQL parses
    the CSV); seconds."""
    import psycopg

    columns = ", ".join(f"{name} {kind}" for name, kind in FLOOR_COLUMNS.items())
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_floor")
        connection.execute(f"CREATE TABLE bench_floor ({columns})")
        started = time.monotonic()
        statement = "COPY bench_floor FROM STDIN (FORMAT csv, HEADER true)"
        with (
            connection.cursor() as cursor,
            cursor.copy(statement) as copy,
            source.open("rb") as handle,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
        seconds = time.monotonic() - started
        connection.execute("DROP TABLE bench_floor")
    return seconds


def _sqlite_fresh(path: Path) -> sqlite3.Connection:
    """A new SQLite database file with the project's settings (WAL, `synchronous=NORMAL`),
    in autocommit: each floor begins and commits its own transaction."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def floor_sqlite(workdir: Path, source: Path) -> float:
    """One `executemany` of the rows `csv.reader` gives, in one transaction, into a table of
    the file's columns in a fresh database with the project's settings; seconds."""
    path = workdir / "floor.sqlite3"
    connection = _sqlite_fresh(path)
    connection.execute(f"CREATE TABLE bench_floor ({', '.join(FLOOR_COLUMNS)})")
    placeholders = ", ".join("?" * len(FLOOR_COLUMNS))
    started = time.monotonic()
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        connection.execute("BEGIN")
        connection.executemany(f"INSERT INTO bench_floor VALUES ({placeholders})", reader)
        connection.execute("COMMIT")
    seconds = time.monotonic() - started
    connection.close()
    path.unlink()
    return seconds


def floor_postgres_dossiers(url: str, workdir: Path) -> tuple[int, float]:
    """The dossiers the import wrote, copied out in code order, then timed going back in
    with one `COPY` into a table like the dossier table — same columns, same indexes, no
    foreign-key checks: what writing these dossiers costs at the least. Code order is the
    cheapest for the indexes (bench/results/import.md) and does not depend on the order the
    import wrote them in (a first load that builds its indexes afterwards leaves them
    unsorted). Returns (rows, seconds)."""
    import psycopg

    dump = workdir / "dossiers.copy"
    with psycopg.connect(url, autocommit=True) as connection:
        with (
            connection.cursor() as cursor,
            dump.open("wb") as handle,
            cursor.copy("COPY (SELECT * FROM dossiers_dossier ORDER BY code) TO STDOUT") as copy,
        ):
            for block in copy:
                handle.write(block)
        connection.execute("DROP TABLE IF EXISTS bench_like")
        connection.execute("CREATE TABLE bench_like (LIKE dossiers_dossier INCLUDING ALL)")
        started = time.monotonic()
        with (
            connection.cursor() as cursor,
            cursor.copy("COPY bench_like FROM STDIN") as copy,
            dump.open("rb") as handle,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
        seconds = time.monotonic() - started
        rows = connection.execute("SELECT COUNT(*) FROM bench_like").fetchone()[0]
        connection.execute("DROP TABLE bench_like")
    dump.unlink()
    return rows, seconds


def floor_postgres_written(url: str) -> tuple[int, float]:
    """PostgreSQL: the dossiers and events the import wrote, copied (untimed) into unlogged
    tables, then timed going back in the cheapest way there is — one `INSERT … SELECT` each
    into a table like theirs with no index, then every index of the two tables built (the
    unique ones included), in one transaction — with no file to read, no row to check or
    type, no foreign key and no counter. A first load writes so too (`importer/bulk.py`).
    Returns (dossiers, seconds)."""
    import psycopg

    tables = {"dossiers_dossier": "bench_written", "dossiers_dossierevent": "bench_written_e"}
    with psycopg.connect(url, autocommit=True) as connection:
        indexes = connection.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes "
            "WHERE tablename = ANY(%s) ORDER BY 1, 2",
            [list(tables)],
        ).fetchall()
        for table, copy_of in tables.items():
            connection.execute(f"DROP TABLE IF EXISTS {copy_of}, {copy_of}_rows")
            connection.execute(
                f"CREATE UNLOGGED TABLE {copy_of}_rows AS SELECT * FROM {table} ORDER BY id"
            )
            connection.execute(f"CREATE TABLE {copy_of} (LIKE {table} INCLUDING DEFAULTS)")
        started = time.monotonic()
        with connection.transaction():
            for copy_of in tables.values():
                connection.execute(f"INSERT INTO {copy_of} SELECT * FROM {copy_of}_rows")
            for table, name, definition in indexes:
                made = definition.replace(f" {name} ON ", f" bench_{name} ON ", 1)
                connection.execute(made.replace(f".{table} ", f".{tables[table]} ", 1))
        seconds = time.monotonic() - started
        rows = connection.execute("SELECT COUNT(*) FROM bench_written").fetchone()[0]
        for copy_of in tables.values():
            connection.execute(f"DROP TABLE {copy_of}, {copy_of}_rows")
    return rows, seconds


def floor_sqlite_dossiers(database: Path, workdir: Path) -> tuple[int, float]:
    """The dossiers the import wrote, read back and timed going into a fresh database with
    one `executemany`, in one transaction, into a table like the dossier table — same
    columns, same indexes, no foreign-key checks and no triggers (the index's name tables
    the fresh database does not have). Returns (rows, seconds)."""
    source = sqlite3.connect(database)
    schema = [
        sql
        for (sql,) in source.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'dossiers_dossier' AND sql IS NOT NULL"
            " AND type IN ('table', 'index') ORDER BY type DESC"
        )
    ]
    path = workdir / "floor-like.sqlite3"
    target = _sqlite_fresh(path)
    for sql in schema:
        target.execute(sql.replace('"dossiers_dossier"', '"bench_like"'))
    width = len(source.execute("SELECT * FROM dossiers_dossier LIMIT 1").description)
    rows = source.execute("SELECT * FROM dossiers_dossier")
    started = time.monotonic()
    target.execute("BEGIN")
    target.executemany(f"INSERT INTO bench_like VALUES ({', '.join('?' * width)})", rows)
    target.execute("COMMIT")
    seconds = time.monotonic() - started
    count = target.execute("SELECT COUNT(*) FROM bench_like").fetchone()[0]
    target.close()
    source.close()
    path.unlink()
    return count, seconds


def floor_sqlite_written(database: Path, workdir: Path) -> tuple[int, float]:
    """SQLite: the dossiers and events the import wrote, copied by SQLite itself (one
    `INSERT … SELECT` each from the attached import database, in the order of their ids —
    the codes' order, as the import wrote them — one transaction, the import's 256 MiB page
    cache) into a fresh database with the two tables' own definitions and indexes, without
    triggers: writing these rows as the tables keep them, with no file to read, no row to
    check or type and no counter. Python binds no value here, unlike
    `floor_sqlite_dossiers`. Returns (dossiers, seconds)."""
    path = workdir / "floor-written.sqlite3"
    target = _sqlite_fresh(path)
    target.execute("PRAGMA cache_size = -262144")
    target.execute("ATTACH DATABASE ? AS written", [str(database)])
    tables = ("dossiers_dossier", "dossiers_dossierevent")
    for table in tables:
        for (sql,) in target.execute(
            "SELECT sql FROM written.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL"
            " AND type IN ('table', 'index') ORDER BY type DESC",
            [table],
        ).fetchall():
            target.execute(sql)
    started = time.monotonic()
    target.execute("BEGIN")
    target.execute(
        "INSERT INTO main.dossiers_dossier SELECT * FROM written.dossiers_dossier ORDER BY id"
    )
    target.execute(
        "INSERT INTO main.dossiers_dossierevent "
        "SELECT * FROM written.dossiers_dossierevent ORDER BY id"
    )
    target.execute("COMMIT")
    seconds = time.monotonic() - started
    count = target.execute("SELECT COUNT(*) FROM main.dossiers_dossier").fetchone()[0]
    target.close()
    path.unlink()
    return count, seconds


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
    parser.add_argument("--memory", action="store_true", help="also import 2× the rows")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--statements", action="store_true", help="time each SQL statement of the imports"
    )
    parser.add_argument(
        "--explain",
        type=int,
        default=0,
        metavar="MS",
        help="PostgreSQL: the plan of each statement slower than MS (auto_explain)",
    )
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="motcua-bench-import-"))
    env = {**os.environ, "MOTCUA_VAR_DIR": str(workdir / "var"), "MOTCUA_LOG_LEVEL": "WARNING"}
    env.setdefault("MOTCUA_DEMO", "1")
    url = env.get("DATABASE_URL", "")
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    url = url.replace("postgres://", "postgresql://")  # as psycopg takes it
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
        if database == "PostgreSQL":
            floor, how = floor_postgres(url, source), "COPY"
        else:
            floor, how = floor_sqlite(workdir, source), "executemany"
        floor_rate = options.rows / floor
        print(f"{database} floor ({how}): {floor:.1f} s = {floor_rate:,.0f} rows/s", flush=True)
        runs = [("first import", source), ("re-import", source)]
        if options.memory:
            double = workdir / "dossiers-2x.csv"
            generate(double, 2 * options.rows, seed=options.seed + 1, until=options.until)
            runs.append(("2x rows", double))
        for name, path in runs:
            rows = 2 * options.rows if path != source else options.rows
            run = run_import(env, path, statements=options.statements, explain=options.explain)
            rate = rows / run["seconds"]
            print(
                f"{database} {name}: {rows:,} rows in {run['seconds']:.1f} s wall = "
                f"{rate:,.0f} rows/s = {rate / floor_rate:.2f} of the floor; "
                f"{run['cpu']:.1f} s CPU in the importing process, peak RSS "
                f"{run['rss_mib']:.0f} MiB\n  {run['summary']}",
                flush=True,
            )
            if name == "first import":
                if database == "PostgreSQL":
                    rows, seconds = floor_postgres_dossiers(url, workdir)
                else:
                    rows, seconds = floor_sqlite_dossiers(
                        workdir / "var" / "motcua.sqlite3", workdir
                    )
                print(
                    f"{database} floor ({how} of the {rows:,} imported dossiers into a table like "
                    f"the dossier table, with its indexes): {seconds:.1f} s = "
                    f"{rows / seconds:,.0f} rows/s; the first import = "
                    f"{(rows / seconds) and rate / (rows / seconds):.2f} of it",
                    flush=True,
                )
                if database == "SQLite":
                    imported = workdir / "var" / "motcua.sqlite3"
                    rows, seconds = floor_sqlite_written(imported, workdir)
                    left, how_written = floor / GOAL_OF_BARE_LOAD - seconds, "copied by SQLite into"
                    goal = f"{GOAL_OF_BARE_LOAD} of the bare load"
                else:
                    rows, seconds = floor_postgres_written(url)
                    left = rows / GOAL_ROWS_PER_SECOND - seconds
                    how_written = "inserted, then indexed, into"
                    goal = f"{GOAL_ROWS_PER_SECOND:,} rows/s"
                print(
                    f"{database} floor (the {rows:,} imported dossiers and their events "
                    f"{how_written} tables like theirs): {seconds:.1f} s = "
                    f"{rows / seconds:,.0f} rows/s; the first import = "
                    f"{rate / (rows / seconds):.2f} of it; {goal} would leave {left:.1f} s "
                    "for reading, checking, typing and counting",
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
