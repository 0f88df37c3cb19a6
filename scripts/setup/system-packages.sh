#!/usr/bin/env bash
# Installs the Debian packages the product and its tests need. Idempotent: it
# only calls apt when something is missing, so a second run costs nothing.
# Why Debian packages and not npm downloads: the worker build, the test browser,
# ffmpeg and PostgreSQL must come from a registry that every machine reaches.
set -euo pipefail

need_root() { if [ "$(id -u)" != 0 ]; then echo "sudo"; fi; }
SUDO="$(need_root)"

# What the product uses when it runs comes from the one list that the start-up
# self-check also reads (scripts/setup/runtime-needs.json): a part the product
# needs can then never be installed only by the test path.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mapfile -t RUNTIME_PKGS < <(node -e '
  const needs = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).needs;
  console.log([...new Set(needs.flatMap((n) => n.debian ?? []))].join("\n"));' "$here/runtime-needs.json")
[ ${#RUNTIME_PKGS[@]} -gt 0 ] || { echo "system-packages: no packages read from $here/runtime-needs.json" >&2; exit 1; }
# Setup only: curl (and its CA certificates) fetches mediasoup's prebuilt worker.
# Not run-time needs: Node's TLS uses its own CA store.
SETUP_PKGS=(curl ca-certificates)
BUILD_PKGS=(g++ make pkg-config python3 ninja-build patch libuv1-dev libssl-dev libsrtp2-dev libabsl-dev flatbuffers-compiler libflatbuffers-dev)
# coturn: TURN server the network tests start (tests/support/turn-server.ts); nftables: loss, blackouts and blocked UDP in their network namespaces.
# openssl: the local RFC 3161 TSA the trusted-time tests run (`openssl ts`, tests/support/local-tsa.ts).
TEST_PKGS=(chromium postgresql poppler-utils coturn nftables openssl)

# `runtime-list` prints the run-time packages and stops (tests compare it with the code).
if [ "${1:-}" = runtime-list ]; then printf '%s\n' "${RUNTIME_PKGS[@]}"; exit 0; fi

want=("${RUNTIME_PKGS[@]}" "${SETUP_PKGS[@]}")
case "${1:-all}" in
  runtime) ;;
  build) want+=("${BUILD_PKGS[@]}") ;;
  all) want+=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}") ;;
esac
if [ "${SKIP_WORKER_BUILD_DEPS:-}" = 1 ]; then want=("${RUNTIME_PKGS[@]}" "${SETUP_PKGS[@]}" "${TEST_PKGS[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# meson >= 1.1 is needed by the mediasoup worker; bookworm ships 1.0.1.
meson_ok() { command -v meson >/dev/null && [ "$(printf '%s\n1.1.0\n' "$(meson --version)" | sort -V | head -1)" = 1.1.0 ]; }
need_meson=0
if [ "${1:-all}" != runtime ] && [ "${SKIP_WORKER_BUILD_DEPS:-}" != 1 ] && ! meson_ok; then need_meson=1; fi

# SYSTEM_PACKAGES_DRY_RUN=1: print what this mode ensures and change nothing (tests read it).
if [ "${SYSTEM_PACKAGES_DRY_RUN:-}" = 1 ]; then printf '%s\n' "${want[@]}"; exit 0; fi
if [ ${#missing[@]} -eq 0 ] && [ $need_meson = 0 ]; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
if [ $need_meson = 1 ] && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
  mirror="$(grep -rhs '^URIs:' /etc/apt/sources.list.d/debian.sources | head -1 | awk '{print $2}')"
  mirror="${mirror:-http://deb.debian.org/debian}"
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" \
    | $SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
fi
$SUDO apt-get update -qq || true
if [ ${#missing[@]} -gt 0 ]; then $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; fi
if [ $need_meson = 1 ]; then $SUDO apt-get install -y -qq -t bookworm-backports meson; fi
