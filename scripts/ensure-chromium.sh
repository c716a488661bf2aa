#!/bin/sh
# Make sure Debian's chromium is installed for the board's browser test (tests/e2e/test_board.py);
# install it when we are root. Never fatal: without a browser that test is skipped and says why.
set -eu
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "chromium not found: installing Debian's chromium package (for the board's browser test)" >&2
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then
        command -v chromium >/dev/null 2>&1 && exit 0
    fi
fi
echo "chromium is not installed and cannot be installed from here: the board's browser test will be skipped." >&2
echo "Install it (Debian/Ubuntu: sudo apt-get install chromium) to run that test." >&2
exit 0
