"""The refusal every service's domain raises, and the reason codes the shared checks give.

Each service re-exports ``Rejected`` from its own ``domain/rejected.py`` (the very same class, so a
service catches what the shared checks raise) next to the codes only it gives.
"""

from __future__ import annotations

UNKNOWN_UNIT = "unknown_unit"
"""A unit code is not in the unit registry."""
INVALID_TIME = "invalid_time"
"""A time outside the years the log can hold, or times that contradict each other (checked by each service)."""
WRONG_OFFSET = "wrong_offset"
"""A time carries an offset other than the sending unit's (+07:00 Vietnam, +08:00 China)."""
INVALID_TEXT = "invalid_text"
"""Free text is missing in its original language, or too long."""
NAMES_VAULT_SUBJECT = "names_vault_subject"
"""Free text names a person whose data is held in the vault: refer to them by subject id only (decision 10)."""


class Rejected(Exception):
    """A report the domain refuses: a stable code and a message naming the field and the problem."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
