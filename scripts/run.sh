#!/usr/bin/env bash
# Serve the demo on http://127.0.0.1:8000 with a background task worker (outbox delivery).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/motcua db_worker --interval 1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT
export MOTCUA_DEBUG=${MOTCUA_DEBUG:-1}
.venv/bin/motcua runserver 127.0.0.1:8000
