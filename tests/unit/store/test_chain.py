"""The case chain: sha256 over the previous hash, a newline and the event's canonical bytes."""

from __future__ import annotations

import hashlib

from shared.store.chain import GENESIS, link


def test_link_is_the_documented_sha256() -> None:
    """link(prev, data) is sha256(prev + "\\n" + data) in hex, so an auditor can recompute it with any tool."""
    data = b'{"case_id":"c-1","case_version":1}'
    assert link(GENESIS, data) == hashlib.sha256(b"0" * 64 + b"\n" + data).hexdigest()
    assert len(link(GENESIS, data)) == 64
    assert GENESIS == "0" * 64


def test_any_change_changes_the_link() -> None:
    """One byte more or different in the event, or a different predecessor, gives a different hash."""
    data = b'{"case_id":"c-1","case_version":2}'
    base = link(GENESIS, data)
    assert link(GENESIS, data.replace(b"2", b"3")) != base
    assert link(GENESIS, data + b" ") != base
    assert link("1" + GENESIS[1:], data) != base
    # The separator keeps prev and data apart: moving a byte across the boundary changes the hash.
    assert link(GENESIS, b"a" + data) != link(GENESIS[:-1] + "a", data)


def test_a_chain_depends_on_every_earlier_event() -> None:
    """Changing the first event of a chain changes the head reached after three events."""
    events = [b"first", b"second", b"third"]
    head = GENESIS
    for data in events:
        head = link(head, data)
    altered = GENESIS
    for data in [b"First", *events[1:]]:
        altered = link(altered, data)
    assert altered != head
