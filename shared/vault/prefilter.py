"""Which tokens can begin an indexed name: most runs of a text need not be hashed at all (pure, no I/O).

A text names a person only if one of its runs of tokens is a name, and such a run begins with
the name's first token. The names index keeps the keyed hash of every name's first token
(``shared.vault.index``), so a checker that holds those hashes hashes only the runs that begin
with one of them: one keyed hash per distinct token instead of one per run of every length up to
the longest name. ``scripts/names_cost.py`` measured, per report of the simulator's traffic, 89–104
→ 19–26 µs with 40 persons indexed, and 36–38 → 1.1 µs with none (ADR 0016). The
filter is only as good as the index it was read from: it carries the index's generation, and the
lookup that uses it answers with the generation it saw, in the same atomic call, so a filter that
was stale is noticed and the batch checked again (``Vault.named_in_each``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.vault import names as vault_names

TOKENS_KEPT = 50_000
"""Tokens whose answer a filter remembers (a few MB); past that it forgets them all and starts again."""


@dataclass(slots=True)
class FirstTokens:
    """The keyed hashes of indexed names' first tokens, at one generation of the index, under one index key."""

    index_key: bytes
    generation: int
    hashes: frozenset[str] | None
    """None: the index holds a subject indexed before first tokens were kept, so every run must be hashed."""
    _seen: dict[str, bool] = field(default_factory=dict)
    """Token -> whether it begins a name: each distinct token is hashed once per filter."""

    def starts(self, token: str) -> bool:
        """True if some indexed name begins with this token (a folded token of ``vault_names.tokens``)."""
        known = self._seen.get(token)
        if known is None:
            if len(self._seen) >= TOKENS_KEPT:
                self._seen.clear()
            known = self._seen[token] = self.hashes is None or vault_names.digest(self.index_key, token) in self.hashes
        return known
