"""Ingest throughput of the national receiver (domain.md §12.1) against a raw upsert floor, and
the latency of the ranking of the 34 provinces.

    bash scripts/with-postgres.sh .venv/bin/python bench/national_sync.py              # quick
    bash scripts/with-postgres.sh .venv/bin/python bench/national_sync.py \
        --messages 1000000 --fill 9000000 --gunicorn                                # documented

With DATABASE_URL set the script uses that (fresh) database, else a fresh SQLite file in a
temporary MOTCUA_VAR_DIR. It migrates, registers the 34 provinces with their own Ed25519 keys,
then, in the same run:

- **ingest**: N messages in signed batches of 500 (one province a batch, about a quarter of the
  messages new versions of dossiers sent earlier), each POSTed through Django's test client to
  `/api/v1/national/sync` — middleware, the API, JWS verification, the contract check, the
  snapshot upsert, the message ids and the counters. Signing (the province's cost) and the
  generation of the messages are outside the timed part;
- **floor**: the same final snapshot rows written with a bare `INSERT … ON CONFLICT (province,
  code) DO UPDATE` of 500 rows a statement, one transaction a batch, into a copy of the
  snapshot table with the same indexes, by the same `arrays_upsert` the ingest writes with —
  columns made ready outside the timed part. Ingest and floor take turns batch by batch, so
  that both meet the same load of a shared machine; the first request of the process (a
  refused one) is not timed;
- `--gunicorn`: the same kind of batches (new ones) POSTed to gunicorn serving motcua in
  national mode (2 workers × 4 threads, 8 client threads), to see the whole HTTP path;
- **ranking**: `--fill M` adds M synthetic snapshots with one `INSERT … SELECT` from
  `generate_series` (PostgreSQL) and rebuilds the counters from all snapshots; then the
  ranking for a full year is asked R times through the API, p50/p95 reported;
- **check**: the counters moved by the ingest compared with a rebuild.

Never run as a timed test; results go to docs/performance.md and bench/results/national.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

BATCH = 500
T0 = datetime(2025, 1, 1, 8, 0)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--agencies", type=int, default=30, help="agencies per province")
    parser.add_argument("--fill", type=int, default=0, help="synthetic snapshots (PostgreSQL)")
    parser.add_argument("--ranking-runs", type=int, default=30)
    parser.add_argument("--gunicorn", action="store_true")
    parser.add_argument("--gunicorn-messages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--spread", type=int, default=7, help="days before a batch its new dossiers were received"
    )
    return parser.parse_args()


def setup_django() -> Path | None:
    os.environ["MOTCUA_MODE"] = "national"
    os.environ.setdefault("MOTCUA_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    var = None
    if not os.environ.get("DATABASE_URL"):
        var = Path(tempfile.mkdtemp(prefix="motcua-national-bench-"))
        os.environ["MOTCUA_VAR_DIR"] = str(var)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return var


def moment(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).strftime("%Y%m%d%H%M%S")


class Stream:
    """Deterministic §12.1 messages: one province a batch, a quarter of them later versions
    of dossiers sent earlier.

    A clock runs at the national rate (129.6 M statuses in 8 months ≈ 1,080 batches a day,
    so 80 s a batch): a new dossier was received within `spread` days before the batch, a
    later version finishes it at the batch's moment. `spread=360` is a backfill of a year,
    every message on a day of its own."""

    SECONDS_PER_BATCH = 80

    def __init__(
        self, provinces: list[str], agencies: int, seed: int, prefix: str = "", spread: int = 7
    ) -> None:
        self.random = random.Random(seed)
        self.provinces = provinces
        self.agencies = agencies
        self.prefix = prefix
        self.spread = spread
        self.now = 24.0 * 400  # hours after T0: room for the spread before it
        self.versions: dict[str, int] = {}
        self.received: dict[str, float] = {}
        self.finished: dict[str, float] = {}
        self.codes: dict[str, list[str]] = {p: [] for p in provinces}

    def batch(self, index: int) -> tuple[str, list[dict]]:
        province = self.provinces[index % len(self.provinces)]
        self.now += self.SECONDS_PER_BATCH / 3600
        return province, [self.message(province) for _ in range(BATCH)]

    def message(self, province: str) -> dict:
        r = self.random
        codes = self.codes[province]
        if codes and r.random() < 0.25:
            code = r.choice(codes[-5000:])
        else:
            code = f"{self.prefix}{province}.{len(codes):08d}"
            codes.append(code)
            self.received[code] = self.now - r.uniform(0, 24 * self.spread)
        version = self.versions.get(code, 0) + 1
        self.versions[code] = version
        # The dossier's facts follow from its code: a later version only moves it on.
        facts = random.Random(code)
        received = self.received[code]
        if version > 1 and code not in self.finished and facts.random() < 0.85:
            self.finished[code] = max(self.now, received + 1)
        finished = self.finished.get(code)
        fee = facts.choice([0, 0, 0, 50_000, 100_000])
        return {
            "id": str(uuid.UUID(int=r.getrandbits(128), version=4)),
            "dossier": {
                "code": code,
                "version": version,
                "procedure_code": f"1.{facts.randrange(200):06d}",
                "procedure_name": "Thủ tục hành chính thử nghiệm",
                "sector": "Hộ tịch",
                "agency_code": f"000.00.{facts.randrange(self.agencies):02d}.H{province}",
                "agency_name": "Cơ quan thử nghiệm",
                "channel": facts.choice([1, 2, 2, 3]),
                "status": 4 if finished is None else 10,
                "applicant": {"kind": 1, "id_kind": "CCCD", "id": f"0{province}1900{version:05d}"},
                "submitted_at": moment(received - 1),
                "received_at": moment(received),
                "due_at": moment(received + 72),
                "finished_at": None if finished is None else moment(finished),
                "returned_at": None,
                "refused_at": None,
                "supplements": facts.choice([0, 0, 0, 1, 2]),
                "digitized": facts.random() < 0.7,
                "e_result": finished is not None and facts.random() < 0.6,
                "result_to_store": facts.random() < 0.5,
                "fee_amount": fee,
                "paid_online": fee > 0 and facts.random() < 0.5,
                "rating": None,
                "rated_at": None,
                "reused_data": facts.random() < 0.3,
                "registry_used": facts.random() < 0.8,
                "vneid_verified": True,
            },
            "progress": [
                {"handler": "Cán bộ", "at": moment(received), "status": 2, "step_due_at": None}
            ],
        }


def signer(keys: dict):
    from joserfc import jws

    from motcua.national.ingest import REGISTRY

    def sign(province: str, messages: list[dict]) -> bytes:
        payload = json.dumps(
            {"province": province, "batch_id": str(uuid.uuid4()), "messages": messages},
            separators=(",", ":"),
        ).encode()
        return jws.serialize_compact(
            {"alg": "EdDSA", "kid": province},
            payload,
            keys[province],
            algorithms=["EdDSA"],
            registry=REGISTRY,
        ).encode()

    return sign


def register(provinces: list[str]) -> dict:
    from joserfc.jwk import OKPKey

    from motcua.national.peers import peer_add

    keys = {}
    for province in provinces:
        keys[province] = OKPKey.generate_key("Ed25519")
        peer_add(
            actor=None,
            province=province,
            name=f"Tỉnh {province}",
            public_key_pem=keys[province].as_pem(private=False),
        )
    return keys


class Floor:
    """The same batches' final rows, upserted bare into a copy of the snapshot table."""

    def __init__(self) -> None:
        from django.db import connection
        from django.utils import timezone

        from motcua.national.ingest import _UPDATED, snapshot_columns
        from motcua.national.models import Snapshot

        table = Snapshot._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS floor_snapshot")
            if connection.vendor == "postgresql":
                cursor.execute(f"CREATE TABLE floor_snapshot (LIKE {table} INCLUDING ALL)")
            else:
                cursor.execute(f"CREATE TABLE floor_snapshot AS SELECT * FROM {table} WHERE 0")
                cursor.execute(
                    "CREATE UNIQUE INDEX floor_unique ON floor_snapshot (province, code)"
                )
                cursor.execute("CREATE INDEX floor_code ON floor_snapshot (code)")
        self.columns = snapshot_columns()
        quote = connection.ops.quote_name
        self.conflict = (
            "ON CONFLICT (province, code) DO UPDATE SET "
            + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in _UPDATED)
            + " WHERE floor_snapshot.version < excluded.version"
        )
        self.now = timezone.now()

    def prepare(self, province: str, messages: list[dict]) -> list[list]:
        """The batch's final rows as the ingest makes them (the same function), untimed."""
        from motcua.national.contract import message_check
        from motcua.national.ingest import snapshot_arrays

        latest = {}
        for item in map(message_check, messages):
            row = dict(item.columns)  # type: ignore[union-attr]
            row.update(province=province, offers_online=False, updated_at=self.now)
            latest[row["code"]] = row
        return snapshot_arrays(latest.values())

    def write(self, arrays: list[list]) -> float:
        """The timed part: the statement, bound and run, in a transaction of its own."""
        from django.db import transaction

        from motcua.national.bulk import arrays_upsert

        started = time.perf_counter()
        with transaction.atomic():
            arrays_upsert(
                table="floor_snapshot", columns=self.columns, arrays=arrays, conflict=self.conflict
            )
        return time.perf_counter() - started


