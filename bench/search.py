#!/usr/bin/env python
"""Catalog search over a large catalog: in process, and over HTTP against a trivial call.

    .venv/bin/python bench/search.py --procedures 20000                  # SQLite, temp var dir
    bash scripts/with-postgres.sh .venv/bin/python bench/search.py --procedures 20000

With DATABASE_URL set the script uses that (fresh) database; otherwise a fresh SQLite file in a
temporary MOTCUA_VAR_DIR. It migrates and imports N generated procedures (bench/catalog_data.py:
names built from the demo catalog's words), then:

1. in process, for each query of QUERIES, `--repeat` times: the first page (20) and the count
   through the full-text index (`procedure_search_page`), and the same through the search it
   replaced (a LIKE per word, every hit loaded and ranked in Python — `_like_search` below);
   p50 / p95 over all of them. The pages kept under the catalog's stamp are forgotten before
   each timed search; the same search asked again right after (a page kept) is timed apart;
2. over HTTP: a gunicorn (one worker, one thread) on 127.0.0.1 serving this database; the
   search API `GET /api/v1/procedures?q=…&limit=20` and a trivial call (`GET /healthz`: one
   database round trip, a small JSON) alternate, one at a time on one kept-alive connection,
   `--repeat` rounds of QUERIES; p50 / p95 of each and their ratio — first with a write to the
   catalog before each search (no page kept: every search read afresh), then without (the
   same searches asked again, as popular ones are). The server is stopped at the end.

Not a test: times depend on the machine (docs/performance.md).
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
os.environ.setdefault("MOTCUA_DEMO", "1")
os.environ.setdefault("MOTCUA_LOG_LEVEL", "WARNING")
WORKDIR = Path(tempfile.mkdtemp(prefix="motcua-bench-search-"))
os.environ["MOTCUA_VAR_DIR"] = str(WORKDIR / "var")

import django  # noqa: E402

django.setup()

from catalog_data import generate  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402

from motcua.catalog.models import Procedure  # noqa: E402
from motcua.catalog.selectors import _page_ids_kept, procedure_search_page  # noqa: E402
from motcua.catalog.services import catalog_import  # noqa: E402
from motcua.core.text import search_fold  # noqa: E402

# What people type: whole names with and without diacritics, two or three words, a word
# begun, an i/y variant, a code, and short words that begin thousands of names.
QUERIES = [
    "dang ky khai sinh",
    "Đăng ký kết hôn",
    "cap giay phep",
    "chung thuc",
    "lí lịch tư pháp",
    "ho kinh doanh",
    "thuong tru",
    "giay phep lai xe",
    "xac nhan tinh trang hon nhan",
    "ket ho",
    "quyen su dung dat",
    "y te",
    "cap",
    "dang ky",
    "1.001193",
    "9.0123",
]
PAGE = 20
first_id: int | None = None  # the procedure `_forget` writes


def _like_search(query: str) -> tuple[int, list[Procedure]]:
    """The search before the full-text index, as it was: a LIKE per word, every hit loaded
    and ranked in Python (for the comparison only)."""
    folded = search_fold(query)
    condition = Q()
    for word in folded.split():
        condition &= (
            Q(name_folded__startswith=word)
            | Q(name_folded__contains=f" {word}")
            | Q(code__startswith=word)
        )
    matches = list(
        Procedure.objects.filter(is_active=True).select_related("sector").filter(condition)
    )
    matches.sort(
        key=lambda p: (
            p.name_folded != folded and p.code != query.strip(),
            not p.name_folded.startswith(folded),
            folded not in p.name_folded,
            len(p.name_folded) - len(folded),
            p.name_folded,
        )
    )
    return len(matches), matches[:PAGE]


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def _forget() -> None:
    """A write to the catalog, as an officer's edit would make: the stamp moves, so every
    search page kept in every process is unreachable and the next search is read afresh."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE catalog_procedure SET is_active = is_active WHERE id = %s", [first_id]
        )


