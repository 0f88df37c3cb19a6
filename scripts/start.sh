#!/usr/bin/env bash
# One command from a fresh clone to the running product on http://localhost:3000
# (embedded SQLite database in ./data, demo accounts seeded: see README).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
export NODE_ENV=production NEXT_TELEMETRY_DISABLED=1
exec node --import tsx server/main.ts
