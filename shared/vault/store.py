"""The personal-data vault (ADR 0016): each person's data encrypted under a key of their own.

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

Names are found in free text through ``shared.vault.names``: a keyed hash of each name's
tokens sits in the names index (``shared.vault.index``), so a summary that names a vault
subject can be refused without Redis holding the name; ``named_in`` checks a whole intake batch
in one round trip (or inside the intake's own batch round trip: ``query`` and ``answer``), the index
key cached in the process (checked against the index's ``key-id``); nothing is hashed while no name is
indexed (the lookup's ``longest`` says when one is).
"""

from __future__ import annotations

import asyncio
import base64
import os
import re
import secrets
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.events.handovers import SUBJECT_ID_PATTERN
from shared.store import keys, pipelined
from shared.vault import names as vault_names
from shared.vault.index import NameIndex, found, key_id, lookup_command

KEY_BYTES = 32
"""AES-256."""
ATTEMPTS = 3
"""Lookups of one batch before the names check gives up (each further one follows a change of the index)."""
NONCE_BYTES = 12
"""The AES-GCM nonce, random per encryption (a key encrypts a handful of records in its life)."""

_SUBJECT = re.compile(SUBJECT_ID_PATTERN)


OTHER_KEY = ("the names index holds names hashed under another index key than liaison:vault:index-key (the key was "
             "lost or restored apart from the index): restore the key from the backup that holds the index "
             "(docs/security.md)")
"""Why a person cannot be registered while the index and its key disagree (checkers refuse every report then)."""


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


@dataclass(slots=True)
class _Cached:
    """What a process remembers of the names index, per client (so a Vault per report costs no read)."""

    index_key: bytes | None = None
    longest: int = vault_names.MAX_NAME_TOKENS
    """The longest run worth hashing: the index's ``longest`` as last read (the most until read)."""


_cached: weakref.WeakKeyDictionary[Redis, _Cached] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class NamesQuery:
    """A names lookup made under one view of the index: its command and what ``Vault.answer`` needs to read it."""

    index_key: bytes
    longest: int
    tokenised: list[list[list[str]]] | None
    wanted: list[set[str]]
    """Per group, the keyed hashes of its runs."""
    hashes: list[str]
    command: pipelined.Command


