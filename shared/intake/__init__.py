"""Machinery every intake-reading service shares: entry reader, batch round trips, service, serve loop, reclaim."""
