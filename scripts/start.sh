#!/usr/bin/env bash
# One command from a fresh clone to the running product on http://localhost:3000
# (embedded SQLite database in ./data, demo accounts seeded: see README).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
export NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
# The server's build (scripts/build-server.mjs, made by setup): no TypeScript compiled at each
# start; its source map keeps the TypeScript files' lines in a logged stack.
exec node --enable-source-maps .server-build/main.mjs
