#!/usr/bin/env bash
# A national instance beside the demo province (`make national`, docs/howto/national-mode.md):
# its own database under $MOTCUA_VAR_DIR/national, its own port (MOTCUA_NATIONAL_PORT, default
# 8001), the demo catalog, and the demo province (46, thành phố Huế) registered as a peer with
# the public key of the province's signing key. `make run` sends the province's dossiers to it;
# what waited while it was down is handed over as soon as it answers.
set -euo pipefail
cd "$(dirname "$0")/.."

export MOTCUA_DEMO=${MOTCUA_DEMO:-1}
var=${MOTCUA_VAR_DIR:-$PWD/var}
port=${MOTCUA_NATIONAL_PORT:-8001}
province=${MOTCUA_PROVINCE_CODE:-46}
key=${MOTCUA_SYNC_KEY_FILE:-$var/sync-key.pem}

# The province's key: made once, kept with the province's other keys in its var folder.
if [ ! -f "$key" ]; then
  MOTCUA_VAR_DIR=$var .venv/bin/motcua sync-keygen --out "$key" >/dev/null
fi
public=$(mktemp)
.venv/bin/python - "$key" >"$public" <<'PY'
import sys
from cryptography.hazmat.primitives import serialization

with open(sys.argv[1], "rb") as f:
    private = serialization.load_pem_private_key(f.read(), password=None)
sys.stdout.write(
    private.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)
PY

settings=(MOTCUA_MODE=national "MOTCUA_VAR_DIR=$var/national" DATABASE_URL= "MOTCUA_PORT=$port"
  MOTCUA_PAYMENT_SANDBOX=0 "MOTCUA_STATIC_ROOT=$var/static")
national() { env "${settings[@]}" "$@"; }
mkdir -p "$var/national"
national .venv/bin/motcua migrate --noinput -v 0
national .venv/bin/motcua collectstatic --noinput -v 0
national .venv/bin/motcua import-catalog src/motcua/demo/data/catalog.json
national .venv/bin/motcua national-peer add --province "$province" --name "Thành phố Huế" \
  --public-key "$public"
rm -f "$public"

# Once it answers, the province's held or waiting messages are due again (its worker sends them).
(
  for _ in $(seq 1 60); do
    if .venv/bin/python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/healthz', timeout=2)" 2>/dev/null; then
      MOTCUA_VAR_DIR=$var .venv/bin/motcua outbox_resend --topic national.sync >/dev/null || true
      echo "motcua national: http://127.0.0.1:$port/quoc-gia/ (the demo province's dossiers arrive within seconds)" >&2
      exit 0
    fi
    sleep 1
  done
) &
exec env "${settings[@]}" MOTCUA_HOST=127.0.0.1 .venv/bin/gunicorn --config python:motcua.core.gunicorn_conf motcua.wsgi
