#!/usr/bin/env python
"""In-process latency of the officer's queue and the counter's queue: Django's test client,
no server, no `wrk` — what the page itself costs (SQL and rendering), request after request.

    MOTCUA_DEMO=1 .venv/bin/python bench/office_render.py --dossiers 20000 --requests 200
    .venv/bin/python bench/office_render.py --var-dir /tmp/x --keep          # seed once ...
    .venv/bin/python bench/office_render.py --var-dir /tmp/x --reuse         # ... measure again
    .venv/bin/python bench/office_render.py --var-dir /tmp/x --reuse --profile queue

The data is `bench/office_pages.py`'s (the demo catalog, N dossiers by batched INSERTs),
plus, because that generator writes none, online submissions waiting at the counter and
results waiting to be handed back in the measured agency (old returned dossiers moved to
`submitted` and `result_ready`), so that the counter's queue shows two full pages.

To compare two versions of the code on the same data in the same session, run the script
with `PYTHONPATH=<other worktree>/src` in front (the path comes before the venv's editable
install), alternating the two versions. The pages are asked in turn (one request of each,
round after round) so that the machine's noise falls on all of them alike.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

PAGES = [  # name, role, URL
    ("queue", "specialist", "/mot-cua/xu-ly/"),
    ("queue, overdue", "specialist", "/mot-cua/xu-ly/?status=overdue"),
    ("queue, page 3", "specialist", "/mot-cua/xu-ly/?page=3"),
    ("counter queue", "reception", "/mot-cua/"),
]
COUNTER_SUBMITTED = 180
COUNTER_READY = 120


def counter_work(agency_code: str) -> None:
    """Move some of the agency's returned dossiers to the counter's two queues."""
    from datetime import timedelta

    from django.db.models import F

    from motcua.dossiers.models import Channel, Dossier, State

    returned = Dossier.objects.filter(agency__code=agency_code, state=State.RETURNED)
    ids = list(returned.order_by("-received_at").values_list("pk", flat=True))
    submitted = ids[:COUNTER_SUBMITTED]
    ready = ids[COUNTER_SUBMITTED : COUNTER_SUBMITTED + COUNTER_READY]
    Dossier.objects.filter(pk__in=submitted).update(
        state=State.SUBMITTED,
        channel=Channel.ONLINE,
        submitted_at=F("created_at"),
        received_at=None,
        code=None,
        due_at=None,
        finished_at=None,
        returned_at=None,
        closed_at=None,
    )
    Dossier.objects.filter(pk__in=ready).update(
        state=State.RESULT_READY,
        finished_at=F("received_at") + timedelta(days=2),
        returned_at=None,
        closed_at=None,
    )


def setup(args: argparse.Namespace) -> None:
    os.environ.update({"MOTCUA_VAR_DIR": str(args.var_dir), "MOTCUA_DEBUG": "0"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    if args.reuse:
        import django

        django.setup()
        return
    import office_pages

    env = {**os.environ}
    office_pages.motcua("migrate", "--verbosity", "0", env=env)
    office_pages.motcua("import-catalog", str(office_pages.CATALOG), env=env)
    # DEBUG off: the pages name their static files through the hashed manifest.
    office_pages.motcua("collectstatic", "--noinput", "--verbosity", "0", env=env)
    office_pages.seed(args.dossiers)
    counter_work(office_pages.AGENCY)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def clients() -> dict:
    from django.conf import settings
    from django.test import Client

    from motcua.directory.models import User

    # Not `setup_test_environment()`: it instruments every template render (a copy of the
    # context per template), which would be measured too.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    found = {}
    for role, username in (("specialist", "bench_chuyen_vien"), ("reception", "bench_mot_cua")):
        client = Client()
        client.force_login(User.objects.get(username=username))
        found[role] = client
    return found


def query_counts(by_role: dict) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, role, url in PAGES:
        with CaptureQueriesContext(connection) as context:
            response = by_role[role].get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts[name] = len(context.captured_queries)
    return counts


def measure(by_role: dict, requests: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name, _role, _url in PAGES}
    for _ in range(5):  # warm-up: templates compiled, caches filled
        for _name, role, url in PAGES:
            by_role[role].get(url)
    for _ in range(requests):
        for name, role, url in PAGES:
            started = time.perf_counter()
            response = by_role[role].get(url)
            samples[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    if os.environ.get("BENCH_DUMP"):
        for name, values in samples.items():
            print(name, " ".join(f"{v:.0f}" for v in values))
    return samples


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=100, help="requests per page")
    parser.add_argument("--var-dir", type=Path, help="MOTCUA_VAR_DIR (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true", help="the var dir is already seeded")
    parser.add_argument("--keep", action="store_true", help="keep the var dir")
    parser.add_argument("--profile", metavar="PAGE", help="cProfile this page instead")
    parser.add_argument("--label", default="", help="printed before the results")
    args = parser.parse_args()
    temporary = args.var_dir is None
    if temporary:
        args.var_dir = Path(tempfile.mkdtemp(prefix="motcua-bench-render-"))
    try:
        setup(args)
        # One JSON line per request on stderr would be measured too.
        logging.disable(logging.INFO)
        by_role = clients()
        if args.profile:
            name, role, url = next(p for p in PAGES if p[0] == args.profile)
            for _ in range(5):
                by_role[role].get(url)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                by_role[role].get(url)
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats("cumulative")
            stats.print_stats(45)
            stats.sort_stats("tottime").print_stats(25)
            return
        counts = query_counts(by_role)
        samples = measure(by_role, args.requests)
        import motcua

        code = Path(motcua.__file__).parent
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=code
        ).stdout.strip()
        print(
            f"{args.label} code {code} (HEAD {commit}, uncommitted changes not shown), "
            f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        print("| page | queries | p50 ms | p95 ms |")
        print("|---|---:|---:|---:|")
        for name, _role, _url in PAGES:
            values = samples[name]
            print(
                f"| {name} | {counts[name]} | {statistics.median(values):.1f} | {p95(values):.1f} |"
            )
    finally:
        if temporary and not args.keep:
            shutil.rmtree(args.var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
