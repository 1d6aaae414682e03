# The two set-up commands on a fresh machine are `make run` and `make test` (README.md).
# make is the demo's and the developers' way in: it runs with MOTCUA_DEMO=1 (a generated secret
# key, the local address). Production starts gunicorn and the worker from systemd with its own
# environment (docs/deploy.md).
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export MOTCUA_DEMO ?= 1
MOTCUA := .venv/bin/motcua

.PHONY: install run national test lint migrate demo static worker bench

install:
	bash scripts/install.sh

migrate: install
	$(MOTCUA) migrate --noinput

demo: migrate
	$(MOTCUA) load_demo --if-empty
	$(MOTCUA) esign_demo_pki
	$(MOTCUA) demo_sign_results
	$(MOTCUA) audit-root

# Hashed, compressed copies under $MOTCUA_VAR_DIR/static, served by WhiteNoise.
static: install
	$(MOTCUA) collectstatic --noinput --verbosity 0

run: demo static
	bash scripts/run.sh

# A national instance beside `make run` (own database under var/national, port 8001) that
# receives the demo province's dossiers and ranks the provinces: docs/howto/national-mode.md.
national: install
	bash scripts/national.sh

worker: install
	$(MOTCUA) db_worker

lint: install
	bash scripts/lint.sh

test: install
	bash scripts/test.sh

# The quick versions of the benchmarks (minutes, not hours; nothing written to bench/results).
# The full runs and their results: docs/performance.md.
bench: install
	bash scripts/with-postgres.sh .venv/bin/python bench/pages_load.py --quick
	MOTCUA_VAR_DIR=/tmp/motcua-bench-index .venv/bin/python bench/index_latency.py --dossiers 100000 --runs 5 --cleanup
	.venv/bin/python bench/import_dossiers.py --rows 20000 --verify
	.venv/bin/python bench/form_typing.py
	bash scripts/with-postgres.sh .venv/bin/python bench/national_sync.py --messages 20000
	MOTCUA_DEMO=1 .venv/bin/python bench/sync_outbox_cost.py --transactions 500
	MOTCUA_DEMO=1 .venv/bin/python bench/submission.py --quick
	bash scripts/with-postgres.sh env MOTCUA_DEMO=1 .venv/bin/python bench/submission.py --quick --processes 2
	MOTCUA_DEMO=1 .venv/bin/python bench/search.py --procedures 2000 --repeat 3
	MOTCUA_DEMO=1 .venv/bin/python bench/import_catalog.py --procedures 2000
	MOTCUA_DEMO=1 .venv/bin/python bench/cli_startup.py --repeat 3
	if command -v wrk >/dev/null; then .venv/bin/python bench/office_pages.py --dossiers 20000 --duration 6 --no-write; else echo "bench/office_pages.py skipped: wrk is missing (apt-get install -y wrk)"; fi
