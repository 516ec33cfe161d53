# Two commands do everything on a fresh machine that has only python3:
#   make demo   set up, generate a synthetic hospital, screen it, print the report paths
#   make test   set up and run the whole test suite
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
RUN := $(UV) run --frozen --no-sync
DEMO_DIR ?= var/demo
DEMO_AS_OF ?= 2026-11-24
DEMO_PATIENTS ?= 2000
DEMO_TRIAL ?= lutathera-retreatment
AIRFLOW_PORT ?= 8080
# Only this machine by default; AIRFLOW_HOST=0.0.0.0 to serve the network on purpose.
AIRFLOW_HOST ?= 127.0.0.1
AIRFLOW_DIR := $(CURDIR)/var/airflow
# Project-local Airflow: SQLite metadata in var/airflow, this checkout's DAGs, no examples, the
# demo's folders. Byte-code caching back on (into var/pycache): Airflow imports ~1000 modules.
AIRFLOW_ENV = env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(CURDIR)/var/pycache \
	AIRFLOW_HOME=$(AIRFLOW_DIR) \
	AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags \
	AIRFLOW__CORE__LOAD_EXAMPLES=False \
	SCREENING_LANDING_DIR=$(CURDIR)/$(DEMO_DIR)/hospital/exports \
	SCREENING_REPORTS_DIR=$(CURDIR)/$(DEMO_DIR)/reports \
	SCREENING_WORK_DIR=$(CURDIR)/$(DEMO_DIR)/work \
	SCREENING_PSEUDONYM_KEY="$${SCREENING_PSEUDONYM_KEY:-$$(cat $(DEMO_DIR)/demo-pseudonym.key)}"
# The three sizes of the performance issue; at 1,000,000 patients the pipeline takes 4.5 to 7.5
# minutes depending on the machine, the DuckDB baseline about 3 more (plus 3 to 5 minutes to
# generate the hospital once), and 7 GB (docs/performance.md). BENCH_SIZES=10000 for a quick look.
BENCH_SIZES ?= 10000,100000,1000000

.PHONY: help install browser demo demo-data demo-omop demo-fhir synthetic-omop test lint format bench airflow clean docs-assets

help:
	@echo "make demo   - install, generate a synthetic hospital, screen it with the Airflow DAG"
	@echo "make airflow - Airflow (standalone) with this project's DAGs on http://localhost:$(AIRFLOW_PORT)"
	@echo "make demo-omop - load the Eunomia OMOP sample into PostgreSQL and screen it"
	@echo "make demo-fhir - screen the SMART FHIR Bulk sample through the FHIR source"
	@echo "make synthetic-omop - the synthetic hospital as OMOP CDM tables in PostgreSQL"
	@echo "make test   - install and run the whole test suite"
	@echo "make lint   - ruff lint and format check"
	@echo "make bench  - performance benchmark (writes bench/results.json)"

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet uv

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-groups --python 3.11
	@touch $@

install: $(VENV)/.installed

# Headless Chromium for the review page tests (Debian package; never `playwright install`).
browser:
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

# Maintainers only: re-vendor the CDN assets of GX's Data Docs from the npm registry (needs npm);
# the files are committed, a run never fetches them (pipeline/quality/docs_offline.py).
docs-assets: install
	$(RUN) python scripts/vendor_docs_assets.py

# The demo runs the real DAGs (`airflow dags test`: every task, in one process) on the demo
# data: the hospital's night (land, validate, publish the snapshot), then the trial on it.
demo: install demo-data
	@mkdir -p $(AIRFLOW_DIR)
	$(AIRFLOW_ENV) $(RUN) airflow db migrate > $(AIRFLOW_DIR)/db-migrate.log
	@echo "running the DAGs (every task, in one process); Airflow's log: $(AIRFLOW_DIR)/demo-run.log"
	@: > $(AIRFLOW_DIR)/demo-run.log
	@for dag in hospital_snapshot screening_$(DEMO_TRIAL); do \
		$(AIRFLOW_ENV) $(RUN) airflow dags test $$dag $(DEMO_AS_OF) >> $(AIRFLOW_DIR)/demo-run.log 2>&1 \
		|| { tail -n 30 $(AIRFLOW_DIR)/demo-run.log; echo "the DAG $$dag failed: see $(AIRFLOW_DIR)/demo-run.log"; exit 1; }; \
		sed -n 's/.*DagRun Finished: dag_id=\([^,]*\), .*, state=\([a-z_]*\),.*/DAG run: \1 \2/p' \
			$(AIRFLOW_DIR)/demo-run.log | tail -n 1; \
	done
	@echo
	@echo "report: $(CURDIR)/$(DEMO_DIR)/reports/$(DEMO_TRIAL)/$(DEMO_AS_OF)/"
	@ls -1 $(DEMO_DIR)/reports/$(DEMO_TRIAL)/$(DEMO_AS_OF)/
	@printf "review page: "; $(RUN) screening report --trial $(DEMO_TRIAL) --reports $(DEMO_DIR)/reports

