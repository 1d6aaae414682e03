#!/usr/bin/env python
"""Latency of the back-office pages at 100,000 dossiers: the personal work queue and the
agency's day, measured with `wrk` on 127.0.0.1 against `motcua runserver`.

    .venv/bin/python bench/office_pages.py                 # 100,000 dossiers, 30 s per page
    .venv/bin/python bench/office_pages.py --dossiers 20000 --duration 10 --no-write

Needs Debian's `wrk` (`apt-get install -y wrk`). Steps, all in a fresh temporary
MOTCUA_VAR_DIR (SQLite), removed at the end unless --keep:

1. `motcua migrate` and `motcua import-catalog src/motcua/demo/data/catalog.json` (26 agencies,
   60 procedures, the default 3-step workflow);
2. three staff users in the busiest commune (a specialist, an approver, the counter) and
   N dossiers written with batched INSERTs (a benchmark shortcut: no events, no index
   counters), spread over the catalog's agencies and procedures and the last 12 months:
   about a third open (in progress at a step, suspended, transferred, just received), the
   rest returned; due moments from the procedure's time limit;
3. the number of SQL queries each measured page makes (Django test client, in-process);
4. `motcua runserver 127.0.0.1:PORT --noreload`, sign-in through /dang-nhap/, then for each
   page `wrk -t2 -c4 -d{duration}s` with the session cookie, p50/p95/p99 from wrk's own
   latency histogram (Lua `done` hook); the server is stopped at the end;
5. a Markdown report on stdout and in bench/results/office.md.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MOTCUA = ROOT / ".venv/bin/motcua"
CATALOG = ROOT / "src/motcua/demo/data/catalog.json"
RESULTS = ROOT / "bench/results/office.md"
AGENCY = "000.50.01.H46"  # UBND phường Thuận Hóa: 28 procedures, the busiest counter
PASSWORD = "matkhau-do-tai-123"
DAY = f"/mot-cua/hom-nay/?agency={AGENCY}"
PAGES = [  # name, who, URL
    ("queue", "specialist", "/mot-cua/xu-ly/"),
    ("queue, overdue + search", "specialist", "/mot-cua/xu-ly/?status=overdue&q=khai+sinh"),
    ("agency's day", "reception", DAY),
    ("agency's day, overdue list", "reception", f"{DAY}&section=overdue"),
]
SEED = 766

WRK_LUA = """
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non2xx": %d, "socket_errors": %d, '
    .. '"p50": %.2f, "p95": %.2f, "p99": %.2f, "max": %.2f, "mean": %.2f}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000))
