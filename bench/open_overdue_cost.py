#!/usr/bin/env python
"""The KPIs' open overdue count (§8) and the leaders' dashboard at the province of the
1,000,000 dossiers of bench/pages_data.py: the count as it was (one query whose OR on the
finished moment reads every unfinished dossier's row) against `open_overdue_count` (the
partial index of open dossiers, and the dossiers ended since the period's end), in the same
run, taking turns, on the same data.

    MOTCUA_VAR_DIR=$(mktemp -d) bash scripts/with-postgres.sh \
        .venv/bin/python -u bench/open_overdue_cost.py --fill

`--fill` first fills the (fresh) DATABASE_URL with bench/pages_data.py (about a minute);
without it the database must have been filled already. The static files are collected into
MOTCUA_VAR_DIR (the page needs their manifest). Times, `--repeat` times each after a
warm-up, at the measured commune and the province: the count alone (the year so far, which
is the pages' default period, and the first half of the year, a past period), then
`kpi_compute` and the dashboard page over the year so far, "before" being the same code with
the old count put back in `kpi_compute`'s place. Prints each query's plan once, the median
and the 95th percentile in ms. Not a test: times depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Collection
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("MOTCUA_DEMO", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")


def old_count(agency_ids: Collection[int], end: datetime) -> int:
    """The count before `open_overdue_count`, as `kpi_compute` made it."""
    from django.db.models import Q

    from motcua.dossiers.models import Dossier

    return (
        Dossier.objects.filter(agency_id__in=agency_ids, received_at__lt=end, due_at__lt=end)
        .filter(
            Q(finished_at__isnull=True) | Q(finished_at__gte=end),
            Q(closed_at__isnull=True) | Q(closed_at__gte=end),
        )
        .count()
    )


def timed(run: Callable[[], object], repeat: int) -> list[float]:
    run()
    found = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        found.append((time.perf_counter() - started) * 1000)
    return found


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def plans(run: Callable[[], object]) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        run()
    found = []
    for query in queries.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF) " + query["sql"])
            found.append("\n".join(f"    {row[0]}" for row in cursor.fetchall()))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fill", action="store_true", help="fill with pages_data.py first")
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (scripts/with-postgres.sh).")
    if args.fill:
        import pages_data

        pages_data.fill(args.dossiers)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from motcua.directory.models import StaffRole, User
    from motcua.directory.selectors import agency_scope
    from motcua.dossiers.models import Dossier
    from motcua.index import engine

    call_command("collectstatic", "--noinput", verbosity=0)  # the page's manifest
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    leader = User.objects.get(username="bench_lanh_dao_tinh")
    province = StaffRole.objects.select_related("agency").get(user=leader).agency
    commune = StaffRole.objects.select_related("agency").get(user__username="bench_mot_cua").agency
    today = timezone.localdate()
    year = engine.Period(date(today.year, 1, 1), today)
    half = engine.Period(date(today.year, 1, 1), date(today.year, 6, 30))
    new_count = engine.open_overdue_count
    print(f"{Dossier.objects.count():,} dossiers; today {today}; {args.repeat} runs each")

    def compare(name: str, before: Callable[[], object], after: Callable[[], object]) -> None:
        # Taking turns, a few runs at a time, so that both meet the same load.
        times: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(5):
            times["before"] += timed(before, max(1, args.repeat // 5))
            times["after"] += timed(after, max(1, args.repeat // 5))
        b, a = times["before"], times["after"]
        print(
            f"| {name} | {statistics.median(b):.1f} / {p95(b):.1f} "
            f"| {statistics.median(a):.1f} / {p95(a):.1f} "
            f"| {statistics.median(b) / statistics.median(a):.1f} |",
            flush=True,
        )

    print("\n## Plans (province)\n")
    ids = agency_scope([province]).ids_on(today)
    for label, period in (("year so far", year), ("first half", half)):
        end = period.end_moment
        found = (old_count(ids, end), new_count(ids, end))
        assert found[0] == found[1], found
        print(f"{label}: {found[1]:,} open overdue at {end}")
        print("  before:\n" + "\n".join(plans(lambda e=end: old_count(ids, e))))
        print("  after:\n" + "\n".join(plans(lambda e=end: new_count(ids, e))))

    print("\n| what | before median / p95 (ms) | after median / p95 (ms) | ratio |")
    print("|---|---:|---:|---:|")
    for agency in (commune, province):
        ids = agency_scope([agency]).ids_on(today)
        for label, period in (("year so far", year), ("first half", half)):
            end = period.end_moment
            compare(
                f"count, {agency.code}, {label}",
                lambda i=ids, e=end: old_count(i, e),
                lambda i=ids, e=end: new_count(i, e),
            )

    def with_count(count: Callable[[Collection[int], datetime], int], run: Callable[[], object]):
        def wrapped() -> object:
            engine.open_overdue_count = count
            try:
                return run()
            finally:
                engine.open_overdue_count = new_count

        return wrapped

    client = Client()
    client.force_login(leader)
    for agency in (commune, province):
        kpi = lambda a=agency: engine.kpi_compute(agency=a, period=year)  # noqa: E731
        compare(f"kpi_compute, {agency.code}", with_count(old_count, kpi), kpi)

        def page(a=agency) -> None:
            response = client.get(f"/chi-so/?agency={a.code}")
            assert response.status_code == 200, response.status_code

        compare(f"dashboard page, {agency.code}", with_count(old_count, page), page)


if __name__ == "__main__":
    main()
