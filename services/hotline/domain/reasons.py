"""Why the hotline refuses a report: stable reason codes (tools branch on them) and the exception.

``Rejected`` and the codes of the shared checks (``unknown_unit`` for ``unit``, ``caller_unit``,
``callee_unit``, ``to_unit``, ``from_unit``; ``wrong_offset``; ``invalid_text``) come from
shared/domain/reasons.py, so both services spell them alike.
"""

from __future__ import annotations

from shared.domain.reasons import CASE_UNREADABLE as CASE_UNREADABLE
from shared.domain.reasons import COMMAND_ID_REUSED as COMMAND_ID_REUSED
from shared.domain.reasons import INVALID_TEXT as INVALID_TEXT
from shared.domain.reasons import INVALID_TIME as INVALID_TIME
from shared.domain.reasons import MALFORMED as MALFORMED
from shared.domain.reasons import NAMES_VAULT_SUBJECT as NAMES_VAULT_SUBJECT
from shared.domain.reasons import PROCESSING_FAILED as PROCESSING_FAILED
from shared.domain.reasons import UNKNOWN_UNIT as UNKNOWN_UNIT
from shared.domain.reasons import VERSION_CONFLICT as VERSION_CONFLICT
from shared.domain.reasons import WRONG_CASE_KIND as WRONG_CASE_KIND
from shared.domain.reasons import WRONG_OFFSET as WRONG_OFFSET
from shared.domain.reasons import Rejected as Rejected

INVALID_PARTY = "invalid_party"
"""The units of a call or letter do not make a cross-border exchange the sending unit takes part in."""
CASE_EXISTS = "case_exists"
"""A report that opens a new case (no ``case_id``) whose derived case id another report's case holds already."""
UNKNOWN_CASE = "unknown_case"
"""A report that cannot open a case names no case, or a case that does not exist."""
NOT_PARTY = "not_party"
"""The sending unit takes no part in the case it reports on."""
UNKNOWN_MESSAGE = "unknown_message"
"""The call or letter referred to is not in the case."""
NOT_RECIPIENT = "not_recipient"
"""Only the unit a call or letter was addressed to may acknowledge it."""
ALREADY_ACKNOWLEDGED = "already_acknowledged"
"""The call or letter was acknowledged before."""
NOT_URGENT = "not_urgent"
"""Written confirmation was asked for a call that is not urgent with written confirmation required."""
ALREADY_CONFIRMED = "already_confirmed"
"""The call was confirmed in writing before."""
NOT_CALLER = "not_caller"
"""Only the calling unit confirms its own call in writing."""


