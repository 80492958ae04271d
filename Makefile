# The few commands people type. Each one does its own setup, so each works on a fresh machine.
# Tests that touch PostgreSQL create a fresh database per test from this server.
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: setup setup-build web demo demo-postgis test cluster-test backup-setup bench lint fmt

setup:
	bash scripts/setup.sh

setup-build:
	bash scripts/setup.sh --build

## The web map (web/dist, embedded into the binary): MapLibre from the npm registry, pinned.
web:
	bash scripts/web.sh

## Start the server on the bundled demo data (http://127.0.0.1:8080), kept in the GeoPackage
## undermap-demo.gpkg: no database server needed.
demo: setup-build web
	cargo run --release -- serve --demo

## The same demo on the local PostGIS (database `undermap`, created if missing).
demo-postgis: setup web
	cargo run --release -- --store postgres://postgres@127.0.0.1:5432/undermap serve --demo

## Every test: the OpenAPI document against the server (schemathesis, 90 s), then unit,
## property, doc and end-to-end (real PostGIS, a fresh database per test), and the web map in
## headless Chromium.
test: setup web
	cargo build -p undermap
	bash scripts/schemathesis.sh target/debug/undermap
	cargo test --workspace

## The cluster alone: two servers behind HAProxy on a primary and a streaming replica of the
## test's own; one server killed under load, the primary stopped and started, the replica
## promoted (docs/operations.md). Also part of `make test`.
cluster-test: setup
	cargo test -p undermap --test e2e cluster -- --nocapture

## Set up pgBackRest backups of the local cluster into BACKUP_DIR (WAL archiving on, then a
## restart of PostgreSQL and the first full backup): docs/operations.md.
BACKUP_DIR ?= /var/backups/undermap
STORE ?= postgres://postgres@127.0.0.1:5432/undermap
backup-setup: setup
	cargo run --release -- --store $(STORE) backup --init --to $(BACKUP_DIR)
	pg_ctlcluster --skip-systemctl-redirect 15 main restart
	cargo run --release -- --store $(STORE) backup --to $(BACKUP_DIR) --type full

## Criterion benchmarks and the HTTP load benchmark; figures go to docs/performance.md.
bench: setup
	cargo bench -p undermap-index
	cargo bench -p undermap --bench http_load

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt:
	cargo fmt --all
