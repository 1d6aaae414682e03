#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== ruff"
.venv/bin/ruff check src tests
.venv/bin/ruff format --check src tests
echo "== mypy"
.venv/bin/mypy src
echo "== migrations"
MOTCUA_VAR_DIR=$(mktemp -d) .venv/bin/motcua makemigrations --check --dry-run
