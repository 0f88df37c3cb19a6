#!/usr/bin/env bash
# Keeps the native addons that npm would otherwise compile on every fresh clone
# in a cache outside the repo, in the form their installer reads itself.
#
# Why: better-sqlite3's install script is `prebuild-install || node-gyp rebuild`.
# With internet, prebuild-install downloads a prebuilt binary from GitHub; here
# (npm registry only) that fails and node-gyp compiles SQLite: about 80 s of one
# core, the longest step of `npm ci` and so of every fresh clone's setup.
# prebuild-install also reads a directory of "local prebuilds" (its documented
# --local-prebuilds option, or npm_config_<package>_local_prebuilds), and
# loads the binary it unpacks from there before accepting it. So:
#   scripts/setup/native-prebuilds.sh dir    prints the cache directory (setup.sh
#                                            exports it to npm ci)
#   scripts/setup/native-prebuilds.sh save   after npm ci: stores each addon's
#                                            binary there if it is not stored yet
# Cache: ${CLAIMS_SURVEY_CACHE:-$HOME/.cache/claims-survey}/prebuilds/, one
# tarball per package version, Node ABI, platform and architecture, named as
# prebuild-install names its downloads; a new version or Node misses it and
# is built (or downloaded) once more.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
cache="${CLAIMS_SURVEY_CACHE:-$HOME/.cache/claims-survey}/prebuilds"
packages=(better-sqlite3)

case "${1:-}" in
  dir) echo "$cache" ;;
  save)
    mkdir -p "$cache"
    for pkg in "${packages[@]}"; do
      dir="node_modules/$pkg"
      [ -f "$dir/package.json" ] || continue
      # The name prebuild-install itself looks for on this host, from its own
      # configuration and URL template (the package's copy of prebuild-install),
      # so the two cannot disagree on ABI, libc or architecture.
      name="$(node -e '
        const path = require("node:path");
        const pkgJson = path.join(process.argv[1], "package.json");
        const fromPkg = require("node:module").createRequire(pkgJson);
        const pkg = require(pkgJson);
        const opts = { ...fromPkg("prebuild-install/rc")(pkg), pkg };
        console.log(path.basename(fromPkg("prebuild-install/util").getDownloadUrl(opts)));
      ' "$PWD/$dir")"
      [ -f "$cache/$name" ] && continue
      binary="$(cd "$dir" && find build/Release -maxdepth 1 -name '*.node' ! -name 'test_*' | head -1)"
      [ -n "$binary" ] || { echo "native-prebuilds: $pkg has no built binary to keep" >&2; continue; }
      # Staged then renamed, so a second setup never reads half a tarball.
      tmp="$(mktemp "$cache/.staging.XXXXXX")"
      tar -czf "$tmp" -C "$dir" "$binary"
      chmod 0644 "$tmp"
      mv -f "$tmp" "$cache/$name"
      echo "native-prebuilds: kept $pkg's $binary as $cache/$name" >&2
    done
    ;;
  *) echo "usage: $0 dir|save" >&2; exit 2 ;;
esac
