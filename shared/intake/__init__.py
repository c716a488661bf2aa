"""Machinery every intake-reading service shares: the reclaim loop."""
