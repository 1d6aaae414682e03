#!/usr/bin/env bash
# Serve the demo: gunicorn on ${MOTCUA_HOST:-127.0.0.1}:${MOTCUA_PORT:-8000} (motcua.wsgi, static
# files by WhiteNoise), the background task worker beside it (outbox delivery, payment
# notifications), with the same settings, and the stand-ins for the outside services on
# ${MOTCUA_STANDINS_PORT:-8002} (motcua.standins: the VNeID provider, the population and business
# registries, the messaging platform; MOTCUA_STANDINS=0 leaves them out). Ctrl-C or a signal to this script stops all
# three; if one of them dies, the others are stopped too. `make run` migrates, loads the demo and
# collects the static files first. Production starts the first two from systemd and points at the
# real services (docs/deploy.md, docs/howto/vneid.md, docs/howto/registries.md).
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

# The stand-ins: a process of their own (own settings, own database under the var folder), as
# VNeID and the registries are other people's servers. The portal is pointed at them unless
# the environment already names real ones.
standins=${MOTCUA_STANDINS:-1}
if [ "$standins" = 1 ]; then
  standins_host=${MOTCUA_STANDINS_HOST:-$MOTCUA_HOST}
  standins_port=${MOTCUA_STANDINS_PORT:-8002}
  export MOTCUA_STANDINS_URL=${MOTCUA_STANDINS_URL:-http://$standins_host:$standins_port}
  export MOTCUA_VNEID_ISSUER=${MOTCUA_VNEID_ISSUER:-$MOTCUA_STANDINS_URL/vneid/o}
  export MOTCUA_VNEID_CLIENT_ID=${MOTCUA_VNEID_CLIENT_ID:-motcua-demo}
  export MOTCUA_REGISTRY_BACKEND=${MOTCUA_REGISTRY_BACKEND:-motcua.integration.registry_http.HttpRegistry}
  export MOTCUA_REGISTRY_URL=${MOTCUA_REGISTRY_URL:-$MOTCUA_STANDINS_URL/dan-cu/api/v1}
  export MOTCUA_BUSINESS_REGISTRY_BACKEND=${MOTCUA_BUSINESS_REGISTRY_BACKEND:-motcua.integration.registry_http.HttpBusinessRegistry}
  export MOTCUA_BUSINESS_REGISTRY_URL=${MOTCUA_BUSINESS_REGISTRY_URL:-$MOTCUA_STANDINS_URL/dkkd/api/v1}
  export MOTCUA_REGISTRY_TOKEN=${MOTCUA_REGISTRY_TOKEN:-demo-registry-token}
  # The messaging platform (docs/howto/messaging.md): its send-message API and media, the demo's
  # app secret and official-account token, and where its follower page posts the events.
  export MOTCUA_MESSAGING_API_URL=${MOTCUA_MESSAGING_API_URL:-$MOTCUA_STANDINS_URL/nhan-tin}
  export MOTCUA_MESSAGING_APP_SECRET=${MOTCUA_MESSAGING_APP_SECRET:-demo-messaging-app-secret}
  export MOTCUA_MESSAGING_OA_TOKEN=${MOTCUA_MESSAGING_OA_TOKEN:-demo-messaging-oa-token}
  export MOTCUA_MESSAGING_WEBHOOK_URL=${MOTCUA_MESSAGING_WEBHOOK_URL:-http://$MOTCUA_HOST:$MOTCUA_PORT/kenh-nhan-tin/webhook/}
  # The document-management service's stand-in: where letters go, and where its letters come in.
  export MOTCUA_DOCEXCHANGE_URL=${MOTCUA_DOCEXCHANGE_URL:-$MOTCUA_STANDINS_URL}
  export MOTCUA_DOCEXCHANGE_INBOUND_URL=${MOTCUA_DOCEXCHANGE_INBOUND_URL:-http://$MOTCUA_HOST:$MOTCUA_PORT/truc-van-ban/den/}
  # Where the provider may send people back: the portal as it is reached here (by address or
  # by name) and at its public address when one is set.
  callback=/dang-nhap/vneid/xong/
  redirects="http://$MOTCUA_HOST:$MOTCUA_PORT$callback http://127.0.0.1:$MOTCUA_PORT$callback http://localhost:$MOTCUA_PORT$callback"
  [ -z "${MOTCUA_PUBLIC_URL:-}" ] || redirects="$redirects ${MOTCUA_PUBLIC_URL%/}$callback"
  standins_env=(env -u DATABASE_URL DJANGO_SETTINGS_MODULE=motcua.standins.settings
    MOTCUA_VAR_DIR="$var" MOTCUA_VNEID_REDIRECT_URI="$redirects")
  # The province's signing key (national sync, official letters), made here when missing as
  # `make national` would: the document-management stand-in checks our letters with it.
  [ -f "$MOTCUA_SYNC_KEY_FILE" ] || .venv/bin/motcua sync-keygen >/dev/null
  "${standins_env[@]}" .venv/bin/motcua migrate --noinput -v 0
  "${standins_env[@]}" .venv/bin/motcua standins_setup
  # Its letters come in signed with its own key: the portal knows it as a sending agency.
  .venv/bin/motcua docexchange_peer add 000.00.12.H46 \
    "Sở Tư pháp (hệ thống quản lý văn bản mô phỏng)" \
    --public-key-file "$var/docexchange/standin_public.pem" >/dev/null
fi

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
if [ "$standins" = 1 ]; then
  "${standins_env[@]}" .venv/bin/gunicorn -b "$standins_host:$standins_port" -w 2 \
    --access-logfile - motcua.standins.wsgi &
  pids+=($!)
  echo "motcua: stand-in VNeID and registries at $MOTCUA_STANDINS_URL/" >&2
fi
echo "motcua: http://$MOTCUA_HOST:$MOTCUA_PORT/ (Ctrl-C stops the server, the worker and the stand-ins)" >&2

set +e
wait -n "${pids[@]}"
status=$?
set -e
echo "motcua: a process stopped (exit $status); stopping the others" >&2
stop
exit "$status"
