#!/usr/bin/env bash
# The OpenAPI document against the server, by schemathesis (PyPI): requests generated from the
# document (valid and invalid), for a bounded time, against `serve --demo` on a fresh GeoPackage.
# Fails on any 5xx, any answer that is not what the document says (status, media type, schema,
# headers), or a request the document forbids that the server accepts. Not checked here: that
# every request the document allows succeeds (`positive_data_acceptance`) — whether a polygon
# is simple, a point lies in the CRS's area of use or a CQL2 filter parses cannot be said in
# JSON Schema; the server answers those with the 400/422 problems the document lists.
#   scripts/schemathesis.sh [path to the undermap binary]     (default target/debug/undermap)
# SCHEMATHESIS_MAX_TIME (seconds, default 90) and SCHEMATHESIS_EXAMPLES (default 30) bound it.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

bin=$(realpath "${1:-target/debug/undermap}")
venv=target/schemathesis-venv
version=4.32.5
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$version"; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "schemathesis==$version"
fi

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
    [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
(cd "$work" && UNDERMAP_DEMO_DATA_DIR="$repo/data/demo" exec "$bin" --store "$work/demo.gpkg" \
    serve --demo --listen "127.0.0.1:$port" >"$work/server.log" 2>&1) &
server=$!
for _ in $(seq 1 120); do
    [ -f "$work/undermap-demo-keys.env" ] && curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 1
done
# shellcheck disable=SC1091
source "$work/undermap-demo-keys.env"

# One worker: hypothesis 6's lambda-source cache is not thread-safe ("AST constructor recursion
# depth mismatch" runtime errors with -w 2). Admin writes are left out: disabling accounts and revoking keys would lock the run out.
"$venv/bin/st" run "http://127.0.0.1:$port/ogc/api" \
    -H "Authorization: Bearer $UNDERMAP_DEMO_ADMIN_KEY" \
    -c not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance,negative_data_rejection \
    -n "${SCHEMATHESIS_EXAMPLES:-30}" --max-time "${SCHEMATHESIS_MAX_TIME:-90}" -w 1 --seed 1 \
    --request-timeout 10 --exclude-name-regex '^POST /v1/(admin/|deliveries$)' \
    --no-color
