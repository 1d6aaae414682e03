# The two set-up commands on a fresh machine are `make run` and `make test` (README.md).
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
MOTCUA := .venv/bin/motcua

.PHONY: install run test lint migrate demo worker bench

install:
	bash scripts/install.sh

migrate: install
	$(MOTCUA) migrate --noinput

demo: migrate
	$(MOTCUA) load_demo --if-empty
	$(MOTCUA) esign_demo_pki
	$(MOTCUA) demo_sign_results

run: demo
	bash scripts/run.sh

worker: install
	$(MOTCUA) db_worker

lint: install
	bash scripts/lint.sh

test: install
	bash scripts/test.sh