class Vault:
    """Personal data by subject id, on one Redis (asyncio client)."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self.names = NameIndex(redis)
        self._cached = _cached.setdefault(redis, _Cached())

    async def index_key(self) -> bytes:
        """The vault-wide key of the names index (created once, shared by every process; cached per client)."""
        cached = self._cached.index_key
        return cached if cached is not None else await self._load_index_key()

    async def _load_index_key(self) -> bytes:
        await self.redis.set(keys.VAULT_INDEX_KEY, secrets.token_bytes(KEY_BYTES), nx=True)
        stored = await self.redis.get(keys.VAULT_INDEX_KEY)
        if stored is None:
            raise VaultError("the vault's index key vanished while it was being created; try again")
        self._cached.index_key = _raw(stored)
        return self._cached.index_key

    async def is_forgotten(self, subject_id: str) -> bool:
        """True if this subject was forgotten (their id is never given data again)."""
        return bool(await self.redis.sismember(keys.VAULT_FORGOTTEN, subject_id))

    async def put(self, subject_id: str, personal: dict[str, Any]) -> None:
        """Store (or replace) a person's data under their own key; VaultError if forgotten or a name is unindexable."""
        check_subject_id(subject_id)
        if not isinstance(personal, dict):
            raise VaultError("personal data: must be a JSON object")
        try:
            names = vault_names.names_of(personal)  # before anything is stored: a name it cannot index is refused
        except vault_names.UnindexableName as err:
            raise VaultError(f"personal data: {err}") from None
        if await self.is_forgotten(subject_id):
            raise VaultError(f"subject {subject_id} was forgotten; issue a new subject id")
        # Indexed before the data is stored: if indexing is refused nothing is stored, and a failure after it
        # leaves names indexed without data (reports naming them refused), never data with unindexed names.
        index_key = await self._load_index_key()  # not the cached one: a flushed index gets a new key
        longest = max((len(name.split(" ")) for name in names), default=0)
        try:
            await self.names.replace(subject_id, index_key, sorted(vault_names.digests(index_key, names)), longest)
        except ResponseError as err:
            if "LIAISON_OTHER_KEY" not in str(err):
                raise
            raise VaultError("nothing was stored: " + OTHER_KEY) from None
        await self.redis.set(keys.vault_key(subject_id), AESGCM.generate_key(bit_length=256), nx=True)
        key = await self.redis.get(keys.vault_key(subject_id))
        if key is None:
            raise VaultError(f"subject {subject_id} was forgotten while their data was being stored")
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(_raw(key)).encrypt(nonce, msgspec.json.encode(personal), subject_id.encode())
        await self.redis.set(keys.vault_data(subject_id), nonce + sealed)
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
        await self.names.remove(subject_id)

    async def mentions(self, *texts: str) -> list[str]:
        """Subject ids whose name (or alias) appears in any of the texts, sorted; [] if none."""
        return (await self.named_in_each([texts]))[0]

    async def named_in(self, reports: Sequence[Any]) -> list[list[str]]:
        """For each report (a msgspec struct or decoded JSON), the subject ids its free texts name; one lookup."""
        return await self.named_in_each([vault_names.texts_of(report) for report in reports])

    async def named_in_each(self, groups: Sequence[Sequence[str]]) -> list[list[str]]:
        """For each group of texts, the subject ids named in any of them, sorted; one lookup for all groups.

        A second lookup only when the cached index key is stale (Redis was emptied) or a longer
        name than any seen so far was indexed since the last check.
        """
        query = await self.query(groups)
        for attempt in range(ATTEMPTS):
            [reply] = await pipelined.checked(self.redis, [query.command])
            named = self.answer(query, reply)
            if named is not None:
                return named
            if attempt < ATTEMPTS - 1:
                query = await self.query(groups, query)
        if self._cached.index_key is None:  # the last answer found the index made under another key
            raise VaultError("no text can be checked for names: " + OTHER_KEY)
        raise VaultError("the names index kept changing while a report was checked; try again")

    async def query(self, groups: Sequence[Sequence[str]], last: NamesQuery | None = None) -> NamesQuery:
        """The lookup that checks these groups of texts under what this process knows of the index.

        Every run of every text up to the longest name indexed is hashed; nothing while no name is
        indexed. Its command may go in another round trip (the intake's batch lookup, ADR 0026);
        ``answer`` reads the reply. ``last``: a query of the same groups, whose tokens are reused.
        """
        index_key, longest = await self.index_key(), self._cached.longest
        tokenised = last.tokenised if last is not None else None
        wanted: list[set[str]] = [set() for _ in groups]
        if longest >= vault_names.MIN_NAME_TOKENS:  # else no name is indexed (the reply says if one was since)
            if tokenised is None:
                tokenised = [[vault_names.tokens(t) for t in group] for group in groups]
            keyed = vault_names.hasher(index_key)
            for group, into in zip(tokenised, wanted, strict=True):
                for found in group:
                    vault_names.run_digests(keyed, found, longest, into)
        hashes = sorted(set().union(*wanted))
        return NamesQuery(index_key, longest, tokenised, wanted, hashes, lookup_command(hashes))

    def answer(self, query: NamesQuery, reply: Sequence[bytes | None]) -> list[list[str]] | None:
        """For each group of the query, the subject ids named; None if the query was stale (make a new one).

        Stale means the reply, read atomically, contradicts what the query assumed: the index was made
        under another key, or holds a name longer than the runs hashed (an empty index: any name).
        """
        result = found(query.hashes, reply)
        self._cached.longest = result.longest
        if result.key_id is not None and result.key_id != key_id(query.index_key):
            self._cached.index_key = None  # made with another key (Redis was emptied): read the key again
            return None
        if result.longest > query.longest:
            return None  # a longer name was indexed: hash longer runs
        hits = result.bearers
        return [sorted({s for h in hashes & hits.keys() for s in hits[h]}) for hashes in query.wanted]

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

