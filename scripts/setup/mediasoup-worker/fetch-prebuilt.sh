#!/usr/bin/env bash
# Downloads mediasoup's official prebuilt worker into OUT_FILE.
# Usage: fetch-prebuilt.sh MEDIASOUP_PACKAGE_DIR OUT_FILE
#
# Mirrors downloadPrebuiltWorker() in mediasoup's npm-scripts.mjs: same URL
# (MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL or the GitHub release of the
# package's repository), same platform/arch/kernel-major naming, and the same
# acceptance test (the binary must exit 41 when run without MEDIASOUP_VERSION,
# which proves it loads on this libc). Fails within seconds when offline so
# the caller can build from source instead.
set -euo pipefail

pkg_dir="$1"
out="$2"

# Node computes the name so it matches what mediasoup itself would ask for
# (process.platform/arch spell x64, arm64, darwin... like os.platform/arch).
url="$(node -e '
  const fs = require("node:fs");
  const os = require("node:os");
  const pkg = JSON.parse(fs.readFileSync(process.argv[1] + "/package.json", "utf8"));
  const base = process.env.MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL ||
    pkg.repository.url.replace(/^git\+/, "").replace(/\.git$/, "") + "/releases/download";
  let name = `mediasoup-worker-${pkg.version}-${os.platform()}-${os.arch()}`;
  if (os.platform() === "linux") name += `-kernel${Number(os.release().split(".")[0])}`;
  console.log(`${base}/${pkg.version}/${name}.tgz`);
' "$pkg_dir")"

command -v curl >/dev/null || { echo "fetch-prebuilt: curl is not installed" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/mediasoup-worker-fetch.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

echo "fetch-prebuilt: $url" >&2
if ! curl -fsSL --connect-timeout "${MEDIASOUP_WORKER_FETCH_CONNECT_TIMEOUT:-5}" --max-time 300 \
    -o "$tmp/worker.tgz" "$url"; then
  echo "fetch-prebuilt: download failed" >&2
  exit 1
fi

# The archive holds the bare binary, no folder.
tar -xzf "$tmp/worker.tgz" -C "$tmp" mediasoup-worker
chmod 0755 "$tmp/mediasoup-worker"

set +e
env -i "$tmp/mediasoup-worker" </dev/null >/dev/null 2>&1
rc=$?
set -e
if [ "$rc" != 41 ]; then
  echo "fetch-prebuilt: the prebuilt worker does not run on this host (exit $rc)" >&2
  exit 1
fi

mv -f "$tmp/mediasoup-worker" "$out"
echo "fetch-prebuilt: ok" >&2
