#!/usr/bin/env bash
# Sets up a fresh clone, unattended, with or without internet beyond the npm
# registry and the OS package mirror: OS packages, npm dependencies, the
# mediasoup worker (cached outside the repo), Prisma clients, the page build,
# the server build and a local .env. Safe to run again: each step skips what is already done.
#   scripts/setup.sh          what running the product needs
#   scripts/setup.sh --test   plus what the test suite needs (Chromium, PostgreSQL, poppler)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mode=run; [ "${1:-}" = "--test" ] && mode=test
say() { echo "==> $*" >&2; }

say "OS packages"
if [ "$mode" = test ]; then bash scripts/setup/system-packages.sh all; else bash scripts/setup/system-packages.sh build; fi

# The product needs no Prisma Rust engine (Wasm query compiler, our migration
# runner); placeholders stop the CLI from downloading one.
placeholder="${TMPDIR:-/tmp}/claims-survey-prisma-engine-placeholder"
: > "$placeholder"
export PRISMA_SCHEMA_ENGINE_BINARY="$placeholder" PRISMA_QUERY_ENGINE_LIBRARY="$placeholder" PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1

stamp=node_modules/.claims-survey-lock.sha256
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  say "npm ci"
  # Older npm versions ignore allowScripts and would run mediasoup's own worker
  # download/build; a set MEDIASOUP_WORKER_BIN makes that postinstall a no-op.
  export MEDIASOUP_WORKER_BIN="${MEDIASOUP_WORKER_BIN:-/nonexistent/installed-by-scripts/setup/mediasoup-worker.sh}"
  # better-sqlite3 kept from an earlier setup on this machine, where prebuild-install
  # looks first (scripts/setup/native-prebuilds.sh: it is otherwise compiled each time).
  export npm_config_better_sqlite3_local_prebuilds="$(bash scripts/setup/native-prebuilds.sh dir)"
  # A registry mirror that lacks other platforms' optional binaries (Next's
  # macOS/Windows SWC builds) leaves them out of the lock, and `npm ci` then
  # refuses the lock; `npm install --no-save` installs the same locked versions.
  if ! npm ci --no-audit --no-fund --loglevel=error 2>/tmp/claims-survey-npm-ci.log; then
    grep -q "Missing: .* from lock file" /tmp/claims-survey-npm-ci.log || { cat /tmp/claims-survey-npm-ci.log >&2; exit 1; }
    echo "    npm ci refused the lock (optional binaries missing from this registry); npm install --no-save" >&2
    npm install --no-save --no-audit --no-fund --loglevel=error
  fi
  unset MEDIASOUP_WORKER_BIN npm_config_better_sqlite3_local_prebuilds
  bash scripts/setup/native-prebuilds.sh save
  echo "$lock_hash" > "$stamp"
fi

say "mediasoup worker"
bash scripts/setup/mediasoup-worker.sh >/dev/null

say "Prisma clients (SQLite and PostgreSQL)"
node --import tsx scripts/db/derive-postgres-schema.ts >/dev/null
npx --no-install prisma generate --schema prisma/schema.prisma >/dev/null
npx --no-install prisma generate --schema prisma/generated/postgresql/schema.prisma >/dev/null

if [ ! -f .env ]; then
  say "writing .env with a fresh API key for the claims-system REST API"
  printf '# Written by scripts/setup.sh; see README for every setting.\nCLAIMS_API_KEYS=%s\n' "$(node -e 'console.log(require("node:crypto").randomBytes(24).toString("base64url"))')" > .env
  chmod 600 .env
fi

say "page build"
NEXT_TELEMETRY_DISABLED=1 npx --no-install next build >/tmp/claims-survey-next-build.log 2>&1 || { cat /tmp/claims-survey-next-build.log >&2; exit 1; }
# The server as one JavaScript file (scripts/build-server.mjs): start.sh runs it with plain node.
say "server build"
node scripts/build-server.mjs --if-stale >/dev/null
say "setup done"
