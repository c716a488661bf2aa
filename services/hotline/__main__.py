"""``python -m services.hotline``: run the hotline service in the foreground until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from services.hotline import config as config_module
from services.hotline.app import IntakeUnusable, serve
from services.hotline.config import HotlineConfig
from shared.logging import configure
from shared.settings import SettingsError

NO_REDIS = (
    "hotline: no Redis to connect to. Set LIAISON_REDIS_URL (redis://, rediss:// or unix://), "
    "or start `liaison up`, which runs an embedded Redis under ./var"
)


async def _run(config: HotlineConfig) -> None:
    """Serve until SIGINT or SIGTERM (both stop it cleanly: batches finish, connections close)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await serve(config, stop)


def main() -> int:
    """Run until stopped; exit 2 when settings are unusable or Redis cannot be reached or used."""
    configure("hotline")
    try:
        config = config_module.from_env()
    except SettingsError as err:
        print(f"hotline: {err}", file=sys.stderr)
        return 2
    if config is None:
        print(NO_REDIS, file=sys.stderr)
        return 2
    try:
        asyncio.run(_run(config))
    except (RedisConnectionError, OSError) as err:
        print(f"hotline: cannot reach Redis at {config.redis_url}: {err}", file=sys.stderr)
        return 2
    except IntakeUnusable as err:
        print(f"hotline: stopped: {err}", file=sys.stderr)
        return 2
    except RedisError as err:
        print(f"hotline: stopped: Redis at {config.redis_url} refused: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
