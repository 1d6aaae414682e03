#!/usr/bin/env python
"""Pages at scale under the production server: N dossiers in PostgreSQL, gunicorn with the
production settings on 127.0.0.1, and U virtual users who sign in through /dang-nhap/ and
then read a documented mix of pages, for a bounded time and number of requests.

    bash scripts/with-postgres.sh .venv/bin/python bench/pages_load.py              # 1,000,000
    bash scripts/with-postgres.sh .venv/bin/python bench/pages_load.py --quick      # make bench

Steps:

1. `bench/pages_data.py` fills the database (skipped with --reuse when it already holds
   dossiers); `collectstatic` into a temporary MOTCUA_VAR_DIR;
2. gunicorn (`motcua.core.gunicorn_conf`, its worker count for this machine unless
   --workers) with MOTCUA_DEMO and MOTCUA_DEBUG off, a generated 64-character secret key,
   MOTCUA_ALLOWED_HOSTS=127.0.0.1 and a public address that is not local — the settings
   production requires;
3. each virtual user signs in for real (GET the form, POST name and password with the CSRF
   token; the lockout's rows are written as in production; a leader, each on an account of
   their own enrolled with a secret the bench keeps, then types the code of their
   authenticator app) — these sign-ins are reported apart, before the measured window;
4. for --duration seconds (at most --max-requests requests), each user loops: pick a page
   of its role's mix, GET it with its session, wait a think time of 2–5 s (uniform, as
   Locust's `between(2, 5)`), again. The roles and pages are `ROLES` below; the sign-in
   page (GET /dang-nhap/, one small template, no query of the data) is in every mix as the
   floor of the same run;
5. p50 / p95 / p99 per page from the recorded latencies (every request, no sampling; any
   answer but 200 — a redirect to the sign-in included — is an error, and fails the run), a
   Markdown report on stdout and in bench/results/pages.md (unless --no-write); gunicorn is
   stopped in every case.

The driver is Python threads over http.client (no dependency beyond the standard library):
one keep-alive connection per user, as a browser holds one.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookies
import os
import platform
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
RESULTS = ROOT / "bench/results/pages.md"
PASSWORD = "matkhau-do-tai-123"
SECOND_FACTOR = "/dang-nhap/ma-xac-thuc/"
# One province leader account per virtual leader: a code is accepted once per account and
# 30-second step, so two sessions of one account could not sign in within the same step.
LEADER_ACCOUNT = "bench_lanh_dao_tinh_{i}"
THINK = (2.0, 5.0)
SIGN_IN_PAGE = "sign-in page (floor)"


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # may hold {agency}, {tracked}, {province}
    weight: int


# Who signs in as whom, how many of the users, and what they read.
ROLES: dict[str, tuple[float, list[Page]]] = {
    "specialist": (
        0.3,
        [
            Page("officer queue", "/mot-cua/xu-ly/", 6),
            Page("officer queue, overdue", "/mot-cua/xu-ly/?status=overdue", 2),
            Page("officer queue, page 3", "/mot-cua/xu-ly/?page=3", 1),
            Page(SIGN_IN_PAGE, "/dang-nhap/", 1),
        ],
    ),
    "reception": (
        0.2,
        [
            Page("counter queue", "/mot-cua/", 5),
            Page("agency's day", "/mot-cua/hom-nay/?agency={agency}", 3),
            Page("agency's day, overdue", "/mot-cua/hom-nay/?agency={agency}&section=overdue", 1),
            Page(SIGN_IN_PAGE, "/dang-nhap/", 1),
        ],
    ),
    "leader": (
        0.1,
        [
            Page("dashboard (agency)", "/chi-so/?agency={agency}", 3),
            Page("drill-down on time (agency)", "/chi-so/chi-tieu/on_time/?agency={agency}", 1),
            Page("officer lines (agency)", "/chi-so/trach-nhiem/?agency={agency}", 1),
            Page("index API (agency)", "/api/v1/index?agency={agency}", 3),
            Page("index API (province)", "/api/v1/index?agency={province}", 2),
            Page(SIGN_IN_PAGE, "/dang-nhap/", 1),
        ],
    ),
    "citizen": (
        0.3,
        [
            Page("citizen's dossiers", "/ho-so-cua-toi/", 5),
            Page("tracking", "/tra-cuu/{tracked}/", 2),
            Page("public search", "/?q=khai+sinh", 2),
            Page(SIGN_IN_PAGE, "/dang-nhap/", 1),
        ],
    ),
    "visitor": (  # not signed in
        0.1,
        [
            Page("public search", "/?q=khai+sinh", 3),
            Page("public search", "/?q=dang+ky+kinh+doanh", 2),
            Page("tracking", "/tra-cuu/{tracked}/", 3),
            Page(SIGN_IN_PAGE, "/dang-nhap/", 2),
        ],
    ),
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- one virtual user -------------------------------------------------------------------------


@dataclass
class Sample:
    page: str
    started: float
    ms: float
    status: int


@dataclass
class User:
    role: str
    username: str | None
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    conn: http.client.HTTPConnection | None = None
    totp_secret: str = ""

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"Host": "127.0.0.1", "Accept": "text/html,application/json"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        for attempt in (1, 2):  # a kept-alive connection the server closed: reconnect once
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (TimeoutError, ConnectionError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            for header in response.headers.get_all("Set-Cookie") or []:
                jar = http.cookies.SimpleCookie(header)
                self.cookies.update({k: m.value for k, m in jar.items()})
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return response.status, data
        raise AssertionError("unreachable")

    def sign_in(self) -> float:
        started = time.perf_counter()
        status, html = self.request("GET", "/dang-nhap/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert status == 200 and token, f"sign-in form: {status}"
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "username": self.username,
                "password": PASSWORD,
            }
        ).encode()
        status, _ = self.request("POST", "/dang-nhap/", body)
        assert status == 302 and "sessionid" in self.cookies, f"sign-in {self.username}: {status}"
        if self.totp_secret:
            self._second_factor()
        return (time.perf_counter() - started) * 1000

    def _second_factor(self) -> None:
        """Leaders (and approvers) are signed in only by the code of their authenticator
        app after the password (docs/howto/second-factor.md); the bench holds the secret."""
        import pyotp

        status, html = self.request("GET", SECOND_FACTOR)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert status == 200 and token, f"second factor form {self.username}: {status}"
        code = pyotp.TOTP(self.totp_secret).now()
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1).decode(), "code": code}
        ).encode()
        status, _ = self.request("POST", SECOND_FACTOR, body)
        assert status == 302, f"second factor {self.username}: {status}"


def run_user(
    user: User,
    pages: list[Page],
    values: dict[str, str],
    stop_at: float,
    budget: threading.Semaphore,
    samples: list[Sample],
    seed: int,
) -> None:
    rng = random.Random(seed)
    weights = [p.weight for p in pages]
    time.sleep(rng.uniform(0, THINK[1]))  # users do not all start on the same tick
    while time.monotonic() < stop_at and budget.acquire(blocking=False):
        page = rng.choices(pages, weights)[0]
        started = time.perf_counter()
        try:
            status, _ = user.request("GET", page.path.format(**values))
        except OSError:
            status = 599
        samples.append(Sample(page.name, started, (time.perf_counter() - started) * 1000, status))
        time.sleep(min(rng.uniform(*THINK), max(0.0, stop_at - time.monotonic())))


# --- the server -------------------------------------------------------------------------------


def production_env(var_dir: Path, port: int, workers: int | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    env |= {
        "MOTCUA_DEMO": "0",
        "MOTCUA_DEBUG": "0",
        "MOTCUA_SECRET_KEY": secrets.token_urlsafe(48),
        "MOTCUA_ALLOWED_HOSTS": "127.0.0.1",
        "MOTCUA_PUBLIC_URL": "https://dichvucong.example.vn",
        "MOTCUA_VAR_DIR": str(var_dir),
        "MOTCUA_HOST": "127.0.0.1",
        "MOTCUA_PORT": str(port),
        "MOTCUA_LOG_LEVEL": "WARNING",
        "PROMETHEUS_MULTIPROC_DIR": str(var_dir / "prometheus"),
    }
    if workers:
        env["MOTCUA_WORKERS"] = str(workers)
    return env


def start_server(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [str(ROOT / ".venv/bin/motcua"), "collectstatic", "--noinput", "--verbosity", "0"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "--config",
            "python:motcua.core.gunicorn_conf",
            "motcua.wsgi",
        ],
        env=env,
        cwd=ROOT,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({server.returncode}); see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", int(env["MOTCUA_PORT"]), timeout=5)
            conn.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status in (200, 503):
                return server
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("gunicorn did not answer in 60 s")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


# --- the run ----------------------------------------------------------------------------------


def accounts(role: str, i: int) -> str | None:
    if role == "specialist":
        return "bench_chuyen_vien" if i % 5 == 0 else f"bench_chuyen_vien_{i % 5 - 1}"
    if role == "reception":
        return "bench_mot_cua"
    if role == "leader":
        return LEADER_ACCOUNT.format(i=i)
    if role == "citizen":
        from pages_data import CITIZENS

        return f"046{i % CITIZENS:09d}"
    return None


def leader_accounts(count: int) -> dict[str, str]:
    """The province leader accounts of the virtual leaders (made from `bench_lanh_dao_tinh` of
    bench/pages_data.py when missing), each enrolled in the second factor with a new secret
    that the bench keeps to type its codes."""
    import pyotp
    from django.utils import timezone

    from motcua.directory.models import Role, StaffRole
    from motcua.directory.models import User as Account
    from motcua.portal.models import SecondFactor

    template = Account.objects.get(username="bench_lanh_dao_tinh")
    province = StaffRole.objects.filter(user=template, role=Role.LEADER).values("agency_id")
    found = {}
    for i in range(count):
        account, _created = Account.objects.get_or_create(
            username=LEADER_ACCOUNT.format(i=i),
            defaults={"password": template.password, "full_name": f"Lãnh đạo tỉnh {i + 1}"},
        )
        StaffRole.objects.get_or_create(
            user=account, agency_id=province[0]["agency_id"], role=Role.LEADER
        )
        secret = pyotp.random_base32()
        SecondFactor.objects.update_or_create(
            user=account,
            defaults={
                "secret": secret,
                "created_at": timezone.now(),
                "confirmed_at": timezone.now(),
                "last_step": 0,
                "failures": 0,
            },
        )
        found[account.username] = secret
    return found


def users_for(count: int, port: int) -> list[User]:
    users: list[User] = []
    for role, (share, _pages) in ROLES.items():
        for i in range(max(1, round(count * share))):
            users.append(User(role=role, username=accounts(role, i), port=port))
    return users[:count] if len(users) > count else users


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def summarize(samples: list[Sample]) -> list[dict]:
    by_page: dict[str, list[Sample]] = {}
    for s in samples:
        by_page.setdefault(s.page, []).append(s)
    rows = []
    for name, group in by_page.items():
        ms = [s.ms for s in group]
        rows.append(
            {
                "page": name,
                "n": len(group),
                # A page answered by a redirect (to the sign-in or the second factor) was not
                # the page: it counts as failed, not as a fast request.
                "errors": sum(1 for s in group if s.status != 200),
                "p50": statistics.median(ms),
                "p95": percentile(ms, 0.95),
                "p99": percentile(ms, 0.99),
                "max": max(ms),
            }
        )
    floor = [r for r in rows if r["page"] == SIGN_IN_PAGE]
    rest = sorted((r for r in rows if r["page"] != SIGN_IN_PAGE), key=lambda r: -r["p95"])
    return rest + floor


def data_facts() -> dict:
    """What a reused database holds (the same facts `fill` returns)."""
    from django.db import connection

    from motcua.directory.models import StaffRole

    agency = StaffRole.objects.get(user__username="bench_mot_cua").agency
    with connection.cursor() as cursor:
        cursor.execute("SELECT state, COUNT(*) FROM dossiers_dossier GROUP BY state")
        states = dict(cursor.fetchall())
        cursor.execute(
            "SELECT COUNT(*) FROM dossiers_dossier WHERE agency_id = %s AND state IN "
            "('received', 'in_progress', 'supplement_requested', 'suspended', 'transferred')",
            [agency.pk],
        )
        open_count = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    return {
        "dossiers": sum(states.values()),
        "states": states,
        "agency_code": agency.code,
        "agency_open": open_count,
        "size": size,
        "reused": True,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="measured seconds")
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=0, help="default: gunicorn_conf's")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--reuse", action="store_true", help="use the dossiers already there")
    parser.add_argument("--quick", action="store_true", help="20,000 dossiers, 10 users, 15 s")
    parser.add_argument("--no-write", action="store_true", help="do not write the results file")
    parser.add_argument("--out", type=Path, default=RESULTS, help="the results file")
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        help="leave out the pages whose name contains this (repeatable), e.g. 'drill-down'",
    )
    args = parser.parse_args()
    for role, (share, pages) in list(ROLES.items()):
        kept = [p for p in pages if not any(word in p.name for word in args.exclude)]
        ROLES[role] = (share, kept)
    if args.quick:
        args.dossiers, args.users, args.duration, args.no_write = 20_000, 10, 15, True
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Run under scripts/with-postgres.sh (DATABASE_URL must name PostgreSQL).")

    import pages_data

    load_before = os.getloadavg()
    var_dir = Path(tempfile.mkdtemp(prefix="motcua-bench-pages-"))
    os.environ["MOTCUA_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("MOTCUA_DEMO", "1")  # this process only: generation and look-ups
    pages_data.setup()
    from django.db import connections

    from motcua.directory.models import Agency
    from motcua.dossiers.models import Dossier

    if args.reuse and Dossier.objects.exists():
        facts = data_facts()
    else:
        facts = pages_data.fill(args.dossiers)
    tracked = (
        Dossier.objects.filter(agency__code=facts["agency_code"], code__isnull=False)
        .order_by("-received_at")
        .values_list("code", flat=True)
        .first()
    )
    values = {
        "agency": facts["agency_code"],
        "province": Agency.objects.get(parent__isnull=True).code,
        "tracked": tracked,
    }
    leaders = sum(1 for u in users_for(args.users, args.port) if u.role == "leader")
    secrets_by_account = leader_accounts(leaders)
    connections.close_all()

    env = production_env(var_dir, args.port, args.workers or None)
    server = None
    try:
        server = start_server(env, var_dir / "gunicorn.log")
        workers = args.workers or (2 * (os.cpu_count() or 1) + 1)
        log(f"gunicorn on 127.0.0.1:{args.port}, {workers} workers")
        users = users_for(args.users, args.port)
        for user in users:
            user.totp_secret = secrets_by_account.get(user.username or "", "")
        sign_ins: list[float] = []
        lock = threading.Lock()

        def sign_in(user: User) -> None:
            if user.username is not None:
                ms = user.sign_in()
                with lock:
                    sign_ins.append(ms)

        started = time.perf_counter()
        threads = [threading.Thread(target=sign_in, args=(u,)) for u in users]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        log(f"{len(sign_ins)} users signed in in {time.perf_counter() - started:.1f} s")

        samples: list[Sample] = []
        budget = threading.Semaphore(args.max_requests)
        stop_at = time.monotonic() + args.duration
        threads = [
            threading.Thread(
                target=run_user,
                args=(u, ROLES[u.role][1], values, stop_at, budget, samples, 766 + i),
            )
            for i, u in enumerate(users)
        ]
        window = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.duration + 120)
        window = time.perf_counter() - window
    finally:
        if server is not None:
            stop_server(server)
            log("gunicorn stopped")
    rows = summarize(samples)
    text = report(args, facts, rows, sign_ins, window, len(samples), load_before, workers)
    print(text)
    if not args.no_write:
        args.out.write_text(text, encoding="utf-8")
        log(f"wrote {args.out}")
    shutil.rmtree(var_dir, ignore_errors=True)
    if any(r["errors"] for r in rows):
        sys.exit("some requests failed (see the errors column)")


def report(args, facts, rows, sign_ins, window, count, load_before, workers) -> str:
    import django

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    from django.db import connection

    pg = connection.cursor().connection.info.server_version
    states = ", ".join(f"{k} {v:,}" for k, v in sorted(facts["states"].items()))
    lines = [
        f"# Pages at {facts['dossiers']:,} dossiers",
        "",
        f"Measured {datetime.now():%d/%m/%Y %H:%M} with `bench/pages_load.py`:",
        "",
        "```",
        "bash scripts/with-postgres.sh .venv/bin/python bench/pages_load.py "
        f"--dossiers {args.dossiers} --users {args.users} --duration {args.duration}"
        + "".join(f" --exclude '{word}'" for word in args.exclude),
        "```",
        "",
        f"- Data: {facts['dossiers']:,} dossiers in PostgreSQL {pg // 10000}.{pg % 10000} "
        f"({facts['size']}): {states}. The measured agency {facts['agency_code']} holds "
        f"{facts['agency_open']:,} open dossiers.",
        f"- Server: gunicorn, `motcua.core.gunicorn_conf` ({workers} gthread workers × 4 "
        "threads), production settings (DEMO and DEBUG off), 127.0.0.1.",
        f"- Load: {args.users} users, each signed in through /dang-nhap/ first (p50 "
        f"{statistics.median(sign_ins) if sign_ins else 0:.0f} ms per sign-in, password "
        f"hashing included), then {window:.0f} s of pages with {THINK[0]:.0f}–{THINK[1]:.0f} s "
        f"of think time: {count:,} requests ({count / window:.1f}/s). Mix per role in "
        "`ROLES` of bench/pages_load.py.",
        f"- Machine: {cpu}, {os.cpu_count()} CPUs shared by client, server and database; "
        f"Python {platform.python_version()}, Django {django.get_version()}; load average "
        f"{load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after.",
        "",
        "| page | requests | errors | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['page']} | {r['n']:,} | {r['errors']} | {r['p50']:.0f} | {r['p95']:.0f} | "
            f"{r['p99']:.0f} | {r['max']:.0f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
