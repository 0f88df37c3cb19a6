#!/usr/bin/env bash
# One command from a fresh clone to the whole test suite: setup (with the test
# packages), a throwaway PostgreSQL for the database tests' second run, type
# checking, then every tests/**/*.test.ts with node's test runner.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh --test
export NODE_ENV=test NEXT_TELEMETRY_DISABLED=1 CLAIMS_SURVEY_SKIP_ENV_FILE=1

echo "==> PostgreSQL for the database tests" >&2
TEST_POSTGRES_URL="$(bash scripts/db/postgres-test-server.sh start)"
export TEST_POSTGRES_URL
trap 'bash scripts/db/postgres-test-server.sh stop' EXIT

echo "==> type check" >&2
npx --no-install tsc --noEmit -p tsconfig.json

echo "==> tests" >&2
mapfile -t files < <(find tests -name '*.test.ts' -not -path '*/node_modules/*' | sort)
# One file at a time: browser tests each start the product and Chromium, and
# the machine has two cores.
node --import tsx --test --test-concurrency=1 --test-reporter=spec "$@" "${files[@]}"
