"""Forgets the consumers that earlier processes left in a group, so restarts do not pile them up.

Consumer names are ``<host>-<pid>`` (one per process), so every restart adds one to each group it
reads. A consumer is deleted only when it holds nothing (XGROUP DELCONSUMER would drop its pending
entries) and has been idle far longer than any live process ever is between reads. Both are
checked again inside one script that deletes, so a process that took the name again (the same
pid in a fresh container) and read an entry between the look and the delete keeps it.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.redis_client import text

IDLE_BEFORE_FORGOTTEN_MS = 60 * 60 * 1000
"""An hour without a read: a live process reads at least every few seconds (its block timeout)."""

_DELETE_IF_DEPARTED = """
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #pending > 0 then return 0 end
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local name, idle
  for i = 1, #consumer, 2 do
    if consumer[i] == 'name' then name = consumer[i + 1] elseif consumer[i] == 'idle' then idle = consumer[i + 1] end
  end
  if name == ARGV[2] then
    if idle <= tonumber(ARGV[3]) then return 0 end
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
    return 1
  end
end
return 0
"""
"""Deletes consumer ARGV[2] of group ARGV[1] on stream KEYS[1] only if it holds nothing and is idle over ARGV[3] ms."""


async def forget_departed(
    redis: Redis, stream: str, group: str, *, keep: str, idle_ms: int = IDLE_BEFORE_FORGOTTEN_MS
) -> list[str]:
    """Delete the group's consumers that hold no entries and have been idle over ``idle_ms``; their names."""
    try:
        consumers: Any = await redis.xinfo_consumers(stream, group)
    except ResponseError:
        return []  # no stream or no group yet: nothing to tidy
    candidates = [
        text(c["name"])
        for c in consumers
        if text(c["name"]) != keep and int(c["pending"]) == 0 and int(c["idle"]) > idle_ms
    ]
    departed = []
    for name in candidates:
        if await redis.eval(_DELETE_IF_DEPARTED, 1, stream, group, name, idle_ms):
            departed.append(name)
    return departed
