#!/usr/bin/env bash
# Install everything motcua needs into .venv from uv.lock. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS=never

python=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    # The interpreter itself, not a shim in front of it (pyenv): uv recreates an environment
    # whose interpreter is not the path it is given, each time.
    python=$("$candidate" -c 'import sys; print(sys.executable)'); break
  fi
done
if [ -z "$python" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && apt-get install -y -qq python3.11 python3.11-venv >/dev/null
    python=$(command -v python3.11)
  else
    echo "motcua needs Python 3.11 (python3.11 on PATH)." >&2; exit 1
  fi
fi

# uv through the interpreter it was installed for (`python -m uv`): pip puts its script in that
# interpreter's own bin directory, which need not be on PATH (pyenv's shims only learn of it
# after a `pyenv rehash`).
uv=(uv)
if ! command -v uv >/dev/null; then
  "$python" -m uv --version >/dev/null 2>&1 \
    || "$python" -m pip install --quiet --disable-pip-version-check uv 2>/dev/null \
    || "$python" -m pip install --quiet --user --disable-pip-version-check uv
  uv=("$python" -m uv)
fi
# Compiled once here rather than on each import: a process that may not write bytecode
# (PYTHONDONTWRITEBYTECODE, a read-only install) otherwise compiles every module it imports at
# every start — each command and each server worker (`motcua deadline` 2.1 s → 0.9 s).
# uv compiles the whole environment each time it is asked (6 s): only when the lock changed.
if [ .venv/.compiled -nt uv.lock ]; then
  "${uv[@]}" sync --frozen --quiet --python "$python"
else
  "${uv[@]}" sync --frozen --quiet --compile-bytecode --python "$python"
  touch .venv/.compiled
fi
.venv/bin/python -m compileall -q -j 0 src >/dev/null

# System packages the product and its tests use, from Debian, when missing (root only):
# DejaVu fonts carry the Vietnamese letters in generated PDFs; Chromium drives browser tests.
missing=()
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# axe-core (accessibility checks injected into pages by the browser tests), from package-lock.json.
if [ ! -f node_modules/axe-core/axe.min.js ] && command -v npm >/dev/null; then
  npm ci --no-audit --no-fund --silent
fi
