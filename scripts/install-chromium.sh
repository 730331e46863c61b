#!/bin/sh
# Install Debian's Chromium for the browser tests, only when it is missing.
#
# Idempotent and quiet: when /usr/bin/chromium exists this does nothing and prints nothing.
# It never downloads a browser build of its own (no `playwright install`): the tests drive
# Debian's package through Python playwright with executable_path="/usr/bin/chromium".
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-chromium.sh: $CHROMIUM is missing and this is not root; run:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends chromium" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-chromium.sh: installing Debian chromium (once)" >&2
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium >/dev/null

if [ ! -x "$CHROMIUM" ]; then
    echo "install-chromium.sh: apt-get finished but $CHROMIUM is still missing" >&2
    exit 1
fi
