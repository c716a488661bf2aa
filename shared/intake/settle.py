"""How an intake service ends a batch: names withheld, dead letters logged, outcomes published, named entries gone.

The order matters: a dead letter (kept for ever) and its log line may quote a vault subject's name,
so both wait for the names check; the entries of reports refused for naming someone are deleted
only after their outcomes are written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from redis.asyncio import Redis

from shared.intake.batch_io import Finished
from shared.intake.dead_letters import log_fields, withhold_names
from shared.intake.names import drop_refused


async def settle(
    redis: Redis,
    intake: str,
    finished: Sequence[Finished],
    malformed: Sequence[Finished],
    publish: Callable[[Sequence[Finished]], Awaitable[None]],
    log: Any,
) -> None:
    """Finish the batch's completed entries (``malformed`` among them) in the order above."""
    await withhold_names(redis, finished)  # a dead letter is kept for ever: no vault subject's name
    for dead in malformed:  # logged only now: the reason may quote a name (e.g. as an enum value)
        log.warning("dead_letter", **log_fields(dead))
    await publish(finished)
    await drop_refused(redis, intake, finished)  # their entries hold a vault subject's name
