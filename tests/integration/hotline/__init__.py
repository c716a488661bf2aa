"""Integration tests of the hotline service against a real redis-server."""
