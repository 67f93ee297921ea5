# finops-pipeline developer entry points. Every target creates .venv on first use
# (idempotent: a second run installs nothing) and then does its work.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BI_VENV := bi/.venv
BI_STAMP := $(BI_VENV)/.installed
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help demo test lint audit dev install clean browser bi bi-install

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11'"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> installing finops-pipeline and its pinned dependencies into $(VENV) (first run only)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install everything (idempotent)

demo: $(STAMP) ## generate a year of sample exports and run the whole pipeline
	$(BIN)/finops demo

# Two workers (the CI machine has two cores); each test file stays on one worker so that its
# module fixtures are built once.
TEST_WORKERS ?= 2
test: $(STAMP) browser $(BI_STAMP) ## the whole test suite (TEST_WORKERS=2 processes)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=15

# Headless Chromium for the showback report test (tests/browser.py), from Debian packages.
# Skipped when both binaries exist; uses sudo when not root.
CHROMIUM := /usr/bin/chromium
CHROMEDRIVER := /usr/bin/chromedriver
browser: ## install chromium + chromium-driver from Debian (apt) unless present
	@if [ -x $(CHROMIUM) ] && [ -x $(CHROMEDRIVER) ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; else \
	  echo "error: $(CHROMIUM) and $(CHROMEDRIVER) are missing and neither root nor sudo is available;" \
	    "install the Debian packages chromium and chromium-driver"; exit 1; fi; \
	echo "==> installing chromium and chromium-driver from Debian (first run only)"; \
	$$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver

lint: $(STAMP) ## ruff + sqlfluff + pip-audit
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@mkdir -p warehouse
	FINOPS_DUCKDB_PATH=$(CURDIR)/warehouse/lint.duckdb $(BIN)/sqlfluff lint dbt_project/models
	@$(MAKE) --no-print-directory audit

# Known vulnerabilities in the pinned dependencies (constraints.txt), from OSV. Triaged findings
# that do not apply: PIP_AUDIT_IGNORE="--ignore-vuln ID ...", each with a reason in
# docs/reliability.md. Without network access to the service this warns (dependencies NOT
# audited) instead of failing; a finding fails.
PIP_AUDIT_SERVICE ?= osv
PIP_AUDIT_IGNORE ?=
audit: $(STAMP) ## pip-audit: known vulnerabilities in the pinned dependencies
	@mkdir -p warehouse
	@$(BIN)/pip-audit -r constraints.txt --no-deps --disable-pip --progress-spinner off \
	    --vulnerability-service $(PIP_AUDIT_SERVICE) --timeout 15 $(PIP_AUDIT_IGNORE) \
	    > warehouse/pip-audit.log 2>&1; rc=$$?; \
	if grep -qE "NameResolutionError|ConnectionError|Max retries exceeded|could not be audited" warehouse/pip-audit.log; then \
	    echo "pip-audit: WARNING: the vulnerability service ($(PIP_AUDIT_SERVICE)) is not reachable from here: the pinned dependencies were NOT audited (details: warehouse/pip-audit.log, docs/reliability.md)"; \
	elif [ $$rc -eq 0 ]; then echo "pip-audit: $$(tail -n 1 warehouse/pip-audit.log)"; \
	else cat warehouse/pip-audit.log; exit $$rc; fi

dev: $(STAMP) ## start the Dagster UI on http://127.0.0.1:3000
	$(BIN)/finops dev

# Apache Superset on the published BI file (docs/bi-tools.md), in its own venv bi/.venv with the
# exact versions of bi/superset/constraints.txt, plus an initialised metadata database template
# (migrations, roles, user admin) so that starting it takes seconds. tests/test_bi_tool.py uses it.
# Rebuilt when the pins change; after changing the template step: rm bi/.venv/.installed.
$(BI_STAMP): bi/superset/requirements.txt bi/superset/constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=/path/to/python3.11'"; exit 1; }
	@test -x $(BI_VENV)/bin/python || $(PYTHON) -m venv $(BI_VENV)
	@echo "==> installing Apache Superset into $(BI_VENV) (first run only, a few minutes)"
	$(BI_VENV)/bin/python -m pip install --quiet -r bi/superset/requirements.txt -c bi/superset/constraints.txt
	bi/superset/superset.sh template $(BI_VENV)/superset-template > $(BI_VENV)/superset-template.log 2>&1 \
	    || { tail -n 30 $(BI_VENV)/superset-template.log; exit 1; }
	@touch $(BI_STAMP)

bi-install: $(BI_STAMP) ## install Apache Superset into bi/.venv (idempotent)

bi: $(STAMP) $(BI_STAMP) ## Superset on http://127.0.0.1:8088 over output/finops_bi.duckdb (after make demo)
	bi/superset/superset.sh register
	bi/superset/superset.sh serve

# Not part of `make test`: generates 1M and 10M line items (kept in benchmarks/.data/) and takes
# about half an hour on two cores; results in benchmarks/results/ and docs/benchmarks.md.
BENCH_SIZES ?= 1000000,10000000
bench: $(STAMP) ## benchmark harness: floor, full, incremental, no-op, peer (docs/benchmarks.md)
	$(BIN)/python -m benchmarks.run --sizes $(BENCH_SIZES)

clean: ## remove generated data, warehouse and outputs (keeps .venv)
	rm -rf data warehouse output .dagster_home dbt_project/target dbt_project/logs
