#!/usr/bin/env bash
# The whole suite: lint, type check, migrations check, then pytest on SQLite and on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/lint.sh

export MOTCUA_VAR_DIR=$(mktemp -d)
trap 'rm -rf "$MOTCUA_VAR_DIR"' EXIT

echo "== pytest on SQLite"
env -u DATABASE_URL .venv/bin/pytest -q -p no:cacheprovider -n 2 "$@"

echo "== pytest on PostgreSQL"
bash scripts/with-postgres.sh .venv/bin/pytest -q -p no:cacheprovider -n 2 "$@"
