"""shared.append_metrics in memory: bucketing, and reading a stored hash back as a cumulative histogram."""

from __future__ import annotations

import math

import pytest

from shared.append_metrics import BUCKETS, Latencies, _histogram


def test_an_observation_lands_in_the_first_bucket_at_or_above_it() -> None:
    """Bounds are inclusive (Prometheus ``le``); a value above every bound goes to +Inf; count multiplies."""
    latencies = Latencies()
    latencies.record(0.001)       # exactly a bound: that bucket
    latencies.record(0.0011)      # just above: the next one
    latencies.record(99.0)        # beyond the last bound
    latencies.record(0.0002, count=3)
    counts = dict(zip((*BUCKETS, math.inf), latencies._counts, strict=True))
    assert counts[0.0005] == 3
    assert counts[0.001] == 1
    assert counts[0.0025] == 1
    assert counts[math.inf] == 1
    assert sum(counts.values()) == 6
    assert latencies._sum == pytest.approx(0.001 + 0.0011 + 99.0 + 0.0006)


def test_an_unknown_kind_is_refused_naming_it() -> None:
    """A typo in the kind is caught when the recorder is made, not by a metric that never shows."""
    with pytest.raises(ValueError, match="kind: must be one of append, view_write, got 'apend'"):
        Latencies("apend")


def test_a_stored_hash_reads_as_cumulative_buckets_ending_at_inf() -> None:
    """Per-bucket counts become running totals over every bound in order; junk fields are skipped, not fatal."""
    raw: dict[bytes | str, bytes | str] = {
        b"le:0.01": b"2", b"le:0.001": b"5", b"le:+Inf": b"1", b"sum": b"0.5", b"le:nonsense": b"7", b"other": b"x"
    }
    histogram = _histogram("append", "hotline", raw)
    cumulative = dict(histogram.buckets)
    assert [bound for bound, _ in histogram.buckets] == [*map(repr, BUCKETS), "+Inf"]
    assert (cumulative["0.0005"], cumulative["0.001"], cumulative["0.005"], cumulative["0.01"]) == (0, 5, 5, 7)
    assert (cumulative["2.5"], cumulative["+Inf"]) == (7, 8)
    assert histogram.sum == 0.5


def test_a_hash_without_an_inf_field_still_ends_with_the_total() -> None:
    """Prometheus requires a +Inf bucket: it is added, equal to the count of the others."""
    histogram = _histogram("view_write", "projections", {"le:0.005": "4", "sum": "0.01"})
    assert histogram.buckets[-1] == ("+Inf", 4)
