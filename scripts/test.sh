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
# Two lanes side by side: the browser tests (tests/browser) one at a time, and
# the rest one at a time, with the impaired-network calls (tests/network, which
# drive Chromium too) in that second lane so the two lanes take about as long.
# A browser test spends most of its time waiting on the network and the page,
# so the other lane uses what it leaves; both lanes then also run on a busy
# machine, as the product must. TEST_LANES=1 runs everything in one lane.
reporter=(--test-reporter=spec)
run_lane() { node --import tsx --test --test-concurrency=1 "${reporter[@]}" "$@"; }
mapfile -t browser_files < <(find tests/browser -name '*.test.ts' | sort)
mapfile -t other_files < <(find tests -name '*.test.ts' -not -path '*/node_modules/*' -not -path 'tests/browser/*' | sort)
if [[ "${TEST_LANES:-2}" == "1" ]]; then
  run_lane "$@" "${browser_files[@]}" "${other_files[@]}"
  exit
fi
logs="$(mktemp -d)"
run_lane "$@" "${other_files[@]}" >"$logs/other.log" 2>&1 &
other_pid=$!
set +e
run_lane "$@" "${browser_files[@]}" 2>&1 | tee "$logs/browser.log"
browser_rc=${PIPESTATUS[0]}
wait "$other_pid"
other_rc=$?
set -e
echo "==> tests without a browser (ran alongside the browser lane)"
cat "$logs/other.log"
# Each lane's totals and its failures, last, where a reader of the log's tail looks.
for lane in browser other; do
  echo "==> summary of the $lane lane"
  grep -E '^ℹ (tests|pass|fail|cancelled|skipped|todo|duration_ms) ' "$logs/$lane.log" || true
  sed -n '/^✖ failing tests:/,$p' "$logs/$lane.log"
done
rm -rf "$logs"
[[ $browser_rc -eq 0 && $other_rc -eq 0 ]]
