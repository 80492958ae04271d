# The few commands people type. Each one does its own setup, so each works on a fresh machine.
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
export UNDERMAP_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/undermap

.PHONY: setup demo test bench lint fmt

setup:
	bash scripts/setup.sh

## Start the server on the bundled demo data (http://127.0.0.1:8080).
demo: setup
	cargo run --release -- serve --demo

## Every test: unit, property, doc and end-to-end (real PostGIS, a fresh database per test).
test: setup
	cargo test --workspace

## Criterion benchmarks and the HTTP load benchmark; figures go to docs/performance.md.
bench: setup
	cargo bench -p undermap-index
	cargo bench -p undermap --bench http_load

lint:
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings

fmt:
	cargo fmt --all
