"""Finding a person's name in free text without keeping the name in clear (pure, no I/O).

Text and names are cut into the same tokens: a Latin-script word (case and Vietnamese
diacritics removed, so ``Nguyễn Thị Mai`` and ``NGUYEN THI MAI`` match) or a single CJK
character (Chinese names are written without spaces, inside sentences). A name is the run of
its tokens; a text mentions it if the run occurs in the text's tokens. Runs are compared by
a keyed hash (BLAKE2b under the vault's index key, over each token followed by a unit
separator), so the index in Redis holds no name. Hashing token by token lets every run that
starts at one token share the hashing of its prefix: the check runs on the hotline's hot path.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec
import msgspec.inspect as mi

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


_SEPARATOR = b"\x1f"
"""Ends every token in the hashed bytes (tokens never contain it), so ``ab c`` and ``a bc`` differ."""


def hasher(index_key: bytes) -> Any:
    """A keyed BLAKE2b that has hashed nothing yet: copied for each run (cheaper than keying it again)."""
    return hashlib.blake2b(key=index_key, digest_size=16)


def digest(index_key: bytes, run: str) -> str:
    """The keyed hash of a token run (tokens joined by spaces), as it is stored in the index (32 hex characters)."""
    keyed = hasher(index_key)
    for token in run.split(" "):
        keyed.update(token.encode("utf-8") + _SEPARATOR)
    return str(keyed.hexdigest())


def digests(index_key: bytes, runs: Iterable[str]) -> set[str]:
    """Keyed hashes of several runs."""
    return {digest(index_key, run) for run in runs}


def run_digests(keyed: Any, found: list[str], longest: int, into: set[str]) -> None:
    """Add to ``into`` the keyed hash of every run of 1 to ``longest`` consecutive tokens of ``found``.

    ``keyed`` is a ``hasher``; ``digest`` of each run gives the same value, one run at a time.
    A one-token run shorter than MIN_NAME_CHARS is left out: ``names_of`` never indexes one.
    """
    if longest < 1:
        return
    encoded = [token.encode("utf-8") + _SEPARATOR for token in found]
    for start, first in enumerate(encoded):
        run = keyed.copy()
        run.update(first)
        if len(found[start]) >= MIN_NAME_CHARS:
            into.add(run.hexdigest())
        for token in encoded[start + 1 : start + longest]:
            run.update(token)  # the digest of each longer run, without hashing its prefix again
            into.add(run.hexdigest())


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


def texts_of(report: Any) -> list[str]:
    """``free_texts`` of a report or event given as a msgspec struct (read in place) or as builtins."""
    if not isinstance(report, msgspec.Struct):
        return free_texts(report if isinstance(report, dict | list | tuple) else msgspec.to_builtins(report))
    found: list[str] = []
    _struct_texts(report, found)
    return found


_CONTAINERS = (mi.StructType, mi.ListType, mi.TupleType, mi.VarTupleType, mi.SetType, mi.FrozenSetType,
               mi.DictType, mi.AnyType, mi.UnionType, mi.TypedDictType, mi.DataclassType, mi.NamedTupleType)
_fields_with_text: dict[type, tuple[str, ...]] = {}
"""Per struct class, the fields whose type can hold free text (a call's line or start time cannot)."""


def _may_hold_text(info: Any) -> bool:
    if isinstance(info, mi.UnionType):
        return any(_may_hold_text(member) for member in info.types)
    return isinstance(info, _CONTAINERS)


def _text_fields(cls: type) -> tuple[str, ...]:
    fields = _fields_with_text.get(cls)
    if fields is None:
        info = mi.type_info(cls)
        assert isinstance(info, mi.StructType)
        fields = _fields_with_text[cls] = tuple(f.name for f in info.fields if _may_hold_text(f.type))
    return fields


def _struct_texts(value: msgspec.Struct, found: list[str]) -> None:
    if isinstance(getattr(value, "original", None), str):  # a Text: {original, vi, zh, en}
        found.extend(v for k in ("vi", "zh", "en") if isinstance(v := getattr(value, k, None), str))
    for field in _text_fields(type(value)):
        item = getattr(value, field)
        if isinstance(item, msgspec.Struct):
            _struct_texts(item, found)
        elif isinstance(item, list | tuple):
            for element in item:
                if isinstance(element, msgspec.Struct):
                    _struct_texts(element, found)
                elif isinstance(element, dict | list | tuple):
                    found.extend(free_texts(element))
        elif isinstance(item, dict):
            found.extend(free_texts(item))
