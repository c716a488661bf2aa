#!/bin/sh
# Make sure a redis-server binary (7.0 or newer) is on PATH; install Debian's when we are root.
set -eu
if command -v redis-server >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "redis-server not found: installing Debian's redis-server package" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    # Debian's package starts a system service on 6379; Liaison starts its own servers, so leave it be.
    command -v redis-server >/dev/null 2>&1 && exit 0
fi
echo "redis-server is not installed and cannot be installed from here." >&2
echo "Install it (Debian/Ubuntu: sudo apt-get install redis-server) or set LIAISON_REDIS_URL to a running Redis 7." >&2
exit 1
