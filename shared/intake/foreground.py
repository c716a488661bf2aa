"""``python -m services.<name>``: one intake service in the foreground until SIGINT/SIGTERM, with its exit code."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from shared.intake.serve import IntakeUnusable
from shared.logging import configure
from shared.redis_client import redacted
from shared.service_config import IntakeConfig
from shared.settings import SettingsError

C = TypeVar("C", bound=IntakeConfig)

Serve = Callable[[C, asyncio.Event], Coroutine[Any, Any, None]]


async def _until_signalled(serve: Serve[C], config: C) -> None:
    """Serve until SIGINT or SIGTERM (both stop it cleanly: batches finish, connections close)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await serve(config, stop)


def run(name: str, from_env: Callable[[], C | None], serve: Serve[C]) -> int:
    """Run until stopped; exit 2 when settings are unusable or Redis cannot be reached or used."""
    configure(name)
    try:
        config = from_env()
    except SettingsError as err:
        print(f"{name}: {err}", file=sys.stderr)
        return 2
    if config is None:
        print(
            f"{name}: no Redis to connect to. Set LIAISON_REDIS_URL (redis://, rediss:// or unix://), "
            "or start `liaison up`, which runs an embedded Redis under ./var",
            file=sys.stderr,
        )
        return 2
    try:
        asyncio.run(_until_signalled(serve, config))
    except (RedisConnectionError, OSError) as err:
        print(f"{name}: cannot reach Redis at {redacted(config.redis_url)}: {err}", file=sys.stderr)
        return 2
    except IntakeUnusable as err:
        print(f"{name}: stopped: {err}", file=sys.stderr)
        return 2
    except RedisError as err:
        print(f"{name}: stopped: Redis at {redacted(config.redis_url)} refused: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0
