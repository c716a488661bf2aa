"""Per-token request rates for the HTTP door: a token bucket each, in this process.

In-process, not in Redis: every gateway process limits on its own (N processes allow N times the
rate), which bounds what one stolen or runaway token can cost without a Redis round trip per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


@dataclass
class RateLimit:
    """A token bucket per bearer token: ``rate`` requests a second on average, bursts up to ``burst``."""

    rate: float
    burst: float
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def wait_s(self, token_id: str, now: float) -> float:
        """0 if the request may go now (and count it), else the seconds until it may."""
        bucket = self._buckets.setdefault(token_id, _Bucket(self.burst, now))
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate
