#!/usr/bin/env python
"""Latency and SQL query count of the leaders' pages: the drill-down pages on the demo
province, or the dashboard and the `on_time` drill-down on the 1,000,000 dossiers of
bench/pages_data.py.

    MOTCUA_VAR_DIR=/tmp/idx-demo .venv/bin/motcua migrate
    MOTCUA_VAR_DIR=/tmp/idx-demo .venv/bin/motcua load_demo
    MOTCUA_VAR_DIR=/tmp/idx-demo .venv/bin/python bench/drilldown_pages.py [--repeat 10]

    # a database filled by bench/pages_data.py (DATABASE_URL), its static files collected
    # (`motcua collectstatic`); --before runs the same pages from another checkout (a git
    # worktree of an earlier commit) against the same database first, in the same run;
    # --add-steps first gives the dossiers of the last months their workflow steps
    MOTCUA_DEMO=1 DATABASE_URL=postgres://… .venv/bin/python bench/drilldown_pages.py \
        --pages-data [--add-steps] [--before /tmp/motcua-before] [--repeat 5]

    # with steps, every step walked and then the closed ones timed, in one run (issue 13):
    bash scripts/with-postgres.sh bash -c 'export MOTCUA_DEMO=1 MOTCUA_VAR_DIR=$(mktemp -d) && \
        .venv/bin/python bench/pages_data.py && .venv/bin/motcua collectstatic --noinput -v0 \
        && .venv/bin/python -u bench/drilldown_pages.py --pages-data \
        --add-steps --time-steps --repeat 3'

Reads the database it is pointed at; writes nothing to it but the events of --add-steps and
the step timing of --time-steps.
The demo: ~2,500 dossiers over six months, the province thành phố Huế led by `lanhdao`.
`--pages-data`: the province leader `bench_lanh_dao_tinh`, the measured commune (the agency
of `bench_mot_cua`) and the province.
Each page is requested in process with Django's test client, signed in as the leader, over
the year so far (the pages' default period: from 1 January to today), `--repeat` times after
one warm-up request; it prints the median and the slowest time, the number of SQL queries of
one request and their time in the database, as a Markdown table. Not a test: times depend on
the machine (docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from motcua.directory.models import StaffRole, User  # noqa: E402
from motcua.dossiers.models import Dossier, DossierEvent  # noqa: E402
from motcua.index.models import ClosedStep, StepWindow  # noqa: E402
from motcua.index.steps import steps_rebuild  # noqa: E402

LEADER = "lanhdao"
PAGES_DATA_LEADER = "bench_lanh_dao_tinh"
PAGES_DATA_RECEPTION = "bench_mot_cua"  # its agency is the measured commune


def pages(user: User) -> list[tuple[str, str]]:
    province = StaffRole.objects.filter(user=user, role="leader").select_related("agency").first()
    assert province is not None, f"{LEADER} leads no agency: load the demo first"
    code = province.agency.code
    busiest = (
        DossierEvent.objects.filter(actor__in=StaffRole.objects.values("user_id"))
        .exclude(action__in=("create", "submit", "receive"))
        .values("actor_id")
        .annotate(acts=Count("id"))
        .order_by("-acts", "actor_id")
        .values_list("actor_id", flat=True)
        .first()
    )
    found = [
        ("responsibility", f"/chi-so/trach-nhiem/?agency={code}"),
        ("on_time indicator", f"/chi-so/chi-tieu/on_time/?agency={code}"),
        ("on_time indicator, page 3", f"/chi-so/chi-tieu/on_time/?agency={code}&page=3"),
    ]
    if busiest is not None:
        found.append(("one officer", f"/chi-so/can-bo/{busiest}/?agency={code}"))
    return found


def pages_data_pages(user: User) -> list[tuple[str, str]]:
    """The leaders' pages of bench/pages_load.py, at the commune and at the province."""
    province = StaffRole.objects.filter(user=user).select_related("agency").get().agency.code
    agency = (
        StaffRole.objects.filter(user__username=PAGES_DATA_RECEPTION)
        .select_related("agency")
        .get()
        .agency.code
    )
    drill = "/chi-so/chi-tieu/on_time/?agency="
    # A specialist of the commune: `--add-steps` assigns its steps to them in turn.
    specialist = (
        StaffRole.objects.filter(agency__code=agency, role="specialist")
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .first()
    )
    one = f"/chi-so/can-bo/{specialist}/?agency={province}"
    officer = [
        ("one officer, province", one),
        ("one officer, province, page 3 of each list", f"{one}&page=3&tre=3"),
    ]
    return [
        ("dashboard, agency", f"/chi-so/?agency={agency}"),
        ("dashboard, province", f"/chi-so/?agency={province}"),
        ("`on_time` drill-down, agency", f"{drill}{agency}"),
        ("`on_time` drill-down, agency, page 3", f"{drill}{agency}&page=3"),
        ("`on_time` drill-down, province", f"{drill}{province}"),
        ("officers' responsibility, agency", f"/chi-so/trach-nhiem/?agency={agency}"),
        ("officers' responsibility, province", f"/chi-so/trach-nhiem/?agency={province}"),
        *(officer if specialist is not None else []),
    ]


