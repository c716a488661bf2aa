"""Fixtures of the projections integration tests (shared ones live in tests/conftest.py)."""
