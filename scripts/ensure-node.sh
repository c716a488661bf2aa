#!/bin/sh
# Make sure Node.js is installed for the outside verifier's test (scripts/verify-log.mjs, run by
# tests/e2e/test_outside_verifier.py); install Debian's nodejs package when we are root. Never fatal here:
# without node that test fails and says why (LIAISON_SKIP_NODE=1 skips it on purpose).
set -eu
if command -v node >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "node not found: installing Debian's nodejs package (for the outside log verifier's test)" >&2
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >/dev/null; then
        command -v node >/dev/null 2>&1 && exit 0
    fi
fi
echo "Node.js is not installed and cannot be installed from here: tests/e2e/test_outside_verifier.py will fail." >&2
echo "Install it (Debian/Ubuntu: sudo apt-get install nodejs), or set LIAISON_SKIP_NODE=1 to skip that test." >&2
exit 0