# A synthetic hospital's landing folder (same arguments, same bytes) and a local demo key.
demo-data: install
	$(RUN) screening generate --out $(DEMO_DIR)/hospital --patients $(DEMO_PATIENTS) --seed 1 \
		--as-of $(DEMO_AS_OF)
	$(RUN) python -c 'import pathlib, pipeline.cli as c; c.ensure_demo_key(pathlib.Path("$(DEMO_DIR)"))'

# The OHDSI Eunomia Synthea27Nj OMOP CDM 5.4 sample loaded into a PostgreSQL database of its
# own (created if missing, schema cdm reloaded) and screened through the OMOP source. A rerun
# replaces the demo's reports (a report of the same trial and date is never overwritten).
# The shared SMART on FHIR Bulk sample, screened as of a date inside its data.
FHIR_DEMO_DIR ?= var/demo-fhir
FHIR_EXPORT ?= $(CURDIR)/../shared/data/fhir/smart-10-patients
FHIR_AS_OF ?= 2024-08-01
demo-fhir: install
	$(RUN) python -c 'import pathlib, pipeline.cli as c; c.ensure_demo_key(pathlib.Path("$(FHIR_DEMO_DIR)"))'
	SCREENING_PSEUDONYM_KEY="$${SCREENING_PSEUDONYM_KEY:-$$(cat $(FHIR_DEMO_DIR)/demo-pseudonym.key)}" \
		$(RUN) screening run --trial $(DEMO_TRIAL) --source sources/smart-fhir-sample.yaml \
		--exports $(FHIR_EXPORT) --as-of $(FHIR_AS_OF) --out $(FHIR_DEMO_DIR)/reports

OMOP_DEMO_DIR ?= var/demo-omop
OMOP_ZIP ?= $(CURDIR)/../shared/data/omop/Synthea27Nj_5.4.zip
OMOP_URL ?= postgresql+psycopg://postgres@localhost:5432/screening_demo_omop
demo-omop: install
	rm -rf $(OMOP_DEMO_DIR)/reports
	$(RUN) screening demo-omop --dir $(OMOP_DEMO_DIR) --zip $(OMOP_ZIP) --url $(OMOP_URL) \
		--as-of 2022-07-01
	@echo "reports: $(CURDIR)/$(OMOP_DEMO_DIR)/reports/$(DEMO_TRIAL)/2022-07-01/"

# The synthetic hospital (with its truth.parquet) as OMOP CDM 5.4 tables in a database of its
# own, schema cdm; screen it with the source config written beside the tables
# ($(SYNTH_OMOP_DIR)/omop/source.yaml: kind omop and its concept sets) and `--url $(SYNTH_OMOP_URL)`.
SYNTH_OMOP_DIR ?= var/synthetic-omop
SYNTH_OMOP_PATIENTS ?= 2500
SYNTH_OMOP_AS_OF ?= 2026-11-24
SYNTH_OMOP_URL ?= postgresql+psycopg://postgres@localhost:5432/screening_synthetic_omop
synthetic-omop: install
	rm -rf $(SYNTH_OMOP_DIR)
	$(RUN) python -c 'import pathlib; \
		from pipeline.generator.hospital import generate_hospital; \
		from pipeline.generator.omop_tables import write_omop_csv; \
		from pipeline.omop_load import load_omop_folder; \
		d = pathlib.Path("$(SYNTH_OMOP_DIR)"); \
		h = generate_hospital(d / "hospital", $(SYNTH_OMOP_PATIENTS), 11, "$(SYNTH_OMOP_AS_OF)"); \
		write_omop_csv(h.exports, d / "omop"); \
		print(load_omop_folder(d / "omop", "$(SYNTH_OMOP_URL)", "cdm").rows)'
	@echo "truth: $(abspath $(SYNTH_OMOP_DIR))/hospital/truth.parquet (patients by IPP = person_source_value)"

# Scheduler, DAG processor, API server and triggerer in one process group; Ctrl-C stops them.
airflow: install demo-data
	@mkdir -p $(AIRFLOW_DIR)
	@echo "Airflow: http://$(AIRFLOW_HOST):$(AIRFLOW_PORT)  user: admin"
	@echo "password: $(AIRFLOW_DIR)/simple_auth_manager_passwords.json.generated (written at start)"
	$(AIRFLOW_ENV) AIRFLOW__API__HOST=$(AIRFLOW_HOST) AIRFLOW__API__PORT=$(AIRFLOW_PORT) \
		AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://localhost:$(AIRFLOW_PORT)/execution/ \
		AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS=admin:admin \
		AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=30 \
		$(RUN) airflow standalone

test: install browser
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) pytest $(PYTEST_ARGS)

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .

format: install
	$(RUN) ruff format .
	$(RUN) ruff check --fix .

bench: install
	$(RUN) screening bench --sizes $(BENCH_SIZES)

clean:
	rm -rf var .pytest_cache .ruff_cache
