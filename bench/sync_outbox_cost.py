"""The province's added cost of the national sync per transition (issue 15): the outbox row a
transition of a dossier the national portal holds writes (`national.sync`), timed in the
writer's transaction against the same transaction without it.

    MOTCUA_DEMO=1 .venv/bin/python bench/sync_outbox_cost.py               # SQLite
    bash scripts/with-postgres.sh .venv/bin/python bench/sync_outbox_cost.py

With DATABASE_URL set the script uses that (fresh) database, else a fresh SQLite file in a
temporary MOTCUA_VAR_DIR, removed at the end. Three kinds of transaction, N of each, taking
turns so that all meet the same load: (a) a `dossier.notify` outbox row alone, which enqueues
the delivery task; (b) the same plus the `national.sync` row, as a transition that notifies
the applicant writes; (c) the `national.sync` row alone (the first row of the transaction: it
enqueues the task). The added cost per transition is (b) − (a); (c) is the cost when the sync
row is the transition's only outbox row. Wall and CPU time per transaction are reported.
Never run as a timed test; results go to docs/performance.md ("National sync").
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transactions", type=int, default=3000)
    args = parser.parse_args()
    os.environ.setdefault("MOTCUA_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    var = None
    if not os.environ.get("DATABASE_URL"):
        var = tempfile.mkdtemp(prefix="motcua-sync-cost-")
        os.environ["MOTCUA_VAR_DIR"] = var
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from motcua.core.outbox import outbox_write

    call_command("migrate", verbosity=0)
    kinds = {
        "notify alone": [("dossier.notify", {})],
        "notify + national.sync": [("dossier.notify", {}), ("national.sync", {"state": "x"})],
        "national.sync alone": [("national.sync", {"state": "x"})],
    }
    wall: dict[str, list[float]] = {kind: [] for kind in kinds}
    cpu: dict[str, list[float]] = {kind: [] for kind in kinds}
    for i in range(args.transactions):
        for kind, rows in kinds.items():
            w0, c0 = time.perf_counter(), time.process_time()
            with transaction.atomic():
                for topic, payload in rows:
                    outbox_write(topic=topic, payload={"dossier_id": i, "event_id": i, **payload})
            wall[kind].append(time.perf_counter() - w0)
            cpu[kind].append(time.process_time() - c0)
    print(f"database: {connection.vendor}; {args.transactions:,} transactions of each kind")
    med = {kind: statistics.median(values) * 1e6 for kind, values in wall.items()}
    mean_cpu = {kind: statistics.fmean(values) * 1e6 for kind, values in cpu.items()}
    for kind in kinds:
        print(f"  {kind:<24} wall median {med[kind]:8.1f} µs   CPU mean {mean_cpu[kind]:8.1f} µs")
    added = med["notify + national.sync"] - med["notify alone"]
    added_cpu = mean_cpu["notify + national.sync"] - mean_cpu["notify alone"]
    print(f"added by the national.sync row: wall {added:.1f} µs, CPU {added_cpu:.1f} µs")
    if var:
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
