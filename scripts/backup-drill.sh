#!/usr/bin/env bash
# The restore drill, timed: a PostgreSQL cluster of its own (WAL archiving needs a restart), the
# generated county or city loaded into it, a full pgBackRest backup, a delivery, an incremental
# backup, a restore of the latest state and one to the moment between (point in time), each
# restored cluster started and checked; then the same data set in a GeoPackage, backed up online
# and restored. The figures in docs/operations.md come from this script.
#
#   [FILES=256] scripts/backup-drill.sh [county|city] [path/to/undermap]   (default: county, target/release/undermap)
#
# Needs PostgreSQL 15 with PostGIS and pgBackRest (scripts/setup.sh), about 3x the data set's size
# of disk, and root or the postgres user. Leaves nothing running; the lab folder is removed.
set -euo pipefail
scale=${1:-county}
um=$(realpath "${2:-target/release/undermap}")
bin=/usr/lib/postgresql/15/bin
lab=$(mktemp -d /tmp/undermap-drill.XXXXXX)
as=()
[ "$(id -u)" -eq 0 ] && as=(runuser -u postgres --) && chown postgres: "$lab"
port=$((20000 + RANDOM % 20000))
cleanup() {
    for d in "$lab"/pg "$lab"/latest "$lab"/then; do
        [ -f "$d/postmaster.pid" ] && "${as[@]}" "$bin/pg_ctl" -D "$d" -m immediate stop >/dev/null 2>&1 || true
    done
    rm -rf "$lab"
}
trap cleanup EXIT
t() { local s=$(date +%s.%N); "$@"; printf '%s: %.1f s\n' "$*" "$(echo "$(date +%s.%N) - $s" | bc)" | sed "s|$lab|LAB|g; s|$um|undermap|" >&2; }
cd "$lab"
export RUST_LOG=error

"${as[@]}" "$bin/initdb" -D pg -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
cat >> pg/postgresql.auto.conf <<CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$lab'
shared_buffers = '1GB'
max_wal_size = '8GB'
CONF
"${as[@]}" "$bin/pg_ctl" -D pg -l pg.log -w start >/dev/null
url="postgres://postgres@127.0.0.1:$port/undermap"

t "$um" demo-data --seed 42 --scale "$scale" --out "$url" >/dev/null
# The archive's files: FILES files of 4 MiB of random bytes (default 256: 1 GiB) in the file store
# the settings give a PostGIS store (undermap-files/ in the working folder), by their SHA-256.
for _ in $(seq 1 "${FILES:-256}"); do
    head -c 4194304 /dev/urandom > f
    h=$(sha256sum f | cut -c1-64)
    mkdir -p "undermap-files/sha256/${h:0:2}/${h:2:2}"
    mv f "undermap-files/sha256/${h:0:2}/${h:2:2}/$h"
done
"$um" --store "$url" backup --init --to "$lab/backups" >/dev/null
"${as[@]}" "$bin/pg_ctl" -D pg -l pg.log -w restart >/dev/null
t "$um" --store "$url" backup --to backups --type full
echo "database: $(psql -h 127.0.0.1 -p "$port" -U postgres -d undermap -Atc "select pg_size_pretty(pg_database_size('undermap'))"), repository: $(du -sh backups/repo | cut -f1)" >&2
sleep 1.1
cat > valve.geojson <<'JSON'
{"type":"FeatureCollection","features":[{"type":"Feature","id":"DRILL-A","properties":{"kind":"valve","status":"in_service"},"geometry":{"type":"Point","coordinates":[108.9877,28.4497]}}]}
JSON
"$um" --store "$url" ingest --department water valve.geojson >/dev/null
between=$(psql -h 127.0.0.1 -p "$port" -U postgres -d undermap -Atc "select to_char(now() at time zone 'utc', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
sleep 1.1
sed -i 's/DRILL-A/DRILL-B/' valve.geojson
"$um" --store "$url" ingest --department water valve.geojson >/dev/null
t "$um" --store "$url" backup --to backups --type incr

p2=$((port + 1)); p3=$((port + 2))
t "$um" --store "postgres://postgres@127.0.0.1:$p2/undermap" restore --from backups --pg-data "$lab/latest" --files-to files-latest
t "$um" --store "postgres://postgres@127.0.0.1:$p3/undermap" restore --from backups --pg-data "$lab/then" --target-time "$between" --files-to files-then
for p in $port $p2 $p3; do
    echo "port $p: $(psql -h 127.0.0.1 -p "$p" -U postgres -d undermap -Atc "select count(*) || ' feature versions, drill: ' || coalesce(string_agg(feature_id, ',' order by feature_id) filter (where feature_id like 'DRILL-%'), '-') from features")" >&2
done
t "$um" --store "postgres://postgres@127.0.0.1:$p2/undermap" audit verify >/dev/null

# The GeoPackage store: an online copy and a checked restore.
t "$um" demo-data --seed 42 --scale "$scale" --out "$lab/map.gpkg" >/dev/null
echo "GeoPackage: $(du -h map.gpkg | cut -f1)" >&2
t "$um" --store "$lab/map.gpkg" backup --to gpkg-backups
t "$um" --store "$lab/restored.gpkg" restore --from gpkg-backups
