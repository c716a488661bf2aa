"""Finding a person's name in free text without keeping the name in clear (pure, no I/O).

Text and names are cut into the same tokens: a Latin-script word (case and Vietnamese
diacritics removed, so ``Nguyễn Thị Mai`` and ``NGUYEN THI MAI`` match) or a single CJK
character (Chinese names are written without spaces, inside sentences). A name is the run of
its tokens; a text mentions it if the run occurs in the text's tokens. Runs are compared by
a keyed hash (BLAKE2b under the vault's index key, over each token followed by a unit
separator), so the index in Redis holds no name. Hashing token by token lets every run that
starts at one token share the hashing of its prefix: the check runs on the hotline's hot path.
A name has MIN_NAME_TOKENS to MAX_NAME_TOKENS tokens; ``names_of`` refuses any other name
rather than leave it out of the index.
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

MIN_NAME_TOKENS = 2
"""Shortest name indexed, in tokens: one Latin word (``Mai``, ``An``, ``Sơn``) or one Chinese character is an
ordinary word too (``ngày mai``, ``an ninh``, ``Lạng Sơn``) and would refuse reports that name no one."""

MAX_NAME_TOKENS = 16
"""Longest name indexed, in tokens (a transliterated name of 11 Chinese characters fits; a Vietnamese name has
2-6 words). Lookups hash every run up to the longest name indexed, so a longer one is refused, not indexed."""

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
"""CJK ideographs: Extension A, the unified block, compatibility ideographs, Extensions B to H."""

_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")
"""One CJK character, or a run of other letters and digits (folded ``Chở在104`` is ``cho``, ``在``, ``104``)."""

def _fold(text: str) -> str:
    """Lower case, without diacritics (``đ`` and ``ð`` become ``d``), CJK characters kept as they are."""
    # NFKD does not take đ apart, nor the ð often typed for it (Đ and Ð casefold to these)
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("đ", "d").replace("ð", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """The tokens of a text: folded Latin-script words and single CJK characters, in order."""
    return _TOKEN.findall(_fold(text))


def _strings(value: Any, at: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield at, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{at}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield from _strings(item, f"{at}[{i}]")


class UnindexableName(ValueError):
    """A name the index cannot protect (no tokens, too short, too long); the message names the field."""


def name_problem(name: str) -> str | None:
    """Why this name cannot be indexed, or None if it can."""
    count = len(tokens(name))
    if count == 0:
        return "a name must have letters or digits (this one has none the names check can match)"
    if count < MIN_NAME_TOKENS:
        return ("a name must have at least two words (or two Chinese characters): one alone is also an ordinary"
                " word and would refuse reports that name no one; give the full name")
    if count > MAX_NAME_TOKENS:
        return (f"a name must have at most {MAX_NAME_TOKENS} words or Chinese characters (this one has {count});"
                " give the name as it is written in reports")
    return None


def names_of(personal: dict[str, Any]) -> list[str]:
    """The names in a person's record (fields ``NAME_FIELDS``), as token runs joined by spaces, unique.

    UnindexableName if one cannot be indexed: a name is never left out of the index silently.
    """
    runs: dict[str, None] = {}
    for field in NAME_FIELDS:
        for at, name in _strings(personal.get(field), field):
            problem = name_problem(name)
            if problem is not None:
                raise UnindexableName(f"{at}: {problem}")
            runs[" ".join(tokens(name))] = None
    return list(runs)


def runs_in(text: str) -> set[str]:
    """Every run of the text's tokens that could be a name (MIN_NAME_TOKENS to MAX_NAME_TOKENS), joined by spaces."""
    found = tokens(text)
    return {" ".join(found[i : i + n]) for i in range(len(found)) for n in range(MIN_NAME_TOKENS, MAX_NAME_TOKENS + 1)
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
    """Add to ``into`` the keyed hash of every run of MIN_NAME_TOKENS to ``longest`` consecutive tokens of ``found``.

    ``keyed`` is a ``hasher``; ``digest`` of each run gives the same value, one run at a time.
    A one-token run is not hashed: ``names_of`` never indexes one.
    """
    encoded = [token.encode("utf-8") + _SEPARATOR for token in found]
    shortest = MIN_NAME_TOKENS - 1  # tokens hashed before a run is long enough to be a name
    for start in range(len(encoded) - shortest):
        run = keyed.copy()
        for token in encoded[start : start + shortest]:
            run.update(token)
        for token in encoded[start + shortest : start + longest]:
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
