"""The suite's settings: the product's, as the demo runs them, plus what tests need.

- MOTCUA_DEMO=1: the generated secret key, local hosts and the local public address are
  allowed (production refuses them). Subprocesses that tests start inherit it, and the
  repository root on PYTHONPATH lets them import this module too.
- Plain static storage: pages render `{% static %}` without a `collectstatic` first (the
  hashed, compressed storage of production is tested by tests/core/test_serving.py).
- A "replica" alias mirroring the test database, for the router's tests; reads go to it only
  where a test turns MOTCUA_READ_REPLICA on.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("MOTCUA_DEMO", "1")
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(
        part for part in (_ROOT, os.environ.get("PYTHONPATH", "")) if part
    )

from motcua.settings import *  # noqa: E402, F403
from motcua.settings import DATABASES, STORAGES  # noqa: E402

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
MOTCUA_READ_REPLICA = False
# WhiteNoise indexes the folder when the app starts; the suite serves nothing from it.
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # noqa: F405
# The API's rate limits count in a cache that lives as long as the test process: the suite's
# thousands of anonymous requests from 127.0.0.1 must not meet them (tests/api/test_auth.py
# sets small limits where it tests them).
MOTCUA_API_RATE_ANONYMOUS = 1_000_000
MOTCUA_API_RATE_AUTHENTICATED = 1_000_000
