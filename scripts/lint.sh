#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== ruff"
.venv/bin/ruff check src tests
.venv/bin/ruff format --check src tests
echo "== mypy"
.venv/bin/mypy src
echo "== migrations"
MOTCUA_DEMO=1 MOTCUA_VAR_DIR=$(mktemp -d) .venv/bin/motcua makemigrations --check --dry-run
echo "== deployment checks (production settings)"
# What a production machine sets (docs/deploy.md), with throw-away values: any warning fails.
env -u MOTCUA_DEBUG MOTCUA_DEMO=0 MOTCUA_VAR_DIR="$(mktemp -d)" \
  MOTCUA_SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" \
  MOTCUA_ALLOWED_HOSTS=dichvucong.example.gov.vn \
  MOTCUA_PUBLIC_URL=https://dichvucong.example.gov.vn \
  MOTCUA_HTTPS=1 MOTCUA_BEHIND_PROXY=1 \
  .venv/bin/motcua check --deploy --fail-level WARNING