end
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def motcua(*args: str, env: dict[str, str]) -> None:
    subprocess.run([str(MOTCUA), *args], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


# --- data ----------------------------------------------------------------------------------


def seed(n: int) -> dict:
    """Staff users and `n` dossiers; returns what the report says about the data."""
    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.models import DateTimeField
    from django.utils import timezone

    from motcua.catalog.models import Procedure, WorkflowStep
    from motcua.directory.models import Agency, Role, StaffRole, User
    from motcua.dossiers.models import Channel, Dossier, State

    rng = random.Random(SEED)
    agency = Agency.objects.get(code=AGENCY)
    users = {}
    for username, role in (
        ("bench_chuyen_vien", Role.SPECIALIST),
        ("bench_lanh_dao", Role.APPROVER),
        ("bench_mot_cua", Role.RECEPTION),
    ):
        user = User.objects.create_user(username=username, password=PASSWORD)
        user.full_name = f"Cán bộ {username}"
        user.save(update_fields=["full_name"])
        StaffRole.objects.create(user=user, agency=agency, role=role)
        users[role] = user
    colleagues = [users[Role.SPECIALIST].pk]
    for i in range(3):
        colleague = User.objects.create_user(username=f"bench_chuyen_vien_{i}")
        StaffRole.objects.create(user=colleague, agency=agency, role=Role.SPECIALIST)
        colleagues.append(colleague.pk)

    steps: dict[int, list[int]] = {}
    for procedure_id, step_id in WorkflowStep.objects.order_by(
        "procedure_id", "position"
    ).values_list("procedure_id", "id"):
        steps.setdefault(procedure_id, []).append(step_id)
    combos: list[tuple[int, int, str, float]] = []  # agency, procedure, agency code, days
    weights: list[float] = []
    for procedure in Procedure.objects.prefetch_related("agencies"):
        duration = procedure.duration
        days = duration.working_days if duration else 10.0
        for a in procedure.agencies.all():
            combos.append((a.pk, procedure.pk, a.code, days))
            weights.append(1.5 if a.code.startswith("000.50.") else 1.0)
    partner = Agency.objects.get(code="000.00.14.H46").pk  # Sở Tài chính: transfers go there

    fields = [f for f in Dossier._meta.concrete_fields if not f.primary_key]
    template = Dossier(channel=Channel.DIRECT, applicant_name="Nguyễn Văn Thử")
    template.updated_at = timezone.now()
    constant = {
        f.attname: f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields
    }
    moments = {f.attname for f in fields if isinstance(f, DateTimeField)}
    adapt = connection.ops.adapt_datetimefield_value
    names = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = (
        f"INSERT INTO {Dossier._meta.db_table} ({columns}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    now = timezone.now()
    picks = rng.choices(combos, weights=weights, k=n)
    counts: dict[str, int] = {}
    started = time.perf_counter()
    batch: list[list] = []
    with transaction.atomic(), connection.cursor() as cursor:
        for i, (agency_id, procedure_id, code, days) in enumerate(picks):
            received = now - timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
            # About 1.4 calendar days per working day.
            due = received + timedelta(days=days * 1.4 * rng.uniform(0.9, 1.1))
            age = (now - received).days
            roll = rng.random()
            row: dict = {
                "reference": f"TN-B-{i:08d}",
                "code": f"{code}-{received:%y%m%d}-{i:07d}",
                "procedure_id": procedure_id,
                "agency_id": agency_id,
                "created_at": received - timedelta(minutes=5),
                "received_at": received,
                "due_at": due,
            }
            open_share = 0.75 if age < 45 else 0.12
            if roll < open_share:
                chain = steps.get(procedure_id) or [None]
                position = rng.randrange(len(chain))
                started_at = received + (now - received) * rng.uniform(0.1, 0.9)
                row |= {
                    "state": State.IN_PROGRESS,
                    "current_step_id": chain[position],
                    "step_started_at": started_at,
                    "step_due_at": started_at + timedelta(days=days * 0.6),
                    "assignee_id": (
                        rng.choice([None, None, *colleagues]) if code == AGENCY else None
                    ),
                }
                sub = rng.random()
                if sub < 0.08:
                    row |= {"state": State.SUSPENDED, "suspend_kind": "other"}
                    row |= {"paused_at": started_at + timedelta(hours=3)}
                elif sub < 0.12:
                    row |= {"state": State.TRANSFERRED, "transfer_agency_id": partner}
                elif sub < 0.18:
                    row |= {"state": State.RECEIVED, "current_step_id": None}
                    row |= {"step_started_at": None, "step_due_at": None, "assignee_id": None}
            else:
                finished = received + (due - received) * rng.uniform(0.3, 1.3)
                row |= {
                    "state": State.RETURNED,
                    "finished_at": finished,
                    "returned_at": finished + timedelta(hours=4),
                    "closed_at": finished + timedelta(hours=4),
                }
            counts[row["state"]] = counts.get(row["state"], 0) + 1
            batch.append(
                [
                    (adapt(row[k]) if k in moments else row[k]) if k in row else constant[k]
                    for k in names
                ]
            )
            if len(batch) == 5000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    log(f"seeded {n} dossiers in {time.perf_counter() - started:.1f} s: {counts}")
    return {
        "counts": counts,
        "agency_dossiers": Dossier.objects.filter(agency=agency).count(),
        "agency_open": Dossier.objects.filter(agency=agency).exclude(state=State.RETURNED).count(),
        "users": {role: user.username for role, user in users.items()},
    }


def query_counts(pages: list[tuple[str, str, str]], users: dict) -> dict[str, int]:
    """SQL queries per page, in-process (the same code the server runs)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from motcua.directory.models import User

    setup_test_environment()
    found = {}
    for name, role, url in pages:
        client = Client()
        client.force_login(User.objects.get(username=users[role]))
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        found[name] = len(context.captured_queries)
        rows = len(re.findall(r'<tr data-code="', response.content.decode()))
        log(f"{name}: {found[name]} queries, {rows} rows")
    return found


# --- server and measurement ---------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def sign_in(base: str, username: str) -> str:
    """The `Cookie` header of a signed-in session, through the real sign-in form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    html = opener.open(f"{base}/dang-nhap/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token, "no CSRF token on the sign-in page"
    body = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": PASSWORD}
    ).encode()
    try:
        opener.open(urllib.request.Request(f"{base}/dang-nhap/", data=body))
    except urllib.error.HTTPError as error:
        if error.code != 302:
            raise
    cookies = {c.name: c.value for c in jar}
    assert "sessionid" in cookies, "sign-in failed"
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def wait_for(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/dang-nhap/", timeout=2).read()
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("the server did not answer in time")


def measure(url: str, cookie: str, duration: int, connections: int, lua: Path) -> dict:
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "20s",
        "-s",
        str(lua),
        "-H",
        f"Cookie: {cookie}",
        url,
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = json.loads([line for line in output.splitlines() if line.startswith("{")][-1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def machine() -> dict[str, str]:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = "?"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) / 1048576:.1f} GiB"
    import django

    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return {
        "cpu": f"{cpu}, {os.cpu_count()} logical CPUs",
        "memory": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "wrk": (wrk.stdout or wrk.stderr).splitlines()[0].split(" Copyright")[0],
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def report(args, facts: dict, data: dict, queries: dict, results: dict, alone: dict, pages) -> str:
    lines = [
        "# Back-office pages under load",
        "",
        f"Measured {datetime.now():%d/%m/%Y %H:%M} with `bench/office_pages.py`:",
        "",
        "```",
        f".venv/bin/python bench/office_pages.py --dossiers {args.dossiers} "
        f"--duration {args.duration} --connections {args.connections}",
        "```",
        "",
        f"- Data: {args.dossiers:,} dossiers in SQLite (WAL) over the demo catalog's 26 agencies "
        f"and 60 procedures, received over the last 12 months: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(data["counts"].items()))
        + f". The measured agency ({AGENCY}) holds {data['agency_dossiers']:,} of them, "
        f"{data['agency_open']:,} not yet returned.",
        "- Server: `motcua runserver 127.0.0.1 --noreload` (one process, a thread per "
        "request, DEBUG off), signed in through /dang-nhap/.",
        f"- Load: per page, `wrk -t1 -c1 -d{args.duration // 3 or 1}s` (one request at a "
        f"time: the page's own latency), then `wrk -t2 -c{args.connections} "
        f"-d{args.duration}s` (concurrent officers), with the session cookie, on 127.0.0.1 "
        "(client and server share the machine); percentiles from wrk's latency histogram.",
        f"- Machine: {facts['cpu']}; {facts['memory']} RAM; {facts['os']}; Python "
        f"{facts['python']}, Django {facts['django']}, SQLite {facts['sqlite']}, "
        f"{facts['wrk']}; load average {facts['load']} before the run and "
        f"{facts['load_after']} after it (a shared machine where other jobs run: the "
        "absolute numbers are pessimistic).",
        "",
        f"| page | URL | SQL queries | alone p50 ms | alone p95 ms | "
        f"{args.connections} conn. req/s | p50 ms | p95 ms | p99 ms | non-2xx |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, _role, url in pages:
        r, a = results[name], alone[name]
        lines.append(
            f"| {name} | `{url}` | {queries[name]} | {a['p50']:.0f} | {a['p95']:.0f} | "
            f"{r['rps']:.1f} | {r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} | "
            f"{r['non2xx'] + a['non2xx']} |"
        )
    lines += [
        "",
        "The query counts are fixed by the page, not by the data: `tests/office/test_scale.py` "
        "asserts them at 100,000 dossiers. The queue is a UNION of three index-backed "
        "parts (the dossier's agency and state, its current step, its transfer agency), so its "
        "cost follows the user's agencies; the agency's day reads the (agency, state, due) and "
        "(agency, received) indexes. One runserver process runs Python for one request at a "
        "time (the GIL): with 4 connections most of the latency is waiting in line, which "
        "several gunicorn workers would spread over the CPUs.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=30, help="seconds per page")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--no-write", action="store_true", help="do not write the results file")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install -y wrk")

    var_dir = Path(tempfile.mkdtemp(prefix="motcua-bench-office-"))
    env = {**os.environ, "MOTCUA_VAR_DIR": str(var_dir), "MOTCUA_DEBUG": "0"}
    env.pop("DATABASE_URL", None)
    os.environ.update({"MOTCUA_VAR_DIR": str(var_dir), "MOTCUA_DEBUG": "0"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT / "src"))
    server = None
    try:
        facts = machine()
        log(f"migrate + import-catalog into {var_dir}")
        motcua("migrate", "--verbosity", "0", env=env)
        motcua("import-catalog", str(CATALOG), env=env)
        data = seed(args.dossiers)
        pages = PAGES
        queries = query_counts(pages, data["users"])
        from django.db import connections

        connections.close_all()

        base = f"http://127.0.0.1:{args.port}"
        server_log = open(var_dir / "server.log", "w")  # noqa: SIM115 - closed below
        server = subprocess.Popen(
            [str(MOTCUA), "runserver", f"127.0.0.1:{args.port}", "--noreload"],
            env=env,
            cwd=ROOT,
            stdout=server_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(base)
        cookies = {role: sign_in(base, name) for role, name in data["users"].items()}
        lua = var_dir / "report.lua"
        lua.write_text(WRK_LUA)
        results, alone = {}, {}
        for name, role, url in pages:
            measure(base + url, cookies[role], 3, args.connections, lua)  # warm-up
            alone[name] = measure(base + url, cookies[role], args.duration // 3 or 1, 1, lua)
            results[name] = measure(base + url, cookies[role], args.duration, args.connections, lua)
            r, a = results[name], alone[name]
            log(
                f"{name}: alone p50 {a['p50']:.0f} ms p95 {a['p95']:.0f} ms; "
                f"{args.connections} connections p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms, "
                f"{r['rps']:.1f} req/s"
            )
        facts["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        text = report(args, facts, data, queries, results, alone, pages)
        print(text)
        if not args.no_write:
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(text, encoding="utf-8")
            log(f"wrote {RESULTS.relative_to(ROOT)}")
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            log("server stopped")
        if args.keep:
            log(f"kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
