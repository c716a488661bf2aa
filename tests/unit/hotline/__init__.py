"""Unit tests of the hotline domain."""
