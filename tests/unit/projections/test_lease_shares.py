"""How leased workers split the partitions (``shared.follow.leases.wanted``, given the members sorted by name, as
every worker sorts them): every partition to exactly one live worker, shares differing by one at most."""

from __future__ import annotations

import pytest

from shared.follow.leases import wanted


@pytest.mark.parametrize(("workers", "partitions"), [(1, 4), (2, 4), (3, 4), (4, 4), (5, 4), (3, 16), (7, 64)])
def test_every_partition_goes_to_exactly_one_worker_in_even_shares(workers: int, partitions: int) -> None:
    """Each partition is wanted by one worker only, and no worker wants two more than another."""
    members = sorted(f"host-{i}" for i in range(workers))
    shares = [wanted(members, m, range(partitions)) for m in members]
    assert sorted(p for share in shares for p in share) == list(range(partitions))
    assert max(map(len, shares)) - min(map(len, shares)) <= 1


def test_a_worker_not_among_the_members_wants_nothing() -> None:
    """A worker whose membership lapsed (it is not listed) takes no partition until it is listed again."""
    assert wanted(["a", "b"], "c", range(4)) == set()


def test_the_split_is_every_nth_partition_by_sorted_name() -> None:
    """With two members, the first by name takes the even partitions and the second the odd ones."""
    assert wanted(["a", "b"], "a", range(4)) == {0, 2}
    assert wanted(["a", "b"], "b", range(4)) == {1, 3}
