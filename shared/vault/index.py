"""The vault's names index in Redis: one hash, answered for a whole intake batch in one round trip.

Fields (see ``keys.VAULT_NAME_INDEX``): a name's keyed hash -> the subject ids bearing it,
``f:`` + the keyed hash of a name's first token -> the same (``shared.vault.prefilter``), a
subject id -> every hash of theirs, ``key-id``, ``longest`` and ``gen``. It lives in one key so
that indexing and unindexing a person are each one atomic single-key script (a Redis Cluster
accepts it), and a reader learns in the same reply whether its cached index key is still the one
the hashes were made with, how long a run it must hash, and whether the first tokens it filtered
with are still the index's (``gen`` counts every change).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from redis.asyncio import Redis

from shared.redis_client import text
from shared.store import keys, pipelined
from shared.vault.prefilter import FirstTokens

KEY_ID = "key-id"
LONGEST = "longest"
GENERATION = "gen"

# Replaces a subject's entries: drops the subject from the hashes it had, adds it to the new ones, and counts
# the change in 'gen' (a checker's prefilter of first tokens is stale once it moved).
# ARGV: subject id, key id, longest name (tokens), then the new hashes (none: the subject is removed).
_REINDEX = """
local index, subject = KEYS[1], ARGV[1]
redis.call('HINCRBY', index, 'gen', 1)
local function drop(hash)
  local kept = {}
  for other in string.gmatch(redis.call('HGET', index, hash) or '', '%S+') do
    if other ~= subject then kept[#kept + 1] = other end
  end
  if #kept == 0 then redis.call('HDEL', index, hash) else redis.call('HSET', index, hash, table.concat(kept, ' ')) end
end
for hash in string.gmatch(redis.call('HGET', index, subject) or '', '%S+') do drop(hash) end
redis.call('HDEL', index, subject)
if #ARGV < 4 then return 0 end
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
    generation: int
    bearers: dict[str, list[str]]


FIRST = "f:"
"""Prefix of the fields that hold the keyed hash of a name's first token."""


def lookup_command(hashes: Sequence[str]) -> pipelined.Command:
    """The one command of a lookup, to send alone or in the intake's batch-wide round trip (``shared.intake``).

    A plain HMGET, atomic like any command: the key id, longest name and generation it answers
    are those the bearers were read under. With the prefilter a batch sends a handful of hashes.
    """
    return ("HMGET", keys.VAULT_NAME_INDEX, KEY_ID, LONGEST, GENERATION, *hashes)


def found(hashes: Sequence[str], reply: Sequence[bytes | None]) -> Found:
    """Read the reply to ``lookup_command(hashes)``."""
    key, longest, generation, *bearers = reply
    named = {h: text(b).split() for h, b in zip(hashes, bearers, strict=True) if b is not None}
    return Found(text(key) if key else None, int(longest or 0), int(generation or 0), named)


class NameIndex:
    """The names index of one Redis."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._reindex = redis.register_script(_REINDEX)

    async def lookup(self, hashes: Sequence[str]) -> Found:
        """Which of these keyed hashes name a subject, with the index's key id, longest name and generation."""
        [reply] = await pipelined.checked(self.redis, [lookup_command(hashes)])
        return found(hashes, reply)

    async def replace(
        self, subject_id: str, index_key: bytes, hashes: Sequence[str], firsts: Sequence[str], longest: int
    ) -> None:
        """Make these hashes (of names up to ``longest`` tokens, and of their first tokens) the subject's entries."""
        args: list[str | int] = [subject_id, key_id(index_key), longest, *hashes, *(FIRST + h for h in firsts)]
        await self._reindex(keys=[keys.VAULT_NAME_INDEX], args=args)

    async def first_tokens(self, index_key: bytes) -> FirstTokens | None:
        """The prefilter of names' first tokens, read in one command; None if the index was made under another key.

        Its ``hashes`` are None when the index holds a subject indexed before first tokens were
        kept (a filter without theirs would let their names through): then every run is hashed.
        """
        fields = {text(k): text(v) for k, v in (await self.redis.hgetall(keys.VAULT_NAME_INDEX)).items()}
        if fields.get(KEY_ID, key_id(index_key)) != key_id(index_key):
            return None
        subjects = [v for k, v in fields.items() if k.startswith("SUBJ-")]
        generation = int(fields.get(GENERATION, "0"))
        if any(not any(h.startswith(FIRST) for h in hashes.split()) for hashes in subjects):
            return FirstTokens(index_key, generation, None)
        firsts = frozenset(k.removeprefix(FIRST) for k in fields if k.startswith(FIRST))
        return FirstTokens(index_key, generation, firsts)

    async def remove(self, subject_id: str) -> None:
        """Remove every entry of the subject, atomically."""
        await self._reindex(keys=[keys.VAULT_NAME_INDEX], args=[subject_id, "", 0])
