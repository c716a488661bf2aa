"""``python -m services.gateway``: the HTTP API in the foreground until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import sys

from services.gateway import config as config_module
from services.gateway.server import ListenError, serve
from shared.logging import configure
from shared.settings import SettingsError

EXIT_USAGE = 2
"""The contract's exit code for a usage or connection error."""

NO_REDIS = (
    "gateway: no Redis to connect to. Set LIAISON_REDIS_URL (redis://, rediss:// or unix://), "
    "or start `liaison up`, which runs an embedded Redis under ./var"
)


def main() -> int:
    """Run until stopped; exit 2 when settings are unusable or the address cannot be listened on."""
    try:
        config = config_module.from_env()
    except SettingsError as err:
        print(f"gateway: {err}", file=sys.stderr)
        return EXIT_USAGE
    if config is None:
        print(NO_REDIS, file=sys.stderr)
        return EXIT_USAGE
    configure("gateway")
    try:
        asyncio.run(serve(config))
    except ListenError as err:
        print(f"gateway: {err} (set LIAISON_HTTP=host:port to use another address)", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
