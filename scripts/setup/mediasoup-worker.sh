#!/usr/bin/env bash
# Provides the mediasoup-worker binary for the installed mediasoup, unattended,
# and installs it where mediasoup looks by default
# (node_modules/mediasoup/worker/out/Release/mediasoup-worker), so runtime code
# needs no MEDIASOUP_WORKER_BIN. Prints that path on stdout; logs go to stderr.
#
# Why not mediasoup's postinstall: it needs GitHub and PyPI, npm 11 may not run
# it at all (allowScripts), and `npm ci` wipes its result. So the binary lives
# in a cache outside the repo, keyed by mediasoup version + this recipe's hash:
#   ${CLAIMS_SURVEY_CACHE:-$HOME/.cache/claims-survey}/mediasoup-worker/<version>-<hash12>/
# and is chosen, in order, from:
#   1. that cache, if the binary there runs;
#   2. MEDIASOUP_WORKER_BIN, if set to an existing file;
#   3. mediasoup's official prebuilt (needs internet; fails fast offline);
#   4. a build from the package's sources against Debian libraries.
# Options: --rebuild    ignore the cache entry and replace it
#          --from-source  skip the prebuilt download (also
#                         MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD=1, as mediasoup)
#          --no-check   skip the final check-mediasoup-worker.mjs run
# See docs/MEDIASOUP_WORKER.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
recipe="$here/mediasoup-worker"
pkg_dir="$repo/node_modules/mediasoup"

rebuild="${MEDIASOUP_WORKER_REBUILD:-0}"
from_source="${MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD:+1}"
check=1
for arg in "$@"; do
  case "$arg" in
    --rebuild) rebuild=1 ;;
    --from-source) from_source=1 ;;
    --no-check) check=0 ;;
    *) echo "usage: $0 [--rebuild] [--from-source] [--no-check]" >&2; exit 2 ;;
  esac
done

log() { echo "mediasoup-worker: $*" >&2; }

[ -f "$pkg_dir/package.json" ] || { log "mediasoup is not installed in $pkg_dir (run npm install first)"; exit 1; }
version="$(node -e 'console.log(JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).version)' "$pkg_dir/package.json")"

# Paths and contents of every recipe file, so renaming a shim changes the key too.
recipe_hash="$(cd "$here" && find mediasoup-worker.sh mediasoup-worker -type f -print0 \
  | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)"
cache_root="${CLAIMS_SURVEY_CACHE:-$HOME/.cache/claims-survey}/mediasoup-worker"
entry="$cache_root/$version-$recipe_hash"
cached="$entry/mediasoup-worker"
installed="$pkg_dir/worker/out/Release/mediasoup-worker"

# A worker run without MEDIASOUP_VERSION exits 41 right after loading: the
# cheapest proof that the binary and its shared libraries work on this host.
runs() {
  local rc=0
  [ -f "$1" ] && [ -x "$1" ] || return 1
  timeout 10 env -i "$1" </dev/null >/dev/null 2>&1 || rc=$?
  [ "$rc" = 41 ]
}

mkdir -p "$cache_root"
# Two setups at once (CI jobs, engineers) must not build twice or see half a file.
exec 9>"$cache_root/.lock"
if ! flock -n 9; then
  log "waiting for another setup holding $cache_root/.lock"
  flock 9
fi

source_bin=""
if [ "$rebuild" != 1 ] && runs "$cached"; then
  log "cached worker $version-$recipe_hash ($(cat "$entry/SOURCE" 2>/dev/null || echo unknown origin))"
  source_bin="$cached"
elif [ -n "${MEDIASOUP_WORKER_BIN:-}" ] && [ -f "$MEDIASOUP_WORKER_BIN" ]; then
  runs "$MEDIASOUP_WORKER_BIN" || { log "MEDIASOUP_WORKER_BIN=$MEDIASOUP_WORKER_BIN does not run on this host"; exit 1; }
  log "using MEDIASOUP_WORKER_BIN=$MEDIASOUP_WORKER_BIN (not cached: it is not this recipe's output)"
  source_bin="$MEDIASOUP_WORKER_BIN"
else
  # Staged next to the cache (same filesystem, so the final mv is atomic) and
  # outside the entry, so a failed attempt leaves no half-made entry behind.
  staging="$(mktemp "$cache_root/.staging.XXXXXX")"
  trap 'rm -f "$staging"' EXIT
  origin=""
  if [ "$from_source" != 1 ] && "$recipe/fetch-prebuilt.sh" "$pkg_dir" "$staging"; then
    origin="official prebuilt for mediasoup $version"
  else
    log "building from source against Debian libraries (about 4 minutes on 2 cores)"
    started=$SECONDS
    "$recipe/build-from-debian.sh" "$pkg_dir" "$staging"
    log "built in $((SECONDS - started)) s"
    origin="built from mediasoup $version sources against Debian libraries, recipe $recipe_hash"
  fi
  chmod 0755 "$staging"
  mkdir -p "$entry"
  printf '%s\n' "$origin" >"$entry/SOURCE"
  mv -f "$staging" "$cached"
  trap - EXIT
  source_bin="$cached"
fi

if [ -n "${MEDIASOUP_WORKER_BIN:-}" ] && [ "$source_bin" != "$MEDIASOUP_WORKER_BIN" ]; then
  log "note: MEDIASOUP_WORKER_BIN is set, so mediasoup will run $MEDIASOUP_WORKER_BIN, not $installed"
fi

# A copy, not a symlink: node_modules then survives a cleared cache, and a
# container image can ship it without the cache.
if ! cmp -s "$source_bin" "$installed"; then
  mkdir -p "$(dirname "$installed")"
  cp "$source_bin" "$installed.tmp.$$"
  chmod 0755 "$installed.tmp.$$"
  mv -f "$installed.tmp.$$" "$installed"
fi
log "installed $installed"

if [ "$check" = 1 ]; then
  env -u MEDIASOUP_WORKER_BIN node "$here/check-mediasoup-worker.mjs" >&2
fi

echo "$installed"