def ingest(args, provinces, sign) -> tuple[float, float, int]:
    """The ingest and the floor, batch by batch in turn, so that both meet the same load
    on a shared machine (run one after the other, a change of load between the two moved
    the ratio by a tenth). Returns the seconds of each and the messages."""
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    # One refused request first, untimed: the start-up work of a process's first request
    # (translation catalogs, URL resolvers) is no part of the per-message cost.
    client.post("/api/v1/national/sync", data=b"", content_type="application/jose")
    stream = Stream(provinces, args.agencies, args.seed, spread=args.spread)
    floor = Floor()
    batches = args.messages // BATCH
    spent = floor_spent = 0.0
    answered: Counter[str] = Counter()
    for index in range(batches):
        province, messages = stream.batch(index)
        body = sign(province, messages)
        arrays = floor.prepare(province, messages)
        started = time.perf_counter()
        response = client.post("/api/v1/national/sync", data=body, content_type="application/jose")
        spent += time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"batch {index}: {response.status_code} {response.content[:300]!r}")
        for key, value in response.json().items():
            answered[key] += value if isinstance(value, int) else len(value)
        floor_spent += floor.write(arrays)
        if (index + 1) % 200 == 0:
            done = (index + 1) * BATCH
            print(
                f"  {done:>9,} messages  {done / spent:>8,.0f} msg/s  "
                f"floor {done / floor_spent:>8,.0f} msg/s  load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    print(f"  answers: {dict(answered)}")
    return spent, floor_spent, batches * BATCH


def fill(count: int, provinces: list[str], agencies: int) -> float:
    """`count` synthetic snapshots written by the database itself, then a counter rebuild."""
    from django.db import connection

    from motcua.national.counters import national_counters_rebuild
    from motcua.national.models import AgencyCounter, ProvinceCounter

    started = time.perf_counter()
    chunk = 1_000_000
    with connection.cursor() as cursor:
        for start in range(0, count, chunk):
            n = min(chunk, count - start)
            cursor.execute(
                f"""
                INSERT INTO national_snapshot (province, code, version, status, channel,
                  procedure_code, procedure_name, sector, agency_code, agency_name,
                  received_at, due_at, finished_at, supplement_count, digitized, e_result,
                  result_to_store, fee_amount, paid_online, paid_online_at, rating,
                  reused_data, registry_used, vneid_verified, offers_online,
                  applicant_id_kind, applicant_id, extra, progress, updated_at)
                SELECT p, 'F' || p || '.' || g, 1, CASE WHEN g %% 5 = 0 THEN 4 ELSE 10 END,
                  1 + g %% 3, '1.' || (g %% 200), '', '',
                  '000.00.' || lpad((g %% {agencies})::text, 2, '0') || '.H' || p, '',
                  r, r + interval '3 days',
                  CASE WHEN g %% 5 = 0 THEN NULL ELSE r + (g %% 97) * interval '1 hour' END,
                  g %% 3, g %% 10 < 7, g %% 10 < 5, g %% 2 = 0,
                  CASE WHEN g %% 4 = 0 THEN 50000 ELSE 0 END, g %% 8 = 0,
                  CASE WHEN g %% 8 = 0 THEN r END, '', g %% 3 = 0, g %% 5 < 4, true, g %% 2 = 0,
                  '', '', '{{}}'::jsonb, '[]'::jsonb, now()
                FROM (
                  SELECT g, (%s::text[])[1 + g %% %s] AS p,
                         timestamptz '2025-01-01 00:00+07' + (g %% 8640) * interval '1 hour' AS r
                  FROM generate_series(%s, %s) AS g
                ) AS s
                """,
                [provinces, len(provinces), start, start + n - 1],
            )
            print(f"  filled {start + n:,}", flush=True)
        cursor.execute("ANALYZE national_snapshot")
    rows = national_counters_rebuild()
    with connection.cursor() as cursor:
        for model in (ProvinceCounter, AgencyCounter):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    print(f"  counters rebuilt: {rows:,} agency-level rows")
    return time.perf_counter() - started


def ranking_latency(runs: int) -> tuple[float, float, int]:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    times = []
    items = 0
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/api/v1/national/ranking?from=2025-03-01&to=2026-02-28")
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:300]
        items = len(response.json()["items"])
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    return statistics.median(times) * 1000, p95 * 1000, items


