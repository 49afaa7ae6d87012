#!/usr/bin/env bash
# Builds the web front-end into ui/dist (which `herald ui` serves at /):
# `npm ci` in ui/ when node_modules is missing or package-lock.json changed,
# then `npm run build`. Needs Node 20.19 or newer (Vite).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
    || { echo "build-ui: node and npm are needed (Node 20.19 or newer, for Vite)" >&2; exit 1; }
node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' \
    || { echo "build-ui: Node $(node --version) is too old: Vite needs 20.19 or newer" >&2; exit 1; }

lock_sum="$(sha256sum ui/package-lock.json | cut -d' ' -f1)"
if [[ ! -d ui/node_modules || "$(cat ui/node_modules/.herald-lock-sha256 2>/dev/null)" != "$lock_sum" ]]; then
    echo "build-ui: npm ci (ui/)" >&2
    (cd ui && npm ci --no-audit --no-fund >&2)
    echo "$lock_sum" >ui/node_modules/.herald-lock-sha256
fi
echo "build-ui: npm run build (ui/dist)" >&2
(cd ui && npm run build >&2)
