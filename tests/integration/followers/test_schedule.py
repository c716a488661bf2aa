"""The follower's retry schedule (pure, no Redis): backoff, waiting behind a case's poison, release on parking."""

from __future__ import annotations

import time

from shared.follow.pending import Schedule


def test_a_failed_entry_waits_twice_as_long_each_delivery_up_to_the_cap() -> None:
    """The wait before a retry doubles with each delivery and never exceeds max_wait_s."""
    schedule = Schedule(max_wait_s=0.3, first_wait_s=0.05)
    waits = []
    for deliveries in (1, 2, 3, 4, 5):
        start = time.monotonic()
        schedule.fail("1-0", None, deliveries)
        waits.append(round(schedule.next_due() - start, 2))
    assert waits == [0.05, 0.1, 0.2, 0.3, 0.3]
    assert schedule.counts("1-0")


def test_entries_of_a_case_wait_with_its_poison_and_go_when_it_is_parked() -> None:
    """A later entry of the poison's case is due with it, held while it waits, and due at once once it is parked."""
    schedule = Schedule(max_wait_s=10, first_wait_s=5)
    schedule.fail("1-0", "A", 1)
    schedule.wait("2-0", "A")
    assert schedule.due() == []
    assert schedule.holds("A", "3-0", handing={"3-0"})
    assert not schedule.holds("A", "3-0", handing={"1-0", "2-0", "3-0"}), "its elders are handed in the same batch"
    assert not schedule.holds("A", "0-5", handing={"0-5"}), "an earlier entry is not held by a later one"
    assert not schedule.holds("B", "3-0", handing={"3-0"})
    assert not schedule.counts("2-0"), "waiting is no delivery of its own"
    schedule.release("1-0")
    assert schedule.due() == ["2-0"]
    assert schedule.holds("A", "3-0", handing={"3-0"}), "a newer entry of the case still goes after 2-0"
    assert not schedule.holds("A", "3-0", handing={"2-0", "3-0"})


def test_resumed_entries_are_due_now_and_count_as_deliveries() -> None:
    """After the loop failed, every entry the consumer holds is due at once; those already waiting keep their turn."""
    schedule = Schedule(max_wait_s=10, first_wait_s=5)
    schedule.wait("1-0", None)
    schedule.resume(["1-0", "2-0", "10-0"])
    assert schedule.due() == ["2-0", "10-0"], "in log order, not text order"
    assert schedule.counts("2-0")
    assert not schedule.counts("1-0")
    schedule.forget(["2-0", "10-0", "1-0"])
    assert schedule.due() == []
