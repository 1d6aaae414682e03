"""Gunicorn's configuration (`gunicorn -c python:motcua.core.gunicorn_conf motcua.wsgi`),
from the same environment as the settings. docs/decisions/0004-production-server.md says why
gunicorn; docs/deploy.md lists the variables.
"""

from __future__ import annotations

import gc
import os
from typing import Any

bind = [f"{os.environ.get('MOTCUA_HOST', '127.0.0.1')}:{os.environ.get('MOTCUA_PORT', '8000')}"]
# Two processes per core and one more, the usual rule for a server that waits on its database;
# each process serves several requests at once in threads, so a slow upload does not hold one.
workers = int(os.environ.get("MOTCUA_WORKERS", "0")) or (2 * (os.cpu_count() or 1) + 1)
worker_class = "gthread"
threads = int(os.environ.get("MOTCUA_THREADS", "4"))
# PDFs and exports of a province take seconds; past this the worker is stuck, not slow.
timeout = int(os.environ.get("MOTCUA_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# A worker restarts after this many requests (with jitter, so not all at once): what one
# report leaks in memory does not accumulate.
max_requests = int(os.environ.get("MOTCUA_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Requests are logged by the application (motcua.core.logs), with their route and id, never
# the path; gunicorn's access log would write the path and query string.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("MOTCUA_LOG_LEVEL", "info").lower()
logconfig_dict: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "motcua.core.logs.JsonFormatter"},
        "text": {"()": "motcua.core.logs.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": os.environ.get("MOTCUA_LOG_FORMAT", "json"),
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
}
# Behind our own reverse proxy only (docs/deploy.md): which addresses may set X-Forwarded-*.
forwarded_allow_ips = os.environ.get("MOTCUA_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def child_exit(server: Any, worker: Any) -> None:
    """A dead worker's live gauges leave the sum (prometheus_client multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker: Any) -> None:
    """Load what the first requests would otherwise wait for (`core.warmup`: the URLconf,
    with the API's schemas, about 2 s; the holidays, the templates, the translations),
    before the worker takes its first request — on each start and each `max_requests`
    recycle."""
    from motcua.core.warmup import warm

    warm()
    # What is loaded by now (Django, the apps, the URLconf) lives as long as the worker:
    # frozen out of the collector's reach, a full collection walks only what requests made,
    # instead of pausing a request for 60–150 ms every few dozen requests.
    gc.freeze()
