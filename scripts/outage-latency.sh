#!/usr/bin/env bash
# Read latency with PostgreSQL up and with it stopped, on the generated county, measured with wrk
# (docs/performance.md, "Reads while the database is away"). Runs its own PostgreSQL cluster on
# a spare port, so the main one is left alone.
#   scripts/outage-latency.sh [path to a release undermap binary]
# Needs: wrk, PostgreSQL 15 with PostGIS (scripts/setup.sh), a release build (cargo build --release).
set -euo pipefail

bin=$(realpath "${1:-target/release/undermap}")
port=${PGPORT_BENCH:-5544}
http=127.0.0.1:${HTTP_PORT_BENCH:-18282}
work=$(mktemp -d)
pg=/usr/lib/postgresql/15/bin
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
chown postgres "$work" 2>/dev/null || true
cleanup() {
    [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true
    as_pg "$pg/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

as_pg "$pg/initdb" -A trust -U postgres -D "$work/data" >/dev/null
start_pg() {
    as_pg "$pg/pg_ctl" -w -D "$work/data" -l "$work/pg.log" \
        -o "-p $port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
}
start_pg
url=postgres://postgres@127.0.0.1:$port/county
psql -q -h 127.0.0.1 -p "$port" -U postgres -d template1 -c "CREATE EXTENSION IF NOT EXISTS postgis"

# A role without rate limits for the load generator (undermap.toml in the working folder).
cat >"$work/undermap.toml" <<'TOML'
address_rate_per_minute = 1000000000
[roles.bench]
capabilities = ["read"]
clearance = "secret"
rate_per_minute = 1000000000
TOML
cd "$work"
echo "generating the county into $url"
"$bin" --store "$url" migrate >/dev/null
"$bin" demo-data --seed 42 --scale county --out "$url" >/dev/null
"$bin" --store "$url" users add bench --role bench >/dev/null
key=$("$bin" --store "$url" keys create bench | grep -o 'um_[A-Za-z0-9_]*' | head -1)

# Keys re-read on every request: the path that waited out the pool for each read before.
UNDERMAP_KEY_RECHECK_S=0 UNDERMAP_AUDIT=false "$bin" --store "$url" serve --listen "$http" \
    >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do
    curl -sf "http://$http/readyz" >/dev/null && break
    sleep 1
done

run() {
    local label=$1 path=$2
    echo "== $label: GET $path"
    wrk -t2 -c8 -d10s --latency -H "Authorization: Bearer $key" "http://$http$path" \
        | grep -E 'Requests/sec|50%|90%|99%|Non-2xx'
    curl -s -o /dev/null -w "   one request: %{http_code} in %{time_total} s\n" \
        -H "Authorization: Bearer $key" "http://$http$path"
}
paths=("/v1/layers" "/v1/nearest?point=108.9877,28.4497&k=10" \
       "/ogc/collections/water/items?bbox=108.985,28.447,108.990,28.452&limit=100")

for p in "${paths[@]}"; do run "database up" "$p"; done
as_pg "$pg/pg_ctl" -w -D "$work/data" -m fast stop >/dev/null
for _ in $(seq 1 50); do
    curl -s "http://$http/readyz" | grep -q '"store_reachable":false' && break
    sleep 0.1
done
for p in "${paths[@]}"; do run "database stopped" "$p"; done
start_pg
for _ in $(seq 1 100); do
    curl -s "http://$http/readyz" | grep -q '"status":"ready"' && break
    sleep 0.1
done
curl -s "http://$http/readyz"; echo
