"""Exit codes of the ``liaison`` command (the external contract)."""

OK = 0
REJECTED = 1
"""A report was rejected, or a check failed (views differ)."""
USAGE = 2
"""Bad usage, or Redis could not be reached."""
TAMPERED = 3
"""The log's tamper evidence is broken."""


class CliError(Exception):
    """An error to print as one line (no traceback) and exit with ``code``."""

    def __init__(self, message: str, code: int = USAGE) -> None:
        super().__init__(message)
        self.code = code
