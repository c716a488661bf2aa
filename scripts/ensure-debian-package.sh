#!/bin/sh
# Make sure a Debian package a test needs is installed; install it when we are root.
#   sh scripts/ensure-debian-package.sh PACKAGE PROOF PURPOSE
# PROOF: a command on PATH (e.g. `node`), or an absolute path (a file the package installs) that shows it is there.
# Never fatal here: without the package the test that needs it fails and says why.
set -eu
package=$1 proof=$2 purpose=$3
present() {
    case $proof in
        /*) [ -e "$proof" ] ;;
        *) command -v "$proof" >/dev/null 2>&1 ;;
    esac
}
if present; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "$package not found: installing Debian's $package package ($purpose)" >&2
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null; then
        present && exit 0
    fi
fi
echo "$package is not installed and cannot be installed from here: $purpose will fail." >&2
echo "Install it (Debian/Ubuntu: sudo apt-get install $package)." >&2
exit 0