ADD_STEPS_SINCE = "2025-10-01"


def add_steps() -> int:
    """Give the dossiers of bench/pages_data.py received since ADD_STEPS_SINCE a walk through
    their procedure's steps, as the lifecycle writes it: one `forward` per step (assigned to
    one of the measured agency's specialists there, to nobody elsewhere), at even shares of
    the time from reception to the result (or to now), an `approve` when the result came and
    a `refuse`, `withdraw` or `cancel` when the dossier was closed without one — so that the
    drill-down has steps to time, as at a real province, and only the dossiers still inside
    their workflow have a step open (as the lifecycle leaves them). PostgreSQL only;
    writes events (and, through the triggers, step windows); run once."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM dossiers_dossierevent WHERE action = 'forward' LIMIT 1")
        if cursor.fetchone():
            sys.exit("--add-steps: the database has steps already")
        cursor.execute(
            """
            INSERT INTO dossiers_dossierevent
                (dossier_id, seq, at, actor_id, action, from_state, to_state, note, payload, hash)
            SELECT d.id, 1 + s.position,
                   d.received_at + (COALESCE(d.finished_at, d.closed_at, now()) - d.received_at)
                       * s.position / (n.steps + 1),
                   NULL, 'forward', 'in_progress', 'in_progress', '',
                   jsonb_build_object('step', s.position, 'assignee_id',
                       t.ids[1 + (d.id + s.position) %% cardinality(t.ids)]),
                   ''
            FROM dossiers_dossier d
            JOIN catalog_workflowstep s ON s.procedure_id = d.procedure_id
            JOIN (SELECT procedure_id, COUNT(*) AS steps FROM catalog_workflowstep
                  GROUP BY procedure_id) n ON n.procedure_id = d.procedure_id
            LEFT JOIN (SELECT agency_id, array_agg(user_id ORDER BY user_id) AS ids
                       FROM directory_staffrole WHERE role = 'specialist'
                       GROUP BY agency_id) t ON t.agency_id = d.agency_id
            WHERE d.received_at >= %s
            """,
            [ADD_STEPS_SINCE],
        )
        added = cursor.rowcount
        cursor.execute(
            """
            INSERT INTO dossiers_dossierevent
                (dossier_id, seq, at, actor_id, action, from_state, to_state, note, payload, hash)
            SELECT d.id, 20, d.finished_at, NULL, 'approve', 'in_progress', 'result_ready', '',
                   '{}'::jsonb, ''
            FROM dossiers_dossier d
            WHERE d.received_at >= %s AND d.finished_at IS NOT NULL
              AND EXISTS (SELECT 1 FROM catalog_workflowstep s
                          WHERE s.procedure_id = d.procedure_id)
            """,
            [ADD_STEPS_SINCE],
        )
        added += cursor.rowcount
        cursor.execute(
            """
            INSERT INTO dossiers_dossierevent
                (dossier_id, seq, at, actor_id, action, from_state, to_state, note, payload, hash)
            SELECT d.id, 20, d.closed_at, NULL,
                   CASE d.state WHEN 'refused' THEN 'refuse' WHEN 'withdrawn' THEN 'withdraw'
                                ELSE 'cancel' END,
                   'in_progress', d.state, '', '{}'::jsonb, ''
            FROM dossiers_dossier d
            WHERE d.received_at >= %s AND d.finished_at IS NULL AND d.closed_at IS NOT NULL
              AND EXISTS (SELECT 1 FROM catalog_workflowstep s
                          WHERE s.procedure_id = d.procedure_id)
            """,
            [ADD_STEPS_SINCE],
        )
        added += cursor.rowcount
        cursor.execute("ANALYZE")
    return added


def measure(client: Client, url: str, repeat: int) -> tuple[float, float, int, float, int]:
    response = client.get(url)  # warm-up: caches, the calendar, the templates
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    sql_ms = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    return statistics.median(times), max(times), len(queries), sql_ms, len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument(
        "--pages-data", action="store_true", help="the 1M-dossier database of pages_data.py"
    )
    parser.add_argument(
        "--before", type=Path, help="another checkout to measure first (e.g. a git worktree)"
    )
    parser.add_argument(
        "--add-steps",
        action="store_true",
        help="first write step events into the pages_data.py database (see add_steps)",
    )
    parser.add_argument(
        "--time-steps",
        action="store_true",
        help="measure the pages with every step walked (no step timed), then time the steps "
        "as `motcua index_rebuild` does and measure them again, in the same run",
    )
    parser.add_argument(
        "--timed-only",
        action="store_true",
        help="with --time-steps: skip the pages with every step walked (minutes at a province)",
    )
    parser.add_argument("--label", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.add_steps:
        started = time.perf_counter()
        added = add_steps()
        print(f"added {added:,} step events in {time.perf_counter() - started:.0f} s", flush=True)
    if args.time_steps:
        # Events written in SQL leave every window untimed: the pages walk them all.
        StepWindow.objects.update(timed_at=None)
        ClosedStep.objects.all().delete()
        if not args.timed_only:
            print("== every step walked (no step timed)", flush=True)
            run_pages(args, repeat=1)
        started = time.perf_counter()
        stored = steps_rebuild()
        windows = StepWindow.objects.count()
        print(
            f"\n== steps_rebuild(): {stored:,} closed steps of {windows:,} dossiers timed in "
            f"{time.perf_counter() - started:.0f} s\n",
            flush=True,
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE index_closedstep, index_stepwindow")
        print("== closed steps timed, open steps walked", flush=True)
        run_pages(args, repeat=args.repeat)
        return
    if args.before is not None:
        command = [sys.executable, str(args.before / "bench/drilldown_pages.py")]
        command += ["--repeat", str(args.repeat), "--label", "before"]
        command += ["--pages-data"] if args.pages_data else []
        print(f"== before: {args.before}", flush=True)
        subprocess.run(command, check=True, cwd=args.before)
        print(flush=True)
        print("== after: this checkout", flush=True)
    run_pages(args, repeat=args.repeat)


def run_pages(args: argparse.Namespace, *, repeat: int) -> None:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = User.objects.get(username=PAGES_DATA_LEADER if args.pages_data else LEADER)
    client = Client()
    client.force_login(user)
    found = pages_data_pages(user) if args.pages_data else pages(user)
    print(f"{Dossier.objects.count():,} dossiers, database {settings.DATABASES['default']['NAME']}")
    print()
    print("| page | URL | median (ms) | slowest (ms) | queries | SQL (ms) | HTML (KiB) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, url in found:
        median, slowest, queries, sql_ms, size = measure(client, url, repeat)
        print(
            f"| {name} | `{url}` | {median:.0f} | {slowest:.0f} | {queries} | {sql_ms:.0f} "
            f"| {size / 1024:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
