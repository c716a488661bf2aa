"""The box's key files: made whole or not at all, mode 0600, and refused once others may read them."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.access import box_keys


def test_a_key_is_made_once_with_mode_0600_and_read_back(tmp_path: Path) -> None:
    """The first call makes the key (0600, its public key beside it, no temporary file left); the next reads it."""
    path = box_keys.key_path(tmp_path, "VN-LC-IBGS")
    made = box_keys._load_or_make(path, "VN-LC-IBGS")
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.with_suffix(".pub").exists()
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []
    again = box_keys._load_or_make(path, "VN-LC-IBGS")
    assert made.private_bytes_raw() == again.private_bytes_raw()


def test_a_key_others_may_read_is_refused(tmp_path: Path) -> None:
    """A private key file made group- or world-readable is no longer the holder's alone: refused, naming it."""
    path = box_keys.key_path(tmp_path, "gateway")
    box_keys._load_or_make(path, "gateway")
    path.chmod(0o644)
    with pytest.raises(box_keys.SigningKeyMissing, match="others may read"):
        box_keys.box_key(tmp_path, "gateway")