def in_process(repeat: int) -> None:
    """Each search read afresh (the pages kept are forgotten first: the full-text index and
    the ranking), and asked again (a page kept under the catalog's stamp)."""
    indexed: list[float] = []
    kept: list[float] = []
    like: list[float] = []
    for query in QUERIES:
        page = procedure_search_page(query, limit=PAGE)  # warm-up
        count, _items = _like_search(query)
        assert page.count == count, (query, page.count, count)
        mine: list[float] = []
        for _ in range(repeat):
            _page_ids_kept.cache_clear()
            started = time.perf_counter()
            procedure_search_page(query, limit=PAGE)
            mine.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            procedure_search_page(query, limit=PAGE)
            kept.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            _like_search(query)
            like.append((time.perf_counter() - started) * 1000)
        indexed += mine
        first = page.items[0].name if page.items else "—"
        m50, m95 = percentiles(mine)
        print(
            f"  {query!r}: {page.count:,} hits, p50 {m50:.2f} ms, p95 {m95:.2f} ms, first {first!r}"
        )
    (i50, i95), (k50, k95), (l50, l95) = percentiles(indexed), percentiles(kept), percentiles(like)
    print(
        f"in process, {len(indexed)} searches: full-text index p50 {i50:.2f} ms, p95 {i95:.2f} ms; "
        f"asked again (kept) p50 {k50:.2f} ms, p95 {k95:.2f} ms; "
        f"LIKE + Python ranking p50 {l50:.1f} ms, p95 {l95:.1f} ms ({l95 / i95:.0f}× at p95)"
    )


def over_http(repeat: int) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "MOTCUA_HOST": "127.0.0.1",
        "MOTCUA_PORT": str(port),
        "MOTCUA_WORKERS": "1",
        "MOTCUA_THREADS": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(WORKDIR / "prometheus"),
        "PYTHONPATH": str(ROOT / "src"),
        # One client sends every request: the per-address limit would answer 429 mid-run.
        "MOTCUA_API_RATE_ANONYMOUS": "1000000",
    }
    (WORKDIR / "prometheus").mkdir()
    (WORKDIR / "var" / "static").mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-c",
            "python:motcua.core.gunicorn_conf",
            "motcua.wsgi",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        conn = _connect(port)
        # Afresh: the catalog written before every search, so none is answered from a page
        # kept; then as traffic comes, the same searches asked again and again.
        for label, afresh in (("each read afresh", True), ("asked again", False)):
            search: list[float] = []
            trivial: list[float] = []
            for _ in range(repeat):
                for query in QUERIES:
                    url = "/api/v1/procedures?" + urllib.parse.urlencode(
                        {"q": query, "limit": PAGE}
                    )
                    if afresh:
                        _forget()
                    search.append(_get(conn, url))
                    trivial.append(_get(conn, "/healthz"))
            (s50, s95), (t50, t95) = percentiles(search), percentiles(trivial)
            print(
                f"over HTTP (gunicorn, 1 worker, 127.0.0.1), {label}, {len(search)} requests "
                f"each: search API p50 {s50:.2f} ms, p95 {s95:.2f} ms; /healthz p50 {t50:.2f} "
                f"ms, p95 {t95:.2f} ms; search / trivial = {s50 / t50:.2f}× at p50, "
                f"{s95 / t95:.2f}× at p95"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _connect(port: int) -> http.client.HTTPConnection:
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            _get(conn, "/healthz")
            return conn
        except (ConnectionError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _get(conn: http.client.HTTPConnection, url: str) -> float:
    started = time.perf_counter()
    conn.request("GET", url)
    response = conn.getresponse()
    response.read()
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status == 200, (url, response.status)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--procedures", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-http", action="store_true", help="in process only")
    options = parser.parse_args()
    database = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    try:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        catalog_import(actor=None, data=generate(options.procedures, seed=options.seed))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        global first_id
        first_id = Procedure.objects.order_by("pk").values_list("pk", flat=True).first()
        print(f"{database}, {Procedure.objects.count():,} procedures")
        in_process(options.repeat)
        connection.close()
        if not options.no_http:
            over_http(options.repeat)
    finally:
        shutil.rmtree(WORKDIR, ignore_errors=True)


if __name__ == "__main__":
    main()
