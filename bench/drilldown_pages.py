#!/usr/bin/env python
"""Latency and SQL query count of the leaders' drill-down pages on the demo province.

    MOTCUA_VAR_DIR=/tmp/idx-demo .venv/bin/motcua migrate
    MOTCUA_VAR_DIR=/tmp/idx-demo .venv/bin/motcua load_demo
    MOTCUA_VAR_DIR=/tmp/idx-demo .venv/bin/python bench/drilldown_pages.py [--repeat 10]

Reads the database MOTCUA_VAR_DIR points at (the demo: ~2,500 dossiers over six months, the
province thành phố Huế led by `lanhdao`); writes nothing to it. Each page is requested in
process with Django's test client, signed in as the leader, over the year so far (the pages'
default period: from 1 January to today), `--repeat` times after one warm-up request; it prints
the median and the slowest time and the number of SQL queries of one request, as a Markdown
table. Not a test: times depend on the machine (docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
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

LEADER = "lanhdao"


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


def measure(client: Client, url: str, repeat: int) -> tuple[float, float, int, int]:
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
    return statistics.median(times), max(times), len(queries), len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = User.objects.get(username=LEADER)
    client = Client()
    client.force_login(user)
    print(f"{Dossier.objects.count():,} dossiers, database {settings.DATABASES['default']['NAME']}")
    print()
    print("| page | URL | median (ms) | slowest (ms) | queries | HTML (KiB) |")
    print("|---|---|---:|---:|---:|---:|")
    for name, url in pages(user):
        median, slowest, queries, size = measure(client, url, args.repeat)
        print(
            f"| {name} | `{url}` | {median:.0f} | {slowest:.0f} | {queries} | {size / 1024:.0f} |"
        )


if __name__ == "__main__":
    main()
