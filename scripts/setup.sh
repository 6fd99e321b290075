#!/usr/bin/env bash
# Fresh-machine setup: system packages, a bundle-ready nats-server in vendor/, then the exact npm
# dependency tree from package-lock.json. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq nats-server >/dev/null
  else
    echo "setup: nats-server is missing: install it with 'sudo apt-get install nats-server' (or set NATS_SERVER_BIN)" >&2
  fi
fi

# The end-to-end tests and the UI bench drive Debian's Chromium (playwright-core never downloads one).
if [ ! -x "${FLEET_CHROMIUM:-/usr/bin/chromium}" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: chromium is missing (the end-to-end tests need it): install it with 'sudo apt-get install chromium' (or set FLEET_CHROMIUM to one)" >&2
  fi
fi

# The app bundles its own nats-server (it links only glibc >= 2.34); the daemon prefers this copy.
if [ ! -x vendor/nats-server/nats-server ]; then
  tmp=$(mktemp -d)
  if (cd "$tmp" && apt-get download nats-server >/dev/null 2>&1) && dpkg -x "$tmp"/nats-server_*.deb "$tmp/x" 2>/dev/null; then
    mkdir -p vendor/nats-server
    cp "$tmp/x/usr/sbin/nats-server" vendor/nats-server/nats-server
  else
    echo "setup: could not fetch a standalone nats-server for vendor/ (the system one will be used)" >&2
  fi
  rm -rf "$tmp"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
