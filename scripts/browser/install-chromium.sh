#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the browser suite (playwright-core drives
# it; no browser download from anywhere but the apt archive). Needs root, or sudo without a password.
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$CHROMIUM" != /usr/bin/chromium ]; then
  echo "CHROMIUM_PATH=$CHROMIUM is not an executable file" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "Chromium is missing and installing it needs root: run 'apt-get install -y chromium' as root, then try again." >&2
    exit 1
  fi
fi

echo "installing Debian's chromium with apt-get ..." >&2
export DEBIAN_FRONTEND=noninteractive
# Try without refreshing the package lists first: it is faster when they are recent enough.
if ! $SUDO apt-get install -y --no-install-recommends chromium >/dev/null; then
  $SUDO apt-get update >/dev/null
  $SUDO apt-get install -y --no-install-recommends chromium >/dev/null
fi
"$CHROMIUM" --version >&2 || true
