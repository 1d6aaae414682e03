#!/usr/bin/env bash
# Serve the demo on http://127.0.0.1:8000 with a background task worker (outbox delivery).
set -euo pipefail
cd "$(dirname "$0")/.."
# The demo runs in debug mode (the sandbox payment gateway exists only there); the worker must
# see the same settings as the server, since it delivers the sandbox's payment notifications.
export MOTCUA_DEBUG=${MOTCUA_DEBUG:-1}
.venv/bin/motcua db_worker --interval 1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT
.venv/bin/motcua runserver 127.0.0.1:8000
