"""The personal-data vault (decision 10): each person's data encrypted under a key of their own.

Events name persons only by a pseudonymous subject id (``SUBJ-`` + 12 random base32
characters, never derived from a name). Their personal data lives here, AES-GCM encrypted
under a random 256-bit key of their own, with the subject id as associated data (a ciphertext
moved to another subject does not decrypt). Key and ciphertext sit in separate Redis keys, so
deleting the key alone shreds the data for good — crypto-shredding — and ``forget`` deletes
both, removes the person's entries from the names index, and rewrites the append-only file so
the key's bytes leave the disk too.

In production the per-person keys belong in an HSM or a KMS (wrap/unwrap calls instead of a
GET); Redis holds them here so the project runs on one machine. Backups and replicas of Redis
keep a forgotten key until they are rotated: keep them short-lived, or keep the keys elsewhere.

Names are found in free text through ``shared.vault_names``: a keyed hash of each name's
tokens sits in a sorted set, so a summary that names a vault subject can be refused without
Redis holding the name.
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import secrets
import time
from typing import Any

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared import vault_names
from shared.events.handovers import SUBJECT_ID_PATTERN
from shared.redis_client import text
from shared.store import keys

KEY_BYTES = 32
"""AES-256."""
NONCE_BYTES = 12
"""The AES-GCM nonce, random per encryption (a key encrypts a handful of records in its life)."""

_SUBJECT = re.compile(SUBJECT_ID_PATTERN)


class VaultError(ValueError):
    """A vault operation that cannot be done; the message says why."""


def new_subject_id() -> str:
    """A fresh pseudonymous subject id: ``SUBJ-`` + 12 base32 characters of randomness (60 bits)."""
    return "SUBJ-" + base64.b32encode(secrets.token_bytes(10)).decode("ascii")[:12]


def check_subject_id(subject_id: str) -> str:
    """The id, if it has the shape of a subject id; VaultError otherwise."""
    if not _SUBJECT.match(subject_id):
        raise VaultError(f"subject id: {subject_id[:40]!r} is not of the form SUBJ- followed by 12 of A-Z, 2-7")
    return subject_id



def _raw(value: bytes | str) -> bytes:
    if isinstance(value, str):
        raise VaultError("the vault needs a Redis client that returns bytes (decode_responses=False)")
    return value


class Vault:
    """Personal data by subject id, on one Redis (asyncio client)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._index_key: bytes | None = None

    async def index_key(self) -> bytes:
        """The vault-wide key of the names index (created once, shared by every process)."""
        if self._index_key is None:
            await self.redis.set(keys.VAULT_INDEX_KEY, secrets.token_bytes(KEY_BYTES), nx=True)
            stored = await self.redis.get(keys.VAULT_INDEX_KEY)
            if stored is None:
                raise VaultError("the vault's index key vanished while it was being created; try again")
            self._index_key = _raw(stored)
        return self._index_key

    async def is_forgotten(self, subject_id: str) -> bool:
        """True if this subject was forgotten (their id is never given data again)."""
        return bool(await self.redis.sismember(keys.VAULT_FORGOTTEN, subject_id))

    async def put(self, subject_id: str, personal: dict[str, Any]) -> None:
        """Store (or replace) a person's data, encrypted under their own key; VaultError if forgotten."""
        check_subject_id(subject_id)
        if not isinstance(personal, dict):
            raise VaultError("personal data: must be a JSON object")
        if await self.is_forgotten(subject_id):
            raise VaultError(f"subject {subject_id} was forgotten; issue a new subject id")
        await self.redis.set(keys.vault_key(subject_id), AESGCM.generate_key(bit_length=256), nx=True)
        key = await self.redis.get(keys.vault_key(subject_id))
        if key is None:
            raise VaultError(f"subject {subject_id} was forgotten while their data was being stored")
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(_raw(key)).encrypt(nonce, msgspec.json.encode(personal), subject_id.encode())
        replacing = bool(await self.redis.exists(keys.vault_data(subject_id)))
        await self.redis.set(keys.vault_data(subject_id), nonce + sealed)
        index_key = await self.index_key()
        if replacing:  # the old names go (a scan of the index: only when data is replaced)
            await self._unindex(subject_id)
        members = {f"{d}|{subject_id}": 0 for d in vault_names.digests(index_key, vault_names.names_of(personal))}
        if members:
            await self.redis.zadd(keys.VAULT_NAMES, members)
        if await self.is_forgotten(subject_id):  # a forget that ran meanwhile wins
            await self._erase(subject_id)
            raise VaultError(f"subject {subject_id} was forgotten while their data was being stored")

    async def get(self, subject_id: str) -> dict[str, Any] | None:
        """The person's data, or None if there is none (never stored, or forgotten)."""
        check_subject_id(subject_id)
        key = await self.redis.get(keys.vault_key(subject_id))
        sealed = await self.redis.get(keys.vault_data(subject_id))
        if key is None or sealed is None:
            return None
        sealed = _raw(sealed)
        try:
            plain = AESGCM(_raw(key)).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], subject_id.encode())
        except InvalidTag:
            raise VaultError(f"subject {subject_id}: the stored data does not decrypt (altered or moved)") from None
        data: dict[str, Any] = msgspec.json.decode(plain)
        return data

    async def forget(self, subject_id: str) -> bool:
        """Shred a person's data: delete their key, then the ciphertext and their index entries.

        Returns True if the person had a key (False: unknown or already forgotten). The subject id
        is remembered as forgotten so it is never given data again; events keep it (they never
        held more than the id). Call ``purge_disk`` after, to rewrite the append-only file.
        """
        check_subject_id(subject_id)
        await self.redis.sadd(keys.VAULT_FORGOTTEN, subject_id)
        existed = bool(await self.redis.delete(keys.vault_key(subject_id)))
        await self._erase(subject_id)
        return existed

    async def _erase(self, subject_id: str) -> None:
        await self.redis.delete(keys.vault_key(subject_id))
        await self.redis.delete(keys.vault_data(subject_id))
        await self._unindex(subject_id)

    async def _unindex(self, subject_id: str) -> None:
        matching = self.redis.zscan_iter(keys.VAULT_NAMES, match=f"*|{subject_id}", count=1000)
        stale = [member async for member, _score in matching]
        if stale:
            await self.redis.zrem(keys.VAULT_NAMES, *stale)

    async def mentions(self, *texts: str) -> list[str]:
        """Subject ids whose name (or alias) appears in any of the texts, sorted; [] if none."""
        index_key = await self.index_key()
        wanted = sorted({d for text in texts for d in vault_names.digests(index_key, vault_names.runs_in(text))})
        if not wanted:
            return []
        pipe = self.redis.pipeline(transaction=False)
        for d in wanted:
            pipe.zrangebylex(keys.VAULT_NAMES, f"[{d}|", f"({d}}}")  # '}' sorts right after '|'
        found: set[str] = set()
        for members in await pipe.execute():
            found.update(text(m).partition("|")[2] for m in members)
        return sorted(found)

    async def mentions_in(self, report: Any) -> list[str]:
        """Subject ids named in any free text (``{original, vi, zh, en}``) of a report or event, sorted."""
        value = report if isinstance(report, dict | list) else msgspec.to_builtins(report)
        return await self.mentions(*vault_names.free_texts(value))

    async def purge_disk(self, timeout_s: float = 30.0) -> str:
        """Rewrite the append-only file so deleted keys leave the disk; says what was done.

        A rewrite already running may have captured the key before it was deleted, so this
        waits for it and starts a new one. Returns a short note (for the CLI) rather than
        raising when the server does not allow it (a managed Redis may rename the command).
        """
        deadline = time.monotonic() + timeout_s
        info: dict[str, Any] = await self.redis.info("persistence")
        if not int(info.get("aof_enabled", 0)):
            return "append-only file off: nothing to rewrite (remove RDB snapshots and backups that predate this)"
        while True:
            if not await self._rewriting():
                try:
                    await self.redis.bgrewriteaof()
                    break
                except ResponseError as err:
                    if "in progress" not in str(err):
                        return f"append-only file not rewritten: {err}"
            if time.monotonic() > deadline:
                return "append-only file rewrite still busy; run BGREWRITEAOF later"
            await asyncio.sleep(0.05)
        while await self._rewriting():
            if time.monotonic() > deadline:
                return "append-only file rewrite started, not finished yet"
            await asyncio.sleep(0.05)
        return "append-only file rewritten"

    async def _rewriting(self) -> bool:
        info: dict[str, Any] = await self.redis.info("persistence")
        return bool(int(info.get("aof_rewrite_in_progress", 0)) or int(info.get("aof_rewrite_scheduled", 0)))


async def mentioned_subjects(redis: Redis, report: Any) -> list[str]:
    """Vault subjects named in any free text of a report (a msgspec struct or decoded JSON), sorted.

    The incidents service calls this before ``decide`` and refuses a report that names one.
    """
    return await Vault(redis).mentions_in(report)
