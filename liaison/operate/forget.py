"""``liaison forget SUBJECT``: crypto-shred one person's data in the vault (ADR 0016).

The person's key is deleted, then their ciphertext and their entries in the names index; the
append-only file is rewritten so the key's bytes leave the disk as well. The log is not
touched (it holds only the pseudonymous subject id), so every chain still verifies.
"""

from __future__ import annotations

import sys

import msgspec

from liaison import exits
from liaison.connect import open_vault


async def forget(subject_id: str, as_json: bool) -> int:
    """Entry point: 0 when the person's key was deleted, 1 when there was none (unknown or already forgotten)."""
    async with open_vault(subject_id) as vault:
        existed = await vault.forget(subject_id)
        disk = await vault.purge_disk()
    if as_json:
        result = {"subject_id": subject_id, "forgotten": existed, "disk": disk}
        sys.stdout.write(msgspec.json.encode(result).decode() + "\n")
    elif existed:
        print(f"forgot {subject_id}: key, data and name index deleted; {disk}")
    else:
        print(f"{subject_id}: no personal data in the vault (unknown, or forgotten already); {disk}")
    return exits.OK if existed else exits.REJECTED
