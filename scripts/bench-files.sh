#!/usr/bin/env bash
# Throughput of one large project file through the HTTP API, both ways, and the server's memory:
# uploads a SIZE_MIB file (default 500 MiB of random bytes) to a demo project with curl, downloads
# it back, checks the SHA-256, and reads the server's peak resident memory (VmHWM) before and
# after; then fetches the project's whole hand-over as one ZIP (GET …/bundle.zip, streamed as
# written) and checks every entry's CRC with Python's zipfile. Uses the release binary (cargo build --release -p undermap) on a fresh GeoPackage store
# in a temporary folder, so the file store is a local folder on the same disk.
#   scripts/bench-files.sh            # 500 MiB
#   SIZE_MIB=2000 scripts/bench-files.sh
set -euo pipefail
size_mib=${SIZE_MIB:-500}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$root/target/release/undermap}
[ -x "$bin" ] || { echo "build it first: cargo build --release -p undermap" >&2; exit 1; }
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
port=$((20000 + RANDOM % 20000))
RUST_LOG=warn "$bin" --store "$work/bench.gpkg" serve --demo --listen "127.0.0.1:$port" >serve.log 2>&1 &
pid=$!
for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.2
done
# shellcheck disable=SC1091
source undermap-demo-keys.env
key=$UNDERMAP_DEMO_ARCHIVIST_KEY
project=2026-500241-48-01-000103
hwm() { awk '/VmHWM/ {print $2}' "/proc/$pid/status"; }
{ printf '%%PDF-1.7\n'; head -c $((size_mib * 1024 * 1024)) /dev/urandom; } >big.pdf
sum=$(sha256sum big.pdf | cut -d' ' -f1)
bytes=$(stat -c %s big.pdf)
before=$(hwm)
up=$(curl -fsS -o up.json -w '%{time_total}' -H "Authorization: Bearer $key" \
    -F category=as_built_drawings -F title=bench -F "sha256=$sum" -F file=@big.pdf \
    "http://127.0.0.1:$port/v1/projects/$project/files")
after_up=$(hwm)
down=$(curl -fsS -o back.pdf -w '%{time_total}' -H "Authorization: Bearer $key" \
    "http://127.0.0.1:$port/v1/files/$sum")
after_down=$(hwm)
[ "$(sha256sum back.pdf | cut -d' ' -f1)" = "$sum" ] || { echo "the download differs" >&2; exit 1; }
zip=$(curl -fsS -o bundle.zip -w '%{time_total}' -H "Authorization: Bearer $key" \
    "http://127.0.0.1:$port/v1/projects/$project/bundle.zip")
after_zip=$(hwm)
zip_bytes=$(stat -c %s bundle.zip)
python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); bad = z.testzip(); sys.exit(f"bad entry {bad}" if bad else 0)' bundle.zip
awk -v b="$bytes" -v u="$up" -v d="$down" -v h0="$before" -v h1="$after_up" -v h2="$after_down" \
    -v z="$zip" -v zb="$zip_bytes" -v h3="$after_zip" 'BEGIN {
    mib = b / 1048576
    printf "file: %.0f MiB\n", mib
    printf "upload:   %.2f s, %.0f MiB/s\n", u, mib / u
    printf "download: %.2f s, %.0f MiB/s\n", d, mib / d
    printf "server peak RSS: %.0f MiB before, %.0f MiB after the upload, %.0f MiB after the download\n", h0 / 1024, h1 / 1024, h2 / 1024
    printf "bundle:   %.0f MiB ZIP in %.2f s, %.0f MiB/s; peak RSS after it %.0f MiB\n", zb / 1048576, z, zb / 1048576 / z, h3 / 1024
}'
