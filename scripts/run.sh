#!/usr/bin/env bash
# Serve the demo: gunicorn on ${MOTCUA_HOST:-127.0.0.1}:${MOTCUA_PORT:-8000} (motcua.wsgi, static
# files by WhiteNoise) and the background task worker beside it (outbox delivery, payment
# notifications), with the same settings. Ctrl-C or a signal to this script stops both; if one
# of them dies, the other is stopped too. `make run` migrates, loads the demo and collects the
# static files first. Production starts the same two processes from systemd (docs/deploy.md).
set -euo pipefail
cd "$(dirname "$0")/.."

export MOTCUA_HOST=${MOTCUA_HOST:-127.0.0.1}
export MOTCUA_PORT=${MOTCUA_PORT:-8000}
# DEBUG stays off, as in production. The demo's conveniences are switched on by name: a
# generated secret key and the local address (MOTCUA_DEMO), the sandbox payment gateway, and
# trust in the demo CA when checking signed results.
export MOTCUA_DEMO=${MOTCUA_DEMO:-1}
export MOTCUA_PAYMENT_SANDBOX=${MOTCUA_PAYMENT_SANDBOX:-1}
export MOTCUA_ESIGN_TRUST_DEMO_CA=${MOTCUA_ESIGN_TRUST_DEMO_CA:-1}
var=${MOTCUA_VAR_DIR:-$PWD/var}
# The demo province (46, thành phố Huế) sends its dossiers to a national instance beside it
# (`make national`, port 8001). Until that instance has its key (made by `make national`) the
# changes are held, and the sync page says why.
export MOTCUA_PROVINCE_CODE=${MOTCUA_PROVINCE_CODE:-46}
export MOTCUA_SYNC_KEY_FILE=${MOTCUA_SYNC_KEY_FILE:-$var/sync-key.pem}
export MOTCUA_NATIONAL_URL=${MOTCUA_NATIONAL_URL:-http://127.0.0.1:${MOTCUA_NATIONAL_PORT:-8001}}
# Each gunicorn worker process writes its request metrics here; /metrics adds them up. Files
# left by an earlier run would be counted again.
export PROMETHEUS_MULTIPROC_DIR=${PROMETHEUS_MULTIPROC_DIR:-$var/prometheus}
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -name '*.db' -delete

pids=()
alive() { local pid; for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done; return 1; }
# TERM lets gunicorn finish its requests and the worker its current task; a task still running
# after 10 s gets a second TERM, which ends it (recorded as failed; the outbox row it was
# delivering stays pending for the next run).
stop() {
  trap - INT TERM EXIT
  [ ${#pids[@]} -gt 0 ] || return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 20); do alive || break; sleep 0.5; done
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

.venv/bin/motcua db_worker --interval 1 --no-reload &
pids+=($!)
.venv/bin/gunicorn --config python:motcua.core.gunicorn_conf motcua.wsgi &
pids+=($!)
echo "motcua: http://$MOTCUA_HOST:$MOTCUA_PORT/ (Ctrl-C stops the server and the worker)" >&2

set +e
wait -n "${pids[@]}"
status=$?
set -e
echo "motcua: a process stopped (exit $status); stopping the other" >&2
stop
exit "$status"
