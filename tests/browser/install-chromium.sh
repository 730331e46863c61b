#!/bin/sh
# Install Debian's Chromium for the browser tests (tests/browser), only when it is missing.
#
# Idempotent and quiet: when /usr/bin/chromium exists this does nothing and prints nothing;
# otherwise it prints one line, and apt's output only if apt fails. It never downloads a
# browser build of its own (no `playwright install`): the tests drive Debian's package
# through Python playwright with executable_path="/usr/bin/chromium".
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-chromium.sh: $CHROMIUM is missing and this is not root; run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends chromium" >&2
    exit 1
fi

echo "install-chromium.sh: installing Debian's chromium package" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
# Wait for a dpkg lock held by another apt run instead of failing at once.
lock="-o DPkg::Lock::Timeout=300"
# shellcheck disable=SC2086
if ! { apt-get $lock update -q && apt-get $lock install -y -q --no-install-recommends chromium; } \
    >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-chromium.sh: apt-get failed" >&2
    exit 1
fi

if [ ! -x "$CHROMIUM" ]; then
    cat "$log" >&2
    echo "install-chromium.sh: apt-get finished but $CHROMIUM is still missing" >&2
    exit 1
fi
