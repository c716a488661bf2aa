"""Finding a person's name in free text without keeping the name in clear (pure, no I/O).

Text and names are cut into the same tokens: a Latin-script word (case and Vietnamese
diacritics removed, so ``Nguyễn Thị Mai`` and ``NGUYEN THI MAI`` match) or a single CJK
character (Chinese names are written without spaces, inside sentences). A name is the run of
its tokens; a text mentions it if the run occurs in the text's tokens. Runs are compared by
a keyed hash (BLAKE2b under the vault's index key), so the index in Redis holds no name.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

NAME_FIELDS = ("name", "names", "aliases", "other_names")
"""Fields of a person's record whose strings (or lists or dicts of strings) are names to protect."""

MAX_NAME_TOKENS = 8
"""Longest name looked for, in tokens (a Chinese name of 2-4 characters, a Vietnamese one of 2-5 words)."""

MIN_NAME_CHARS = 2
"""A name shorter than this (after normalisation) is not indexed: it would match almost any text."""

_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_]+", re.UNICODE)


def _fold(text: str) -> str:
    """Lower case, without diacritics (``đ`` becomes ``d``), CJK characters kept as they are."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """The tokens of a text: folded Latin-script words and single CJK characters, in order."""
    return _TOKEN.findall(_fold(text))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def names_of(personal: dict[str, Any]) -> list[str]:
    """The names in a person's record (fields ``NAME_FIELDS``), as token runs joined by spaces, unique."""
    runs: dict[str, None] = {}
    for field in NAME_FIELDS:
        for name in _strings(personal.get(field)):
            found = tokens(name)
            run = " ".join(found)
            if found and len(found) <= MAX_NAME_TOKENS and len(run.replace(" ", "")) >= MIN_NAME_CHARS:
                runs[run] = None
    return list(runs)


def runs_in(text: str) -> set[str]:
    """Every run of 1 to MAX_NAME_TOKENS consecutive tokens of the text, joined by spaces."""
    found = tokens(text)
    return {" ".join(found[i : i + n]) for i in range(len(found)) for n in range(1, MAX_NAME_TOKENS + 1)
            if i + n <= len(found)}


def digest(index_key: bytes, run: str) -> str:
    """The keyed hash of a token run, as it is stored in the index (32 hex characters)."""
    return hashlib.blake2b(run.encode("utf-8"), key=index_key, digest_size=16).hexdigest()


def digests(index_key: bytes, runs: Iterable[str]) -> set[str]:
    """Keyed hashes of several runs."""
    return {digest(index_key, run) for run in runs}


def free_texts(value: Any) -> list[str]:
    """The free texts (``{original, vi, zh, en}`` objects) anywhere in a report or event, as plain strings.

    Takes the builtins form (``msgspec.to_builtins(report)``) or a decoded JSON report.
    """
    found: list[str] = []
    if isinstance(value, dict):
        if isinstance(value.get("original"), str):
            found.extend(v for k in ("vi", "zh", "en") if isinstance(v := value.get(k), str))
        for item in value.values():
            found.extend(free_texts(item))
    elif isinstance(value, list | tuple):
        for item in value:
            found.extend(free_texts(item))
    return found
