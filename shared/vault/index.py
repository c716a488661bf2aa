"""The vault's names index in Redis: one hash, answered for a whole intake batch in one round trip.

Fields (see ``keys.VAULT_NAME_INDEX``): a name's keyed hash -> the subject ids bearing it, a
subject id -> the keyed hashes of their names, ``key-id`` and ``longest``. It lives in one key
so that indexing and unindexing a person are each one atomic single-key script (a Redis Cluster
accepts it), and a reader learns in the same reply (one ``HMGET``, which the intake sends inside its
batch lookup: ADR 0026) whether its cached index key is still the one the hashes were made with and
how long a run it must hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from shared.redis_client import text
from shared.store import keys, pipelined

KEY_ID = "key-id"
LONGEST = "longest"

# Replaces a subject's entries: drops the subject from the hashes it had, adds it to the new ones. Adding under
# another index key than the one the index's names were hashed with is refused: overwriting key-id would leave
# those names in the index where no checker can ever find them again (the key lost apart from the index).
# ARGV: subject id, key id, longest name (tokens), then the new hashes (none: the subject is removed).
_REINDEX = """
local index, subject = KEYS[1], ARGV[1]
if #ARGV >= 4 then
  local made = redis.call('HGET', index, 'key-id')
  if made and made ~= ARGV[2] and redis.call('HLEN', index) > 2 then
    return redis.error_reply('LIAISON_OTHER_KEY the names index holds names hashed under another index key')
  end
end
local function drop(hash)
  local kept = {}
  for other in string.gmatch(redis.call('HGET', index, hash) or '', '%S+') do
    if other ~= subject then kept[#kept + 1] = other end
  end
  if #kept == 0 then redis.call('HDEL', index, hash) else redis.call('HSET', index, hash, table.concat(kept, ' ')) end
end
for hash in string.gmatch(redis.call('HGET', index, subject) or '', '%S+') do drop(hash) end
redis.call('HDEL', index, subject)
if #ARGV < 4 then
  -- The last subject gone: drop the index (its key-id and longest alone would refuse every check and
  -- registration once the index key is lost, for names it no longer holds).
  if redis.call('HLEN', index) <= 2 then redis.call('HDEL', index, 'key-id', 'longest') end
  return 0
end
local mine = {}
for i = 4, #ARGV do
  local hash = ARGV[i]
  local bearers = redis.call('HGET', index, hash)
  redis.call('HSET', index, hash, bearers and (bearers .. ' ' .. subject) or subject)
  mine[#mine + 1] = hash
end
redis.call('HSET', index, subject, table.concat(mine, ' '), 'key-id', ARGV[2])
if tonumber(ARGV[3]) > tonumber(redis.call('HGET', index, 'longest') or '0') then
  redis.call('HSET', index, 'longest', ARGV[3])
end
return #mine
"""


def key_id(index_key: bytes) -> str:
    """A fingerprint of the index key (a hash of it: the key cannot be read back from it)."""
    return hashlib.blake2b(b"liaison vault index key id", key=index_key, digest_size=8).hexdigest()


@dataclass(frozen=True, slots=True)
class Found:
    """One lookup's answer: the key id and longest name the index holds, and the bearers of each hash found."""

    key_id: str | None
    longest: int
    bearers: dict[str, list[str]]


def lookup_command(hashes: Sequence[str]) -> pipelined.Command:
    """The one command of a lookup, to send alone or in the intake's batch lookup (``shared.intake``).

    A plain HMGET, atomic like any command: the key id and longest name it answers are those the
    bearers were read under. hiredis packs its arguments (``shared.store.pipelined``): the Lua
    script that read one concatenated argument, because redis-py packed each argument in Python,
    is no longer needed.
    """
    return ("HMGET", keys.VAULT_NAME_INDEX, KEY_ID, LONGEST, *hashes)


def found(hashes: Sequence[str], reply: Sequence[bytes | None]) -> Found:
    """Read the reply to ``lookup_command(hashes)``."""
    key, longest, *bearers = reply
    named = {h: text(b).split() for h, b in zip(hashes, bearers, strict=True) if b is not None}
    return Found(text(key) if key else None, int(longest or 0), named)


class NameIndex:
    """The names index of one Redis."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._reindex = redis.register_script(_REINDEX)

    async def replace(self, subject_id: str, index_key: bytes, hashes: Sequence[str], longest: int) -> None:
        """Make these hashes (of names up to ``longest`` tokens) the subject's entries, atomically.

        ResponseError ``LIAISON_OTHER_KEY`` if the index holds names hashed under another index key.
        """
        await self._reindex(keys=[keys.VAULT_NAME_INDEX], args=[subject_id, key_id(index_key), longest, *hashes])

    async def remove(self, subject_id: str) -> None:
        """Remove every entry of the subject, atomically."""
        await self._reindex(keys=[keys.VAULT_NAME_INDEX], args=[subject_id, "", 0])
