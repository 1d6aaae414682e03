"""What timing a dossier's closed steps adds to a transition that moves it between steps
(issue 13): `index.steps.steps_time` for one dossier, as the lifecycle calls it after the
event of a `forward`, `send_back`, `approve`, `refuse`, `withdraw` or `cancel`.

    # the demo province (SQLite), or any database whose dossiers have entered steps:
    MOTCUA_VAR_DIR=/tmp/idx-demo .venv/bin/motcua migrate
    MOTCUA_VAR_DIR=/tmp/idx-demo .venv/bin/motcua load_demo
    MOTCUA_DEMO=1 MOTCUA_VAR_DIR=/tmp/idx-demo .venv/bin/python bench/step_timing_cost.py
    MOTCUA_DEMO=1 DATABASE_URL=postgres://… .venv/bin/python bench/step_timing_cost.py

Reads the dossiers with a step window (at most --dossiers of them, the most recent), then for
each, in turns: an empty transaction, and a transaction that times the dossier's steps; both
rolled back, so the database is left as it was. Prints the median wall time and mean CPU time
of each kind and their difference: the added cost of a step move. Never a timed test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    import django

    django.setup()
    from django.db import connection, transaction

    from motcua.index.models import ClosedStep, StepWindow
    from motcua.index.steps import steps_time

    ids = list(
        StepWindow.objects.order_by("-dossier_id").values_list("dossier_id", flat=True)[
            : args.dossiers
        ]
    )
    if not ids:
        sys.exit("no dossier has entered a workflow step in this database")
    kinds = ("empty transaction", "steps_time of one dossier")
    wall: dict[str, list[float]] = {kind: [] for kind in kinds}
    cpu: dict[str, list[float]] = {kind: [] for kind in kinds}
    stored = 0
    for _round in range(args.rounds):
        for pk in ids:
            for kind in kinds:
                w0, c0 = time.perf_counter(), time.process_time()
                with transaction.atomic():
                    if kind != kinds[0]:
                        stored += steps_time([pk])
                    transaction.set_rollback(True)
                wall[kind].append(time.perf_counter() - w0)
                cpu[kind].append(time.process_time() - c0)
    print(
        f"database: {connection.vendor}; {len(ids):,} dossiers × {args.rounds} rounds; "
        f"{stored / (len(ids) * args.rounds):.2f} closed steps a dossier; "
        f"{ClosedStep.objects.count():,} stored in the database"
    )
    med = {kind: statistics.median(values) * 1e6 for kind, values in wall.items()}
    mean_cpu = {kind: statistics.fmean(values) * 1e6 for kind, values in cpu.items()}
    for kind in kinds:
        print(f"  {kind:<28} wall median {med[kind]:8.1f} µs   CPU mean {mean_cpu[kind]:8.1f} µs")
    print(
        f"added by a step move: wall {med[kinds[1]] - med[kinds[0]]:.1f} µs, "
        f"CPU {mean_cpu[kinds[1]] - mean_cpu[kinds[0]]:.1f} µs"
    )


if __name__ == "__main__":
    main()
