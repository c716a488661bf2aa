"""The refusal every service's domain raises, and the reason codes the shared checks give.

Each service re-exports ``Rejected`` from its own ``domain/reasons.py`` (the very same class, so a
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
"""Free text names a person whose data is held in the vault: refer to them by subject id only (ADR 0016)."""

# --- codes an intake service (not decide) gives, the same in every service ---------------------
MALFORMED = "malformed"
"""The report could not be read (not UTF-8, not JSON, unknown type, missing or mistyped field)."""
VERSION_CONFLICT = "version_conflict"
"""The case kept moving under the report: every retry met a newer version."""
PROCESSING_FAILED = "processing_failed"
"""The report could not be completed (it kept failing, or failed the service); it sits in the dead-letter stream."""
COMMAND_ID_REUSED = "command_id_reused"
"""The command id already names a different report: a command id names one report, everywhere (ADR 0008)."""
WRONG_CASE_KIND = "wrong_case_kind"
"""The report names a case of another kind (a hotline report sent to an incident case, or the reverse)."""
CASE_UNREADABLE = "case_unreadable"
"""The case holds an event this build cannot read (a newer type, a missing upcaster): nothing was decided."""


class Rejected(Exception):
    """A report the domain refuses: a stable code and a message naming the field and the problem."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
