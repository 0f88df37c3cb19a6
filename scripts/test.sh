#!/usr/bin/env bash
# One command from a fresh clone to the whole test suite: setup (with the test
# packages), a throwaway PostgreSQL for the database tests' second run, type
# checking (alongside the tests), then every tests/**/*.test.ts with node's test runner.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh --test
export NODE_ENV=test NEXT_TELEMETRY_DISABLED=1 CLAIMS_SURVEY_SKIP_ENV_FILE=1

echo "==> PostgreSQL for the database tests" >&2
TEST_POSTGRES_URL="$(bash scripts/db/postgres-test-server.sh start)"
export TEST_POSTGRES_URL
trap 'bash scripts/db/postgres-test-server.sh stop' EXIT

echo "==> type check, alongside the tests (setup and PostgreSQL took ${SECONDS} s)" >&2
# Alongside: on its own before the tests it kept one core busy and left the other
# idle for about a minute. Its result is printed, and counted, at the end.
logs="$(mktemp -d)"
npx --no-install tsc --noEmit -p tsconfig.json >"$logs/typecheck.log" 2>&1 &
typecheck_pid=$!

echo "==> tests (${SECONDS} s since the start)" >&2
# Two lanes side by side: the browser tests (tests/browser) one at a time, and
# the rest one at a time (but for the few files moved to even the lanes, below),
# with the impaired-network calls (tests/network, which
# drive Chromium too) in that second lane so the two lanes take about as long.
# A browser test spends most of its time waiting on the network and the page,
# so the other lane uses what it leaves; both lanes then also run on a busy
# machine, as the product must. TEST_LANES=1 runs everything in one lane.
# The machine is busy throughout (both cores), so the suite's length is the longer
# lane's: files outside tests/browser that also run in the browser lane keep the
# two about even (node's runner sorts a lane's files: they run in path order).
# Fresh clones of 3194c41 and c91714b: browser lane 1513 s and 1647 s, the other
# 1798 s and 1983 s, with tests/queue/queue-load.test.ts (its own router processes,
# no browser) about 146 s of the other; once the browser lane had ended, the other
# ran alone for 285 s and 336 s, the machine 30–100% idle (vmstat).
# survey-recorder and stop-drain (tests/recording, no browser) mostly wait for media
# to be recorded (about 125 s together, most of it sleeping): in path order they
# came last in the other lane, when the browser lane had ended and the machine was
# idle, so they now run at the end of the browser lane instead (fresh clone of
# ed7aae5: browser lane 1558 s, the other 1772 s, 214 s of it alone).
# A fresh clone of 14959bf (recording-layers.test.ts grown by a 27 s case): browser lane
# 1700 s, the other 1810 s; recording-layers (75 s there, no browser) moved across.
balance_files=(tests/queue/queue-load.test.ts tests/recording/recording-layers.test.ts tests/recording/stop-drain.test.ts tests/recording/survey-recorder.test.ts)
# Each lane also writes its files' times, slowest first (tests/support/file-times-reporter.mjs),
# printed with its summary: where the suite's length goes, set-up included.
run_lane() {
  local times="$1"; shift
  node --import tsx --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=./tests/support/file-times-reporter.mjs --test-reporter-destination="$times" "$@"
}
# Run alone once both lanes are done: tests whose subject is what the product
# does on a good link. With both lanes saturating the two cores, even loopback is
# no good link: in a fresh clone of 5e7d348 the phone in simulcast-adaptation
# measured 16–73% loss and 300–1700 ms RTT on loopback, so its uplink guard
# rightly sent the smallest layer only, for the whole 180 s the test waited (and
# a fresh clone of 8b8f72e failed the same way). Under a CPU hog alone it passes
# (load 7–8); behaviour on bad links is what tests/network and the network-*
# browser tests cover, with shaped links.
quiet_files=(tests/browser/simulcast-adaptation.test.ts)
mapfile -t browser_files < <(find tests/browser -name '*.test.ts' | sort | grep -vxF -f <(printf '%s\n' "${quiet_files[@]}"); printf '%s\n' "${balance_files[@]}")
mapfile -t other_files < <(find tests -name '*.test.ts' -not -path '*/node_modules/*' -not -path 'tests/browser/*' | sort | grep -vxF -f <(printf '%s\n' "${balance_files[@]}"))
# The type check's outcome, printed last; its exit code.
typecheck_result() {
  local rc=0
  wait "$typecheck_pid" || rc=$?
  echo "==> type check: $([[ $rc -eq 0 ]] && echo "no errors" || echo "FAILED")"
  grep -v '^npm warn' "$logs/typecheck.log" | head -n 60
  return $rc
}
if [[ "${TEST_LANES:-2}" == "1" ]]; then
  set +e
  run_lane "$logs/times.txt" "$@" "${browser_files[@]}" "${other_files[@]}" "${quiet_files[@]}"
  rc=$?
  typecheck_result; typecheck_rc=$?
  set -e
  cat "$logs/times.txt"
  rm -rf "$logs"
  [[ $rc -eq 0 && $typecheck_rc -eq 0 ]]
  exit
fi
run_lane "$logs/other-times.txt" "$@" "${other_files[@]}" >"$logs/other.log" 2>&1 &
other_pid=$!
set +e
run_lane "$logs/browser-times.txt" "$@" "${browser_files[@]}" 2>&1 | tee "$logs/browser.log"
browser_rc=${PIPESTATUS[0]}
wait "$other_pid"
other_rc=$?
echo "==> tests without a browser (ran alongside the browser lane)"
cat "$logs/other.log"
echo "==> tests run alone, on a machine the other lanes no longer load"
run_lane "$logs/quiet-times.txt" "$@" "${quiet_files[@]}" 2>&1 | tee "$logs/quiet.log"
quiet_rc=${PIPESTATUS[0]}
set -e
# What a failed browser test's pages and product said, in brief (the whole of it
# is further up in the log): where each page was, its call and the call's steps,
# what it showed; the product's warnings and errors. A failure seen only in CI is
# then explained by the log's tail.
failure_context() {
  awk '/^--- the pages when /{on=1; print; next} /^--- end of the pages ---/{on=0; next}
       on && /^(page [0-9]+ |  at |  call: |  call steps |  shows )/{print substr($0, 1, 700)}' "$1" | head -n 40
  awk '/^--- product log/{on=1; print; next} on && /^\{/ && /"level":(40|50|60)/{print substr($0, 1, 400)} on && !/^\{/{on=0}' "$1" | head -n 20
}
# Each lane's totals and its failures, last, where a reader of the log's tail looks.
for lane in browser other quiet; do
  echo "==> summary of the $lane lane"
  grep -E '^ℹ (tests|pass|fail|cancelled|skipped|todo|duration_ms) ' "$logs/$lane.log" || true
  head -n 16 "$logs/$lane-times.txt" 2>/dev/null || true
  failure_context "$logs/$lane.log"
  sed -n '/^✖ failing tests:/,$p' "$logs/$lane.log"
done
set +e
typecheck_result; typecheck_rc=$?
set -e
rm -rf "$logs"
echo "==> whole run: ${SECONDS} s"
[[ $browser_rc -eq 0 && $other_rc -eq 0 && $quiet_rc -eq 0 && $typecheck_rc -eq 0 ]]
