#!/usr/bin/env bash
# Installs what undermap needs on a fresh Debian machine.
#   scripts/setup.sh           build tools, PROJ, GDAL's ogrinfo and Chromium (tests), PostGIS, pgBackRest and
#                              HAProxy (the backup and cluster tests); starts PostgreSQL
#   scripts/setup.sh --build   only what building needs (PROJ, clang): the embedded demo needs no database
# Idempotent: a second run installs nothing and only checks that PostgreSQL is up.
set -euo pipefail

build_only=false
[ "${1:-}" = "--build" ] && build_only=true

packages=(libproj-dev proj-bin proj-data clang pkg-config)
# Tests also drive the web map in Debian's Chromium (with CJK fonts for the screenshots).
$build_only || packages+=(postgresql-15-postgis-3 gdal-bin openssl curl chromium fonts-noto-cjk pgbackrest haproxy)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "setup: installing ${missing[*]}"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi

$build_only && exit 0

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    echo "setup: starting PostgreSQL 15"
    pg_ctlcluster --skip-systemctl-redirect 15 main start || true
fi
for _ in $(seq 1 30); do
    pg_isready -h 127.0.0.1 -p 5432 -q && break
    sleep 1
done
pg_isready -h 127.0.0.1 -p 5432

# PostGIS in template1: every database created afterwards (one per test) has it already.
psql -h 127.0.0.1 -U postgres -d template1 -v ON_ERROR_STOP=1 -qc "CREATE EXTENSION IF NOT EXISTS postgis" 
echo "setup: PostgreSQL with PostGIS $(psql -h 127.0.0.1 -U postgres -d template1 -Atc 'SELECT postgis_lib_version()') is ready"
