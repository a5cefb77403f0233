#!/usr/bin/env bash
# Build the web platform's front-end assets from the npm packages pinned in package-lock.json:
# htmx and GOV.UK Frontend's script are copied, the stylesheet is compiled with Sass. Nothing
# is fetched at run time and nothing comes from a CDN. Run by `make install`.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-symphonia/web/static}"
if ! command -v npm >/dev/null 2>&1; then
    echo "build-assets: npm is needed to build the web assets (Debian: apt-get install nodejs npm)" >&2
    exit 1
fi
# --ignore-scripts: no package needs an install script here (sass's optional file watcher
# would compile native code we never use).
npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
mkdir -p "$OUT"
cp node_modules/htmx.org/dist/htmx.min.js "$OUT/htmx.min.js"
cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js "$OUT/govuk-frontend.min.js"
cp assets/symphonia.js "$OUT/symphonia.js"
node_modules/.bin/sass --pkg-importer=node --style=compressed --no-source-map --quiet-deps \
    --silence-deprecation=import assets/symphonia.scss "$OUT/symphonia.css"
