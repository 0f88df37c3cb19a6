#!/usr/bin/env bash
# Builds mediasoup-worker from the sources in the mediasoup npm package against
# Debian's libraries, without any download, and writes the binary to OUT_FILE.
# Usage: build-from-debian.sh MEDIASOUP_PACKAGE_DIR OUT_FILE
#
# Needs the packages of `scripts/setup/system-packages.sh build` (meson >= 1.1
# from bookworm-backports). Works on a copy so node_modules stays pristine.
# MEDIASOUP_WORKER_BUILD_JOBS (default 2) caps ninja's parallelism: the build
# machines are shared.
set -euo pipefail

pkg_dir="$1"
out="$2"
recipe="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jobs="${MEDIASOUP_WORKER_BUILD_JOBS:-2}"

fail() { echo "build-from-debian: $*" >&2; exit 1; }

for tool in meson ninja pkg-config flatc c++ patch; do
  command -v "$tool" >/dev/null || fail "$tool not found; run scripts/setup/system-packages.sh build"
done
meson_version="$(meson --version)"
[ "$(printf '%s\n1.1.0\n' "$meson_version" | sort -V | head -1)" = 1.1.0 ] \
  || fail "meson $meson_version is too old (need >= 1.1, bookworm-backports); run scripts/setup/system-packages.sh build"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/mediasoup-worker-build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
src="$tmp/worker"

# out/ and downloaded subprojects from an earlier in-place build would leak
# into this one; copy only what the package ships.
mkdir -p "$src"
(cd "$pkg_dir/worker" && tar --exclude=./out --exclude=./subprojects --exclude=./prebuild -cf - .) | tar -xf - -C "$src"
mkdir -p "$src/subprojects"
cp "$pkg_dir"/worker/subprojects/*.wrap "$src/subprojects/"
cp -r "$pkg_dir/worker/subprojects/packagefiles" "$src/subprojects/" 2>/dev/null || true

# With --wrap-mode=nodownload meson uses whatever stands in the directory a
# wrap names, so each shim goes exactly there.
for shim in "$recipe"/subprojects/*/; do
  name="$(basename "$shim")"
  wrap="$src/subprojects/$name.wrap"
  [ -f "$wrap" ] || fail "mediasoup no longer has subprojects/$name.wrap; the recipe needs updating"
  dir="$(sed -n 's/^directory *= *//p' "$wrap" | tr -d '[:space:]')"
  [ -n "$dir" ] || fail "no directory in $name.wrap"
  cp -r "$shim" "$src/subprojects/$dir"
done

for p in "$recipe"/patches/*.patch; do
  patch -d "$src" -p1 --forward --batch --quiet <"$p" || fail "patch $(basename "$p") does not apply to mediasoup $(node -p "require('$pkg_dir/package.json').version" 2>/dev/null)"
done

cd "$src"
nice meson setup --wrap-mode=nodownload --buildtype release -Db_ndebug=true out/Release/build >&2
nice ninja -j "$jobs" -C out/Release/build mediasoup-worker >&2

bin="out/Release/build/mediasoup-worker"
set +e
env -i "./$bin" </dev/null >/dev/null 2>&1
rc=$?
set -e
[ "$rc" = 41 ] || fail "the built worker does not start (exit $rc)"

cp "$bin" "$out"
echo "build-from-debian: ok" >&2
