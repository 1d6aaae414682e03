"""`GET /metrics` for Prometheus (prometheus_client, docs/howto/operations.md).

Two kinds of numbers:

- kept by each process as requests pass: request latency by route (the URL's name, never
  the path) and method, and requests by status. Under gunicorn every worker process writes
  its own under PROMETHEUS_MULTIPROC_DIR (scripts/run.sh sets it and empties it at start) and
  a scrape adds them up; without it each process reports its own.
- read from the database at scrape time, so every process and machine tells the same: outbox
  messages waiting and the oldest one's age per topic (national.sync's age is the sync lag),
  the worker's queue, and the index counters' drift recorded by `motcua counters_check`.

Only this machine may read it, or whoever sends `Authorization: Bearer MOTCUA_METRICS_TOKEN`:
behind the reverse proxy every request comes from 127.0.0.1, so a forwarded request needs the
token.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Iterator

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from motcua.core import health
from motcua.core.models import AuditEvent

NATIONAL_SYNC = "national.sync"
COUNTERS_CHECK = "index.counters_check"
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUEST_LATENCY = Histogram(
    "motcua_http_request_duration_seconds",
    "Time to answer a request, by route (URL name) and method.",
    ["route", "method"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
REQUESTS = Counter(
    "motcua_http_requests",
    "Requests answered, by route (URL name), method and status class (2xx, 4xx, …).",
    ["route", "method", "status"],
)


def request_observe(route: str, method: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "OTHER"
    REQUEST_LATENCY.labels(route, method).observe(seconds)
    REQUESTS.labels(route, method, f"{status // 100}xx").inc()


def _gauge(name: str, documentation: str, value: float | None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=0.0 if value is None else value)


def counters_drift_metrics() -> Iterator[Metric]:
    last = (
        AuditEvent.objects.filter(action=COUNTERS_CHECK)
        .order_by("-at", "-id")
        .values("at", "data")
        .first()
    )
    if last is None:
        return
    data = last["data"] or {}
    yield _gauge(
        "motcua_index_counter_drift_rows",
        "Counter rows that differ from a rebuild, at the last `motcua counters_check`.",
        float(data.get("drift_rows", 0)),
    )
    yield _gauge(
        "motcua_index_counter_drift_checked_timestamp_seconds",
        "When `motcua counters_check` last ran (Unix time).",
        last["at"].timestamp(),
    )


class DatabaseCollector(Collector):
    """The numbers every process reads alike, from the database, at scrape time."""

    def collect(self) -> Iterator[Metric]:
        up = health.database_answers()
        yield _gauge("motcua_database_up", "1 when the database answers SELECT 1.", float(up))
        if not up:
            return
        try:
            lags = health.outbox_lag()
            worker = health.worker_state()
            drift = list(counters_drift_metrics())
        except DatabaseError:
            return
        undelivered = GaugeMetricFamily(
            "motcua_outbox_undelivered",
            "Outbox messages waiting for delivery or a retry, by topic.",
            labels=["topic"],
        )
        oldest = GaugeMetricFamily(
            "motcua_outbox_oldest_age_seconds",
            "Age of the oldest message waiting for delivery, by topic.",
            labels=["topic"],
        )
        dead = GaugeMetricFamily(
            "motcua_outbox_dead",
            "Outbox messages given up on after the attempt cap, by topic.",
            labels=["topic"],
        )
        for lag in lags:
            undelivered.add_metric([lag.topic], lag.undelivered)
            oldest.add_metric([lag.topic], lag.oldest_age or 0.0)
            dead.add_metric([lag.topic], lag.dead)
        yield from (undelivered, oldest, dead)
        sync = next((lag for lag in lags if lag.topic == NATIONAL_SYNC), None)
        yield _gauge(
            "motcua_national_sync_lag_seconds",
            "Age of the oldest change not yet sent to the national portal (0 when none).",
            sync.oldest_age if sync else None,
        )
        yield _gauge(
            "motcua_worker_queue_depth", "Background tasks ready to run.", worker.queue_depth
        )
        yield _gauge(
            "motcua_worker_oldest_ready_age_seconds",
            "How long the oldest ready task has waited (0 when none).",
            worker.oldest_ready_age,
        )
        yield from drift


class _ThisProcess(Collector):
    """The metrics of this process alone (no PROMETHEUS_MULTIPROC_DIR)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def metrics_allowed(request: HttpRequest) -> bool:
    token = settings.MOTCUA_METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    try:
        local = ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        local = False
    return local and "HTTP_X_FORWARDED_FOR" not in request.META


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse(
            "Không được phép xem số liệu giám sát.\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(DatabaseCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
