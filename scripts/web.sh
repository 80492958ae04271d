#!/usr/bin/env bash
# Builds the web map (web/dist), which the Rust build embeds into the binary. MapLibre GL JS and
# the bundler come from the npm registry, pinned in web/package-lock.json; nothing is fetched at
# run time. Without npm the server still builds and `/` says the web map was not built.
set -euo pipefail
cd "$(dirname "$0")/../web"
if ! command -v npm >/dev/null 2>&1; then
    echo "web: npm not found; building undermap without the web map" >&2
    exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
