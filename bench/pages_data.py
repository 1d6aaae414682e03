#!/usr/bin/env python
"""Fill a PostgreSQL database with N dossiers for the page benchmarks (bench/pages_load.py).

    bash scripts/with-postgres.sh .venv/bin/python bench/pages_data.py --dossiers 1000000

Needs DATABASE_URL (PostgreSQL; a throw-away cluster from scripts/with-postgres.sh is the
intended target: the load runs with foreign-key triggers off). Steps:

1. `migrate`, the demo catalog (26 agencies, 60 procedures, 3-step workflows);
2. the dossiers themselves by the generator of bench/index_latency.py (COPY, secondary
   indexes dropped for the load and rebuilt after it): received over the 24 months up to
   and including today, with consistent states, clocks and flags;
3. set-based SQL for what the pages read beyond the dossier row: staff of the measured
   agency (the commune whose open dossiers are nearest ~1,500), assignees on its open
   dossiers, a leader of the province, citizens owning every 500th dossier, and one
   `receive` event per received dossier (its actor the measured agency's counter officer
   there) so that today's page, tracking and the drill-down find one;
4. `counters_rebuild()` (the set-based rebuild) and VACUUM ANALYZE.

`fill()` returns the facts the report states; bench/pages_load.py calls it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

PASSWORD = "matkhau-do-tai-123"
TARGET_OPEN = 1500
CITIZENS = 50
# Every OWNED_EVERY-th dossier gets a citizen account as its applicant (2,000 at 1,000,000).
OWNED_EVERY = 500
STAFF = (  # username, role; all in the measured agency except the leader
    ("bench_chuyen_vien", "specialist"),
    ("bench_lanh_dao", "approver"),
    ("bench_mot_cua", "reception"),
)
COLLEAGUES = 4  # other specialists the open dossiers are assigned to


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def setup() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (scripts/with-postgres.sh).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from motcua.catalog.services import catalog_import
    from motcua.directory.models import Agency

    call_command("migrate", verbosity=0)
    if not Agency.objects.exists():
        with open(ROOT / "src/motcua/demo/data/catalog.json", encoding="utf-8") as handle:
            catalog_import(actor=None, data=json.load(handle))


def _users(agency_id: int, province_id: int) -> dict[str, object]:
    """Staff of the measured agency, a province leader and the citizens, one password hash."""
    from django.contrib.auth.hashers import make_password

    from motcua.directory.models import Role, StaffRole, User

    password = make_password(PASSWORD)
    found: dict[str, object] = {}
    for username, role in (
        *STAFF,
        *((f"bench_chuyen_vien_{i}", "specialist") for i in range(COLLEAGUES)),
    ):
        user = User.objects.create(username=username, password=password, full_name=username)
        StaffRole.objects.create(user=user, agency_id=agency_id, role=role)
        found[username] = user
    leader = User.objects.create(
        username="bench_lanh_dao_tinh", password=password, full_name="Lãnh đạo tỉnh"
    )
    StaffRole.objects.create(user=leader, agency_id=province_id, role=Role.LEADER)
    found[leader.username] = leader
    citizens = []
    for i in range(CITIZENS):
        personal_id = f"046{i:09d}"
        citizens.append(
            User.objects.create(
                username=personal_id,
                personal_id=personal_id,
                password=password,
                full_name=f"Công dân {i}",
            )
        )
    found["citizens"] = citizens
    return found


def _pick_agency(cursor) -> tuple[int, str, int]:
    """The commune whose open dossiers are nearest TARGET_OPEN."""
    cursor.execute(
        """
        SELECT a.id, a.code, COUNT(d.id) AS open
        FROM directory_agency a
        JOIN dossiers_dossier d ON d.agency_id = a.id
        WHERE a.code LIKE '%%.50.%%'
          AND d.state IN ('received', 'in_progress', 'supplement_requested', 'suspended',
                          'transferred')
        GROUP BY a.id, a.code
        ORDER BY ABS(COUNT(d.id) - %s), a.code
        LIMIT 1
        """,
        [TARGET_OPEN],
    )
    return cursor.fetchone()


def fill(n: int) -> dict:
    """Generate `n` dossiers and what the pages need; returns the facts for the report."""
    t0 = time.perf_counter()
    setup()
    from django.db import connection, transaction
    from index_latency import load  # the dossier generator (COPY)

    from motcua.counters.services import counters_rebuild
    from motcua.directory.models import Agency

    # Through today: the agency's day has dossiers received today.
    generated = load({"postgres": True}, n, date.today() + timedelta(days=1))
    t1 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        agency_id, agency_code, open_count = _pick_agency(cursor)
        province = Agency.objects.get(code="000.00.00.H46")
        users = _users(agency_id, province.pk)
        assignees = [users[f"bench_chuyen_vien_{i}"].pk for i in range(COLLEAGUES)]  # type: ignore[attr-defined]
        assignees.append(users["bench_chuyen_vien"].pk)  # type: ignore[attr-defined]
        # Two in five open dossiers of the agency unassigned, the rest spread over five.
        cursor.execute(
            """
            UPDATE dossiers_dossier SET assignee_id = (%s::int[])[1 + id %% 5]
            WHERE agency_id = %s AND current_step_id IS NOT NULL AND id %% 5 < 3
              AND state IN ('in_progress', 'suspended', 'supplement_requested', 'transferred')
            """,
            [assignees, agency_id],
        )
        # Some of the agency's open dossiers are transferred (liên thông) to the province's
        # department of finance, as in bench/office_pages.py.
        cursor.execute(
            """
            UPDATE dossiers_dossier
            SET state = 'transferred',
                transfer_agency_id = (SELECT id FROM directory_agency WHERE code = '000.00.14.H46')
            WHERE agency_id = %s AND state = 'in_progress' AND id %% 25 = 0
            """,
            [agency_id],
        )
        citizens = [c.pk for c in users["citizens"]]  # type: ignore[attr-defined]
        cursor.execute(
            f"""
            UPDATE dossiers_dossier SET applicant_id = (%s::int[])[1 + (id / {OWNED_EVERY}) %% %s]
            WHERE id %% {OWNED_EVERY} = 0
            """,
            [citizens, len(citizens)],
        )
        reception = users["bench_mot_cua"].pk  # type: ignore[attr-defined]
        cursor.execute(
            """
            INSERT INTO dossiers_dossierevent
                (dossier_id, seq, at, actor_id, action, from_state, to_state, note, payload,
                 hash)
            -- No hash chain: the pages do not read it (`motcua audit-verify` would).
            SELECT id, 1, received_at, CASE WHEN agency_id = %s THEN %s END, 'receive',
                   CASE WHEN channel = 'online' THEN 'submitted' ELSE 'draft' END,
                   'received', '', '{}'::jsonb, ''
            FROM dossiers_dossier WHERE received_at IS NOT NULL
            """,
            [agency_id, reception],
        )
        events = cursor.rowcount
    log(f"users, assignees, owners, {events:,} receive events: {time.perf_counter() - t1:.1f} s")
    t2 = time.perf_counter()
    counters = counters_rebuild()
    rebuild_s = time.perf_counter() - t2
    log(f"counters_rebuild: {rebuild_s:.1f} s, {counters:,} rows")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    total = time.perf_counter() - t0
    log(f"filled in {total:.0f} s; database {size}")
    return {
        "dossiers": n,
        "states": generated["states"],
        "insert_s": generated["insert_s"],
        "index_s": generated["index_s"],
        "rebuild_s": rebuild_s,
        "total_s": total,
        "events": events,
        "size": size,
        "agency_code": agency_code,
        "agency_open": open_count,
        "owned": n // OWNED_EVERY,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dossiers", type=int, default=1_000_000)
    args = parser.parse_args()
    facts = fill(args.dossiers)
    print(json.dumps(facts, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