def counters_check() -> bool:
    from motcua.national.counters import national_counters_long
    from motcua.national.metrics import national_counters_rebuilt

    moved = national_counters_long()[0]
    rebuilt = Counter({key: value for key, value in national_counters_rebuilt() if value})
    return moved == rebuilt


def gunicorn_run(args, provinces, keys) -> tuple[float, int]:
    """Fresh batches POSTed to gunicorn by 8 client threads."""
    import http.client

    sign = signer(keys)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "MOTCUA_MODE": "national", "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "motcua.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        stream = Stream(provinces, args.agencies, args.seed + 1, prefix="G", spread=args.spread)
        batches = args.gunicorn_messages // BATCH
        # Signed beforehand: the clients only send.
        bodies = [sign(*stream.batch(i)) for i in range(batches)]
        lock = threading.Lock()
        failures: list[str] = []

        def work(mine: list[bytes]) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            for body in mine:
                connection.request(
                    "POST",
                    "/api/v1/national/sync",
                    body=body,
                    headers={"Content-Type": "application/jose"},
                )
                answer = connection.getresponse()
                content = answer.read()
                if answer.status != 200:
                    with lock:
                        failures.append(f"{answer.status} {content[:200]!r}")

        # One province per client thread at a time: batches of a province apply in turn.
        threads = [threading.Thread(target=work, args=(bodies[i::8],)) for i in range(8)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        spent = time.perf_counter() - started
        if failures:
            raise SystemExit(f"gunicorn: {len(failures)} failures, first: {failures[0]}")
        return spent, batches * BATCH
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    args = parse()
    var = setup_django()
    from django.db import connection

    from motcua.national.peers import province_names

    provinces = sorted(province_names())
    print(
        f"database: {connection.vendor}; {args.messages:,} messages in batches of {BATCH}, "
        f"new dossiers received within {args.spread} days of their batch"
    )
    keys = register(provinces)
    sign = signer(keys)

    if args.messages:  # --messages 0: only the ranking over --fill snapshots
        loads = [os.getloadavg()[0]]
        spent, floor_spent, count = ingest(args, provinces, sign)
        loads.append(os.getloadavg()[0])
        rate = count / spent
        print(f"ingest: {count:,} messages in {spent:.1f} s = {rate:,.0f} messages/s")
        floor_rate = count / floor_spent
        print(f"floor (bare upsert): {floor_spent:.1f} s = {floor_rate:,.0f} messages/s")
        print(f"load average (1 min) at the start and the end: {loads[0]:.1f}, {loads[1]:.1f}")
        print(f"ratio ingest / floor: {rate / floor_rate:.2f}")
        print(f"counters equal a rebuild: {counters_check()}")
    if args.gunicorn:
        g_spent, g_count = gunicorn_run(args, provinces, keys)
        print(
            f"gunicorn (2×4 gthread, 8 clients): {g_count:,} messages in {g_spent:.1f} s = "
            f"{g_count / g_spent:,.0f} messages/s"
        )
    if args.fill and connection.vendor == "postgresql":
        print(f"fill: {args.fill:,} synthetic snapshots …")
        print(f"fill + rebuild: {fill(args.fill, provinces, args.agencies):.0f} s")
    from motcua.national.models import ProvinceCounter, Snapshot

    snapshots = Snapshot.objects.count()
    counters = ProvinceCounter.objects.count()
    p50, p95, items = ranking_latency(args.ranking_runs)
    print(
        f"ranking of {items} provinces over {snapshots:,} snapshots ({counters:,} province "
        f"counter rows), {args.ranking_runs} runs: p50 {p50:.1f} ms, p95 {p95:.1f} ms"
    )
    if var is not None:
        shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
