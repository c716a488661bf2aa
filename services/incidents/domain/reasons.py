"""Why the incidents service refuses a report: stable reason codes (tools branch on them) and the exception.

Codes shared with the hotline keep the hotline's spelling (``unknown_unit``, ``wrong_offset``,
``not_party``...), so a tool handles them the same way whichever service answered. ``Rejected``
and the codes of the shared checks (``unknown_unit``, ``wrong_offset``, ``invalid_text``) come
from shared/domain/reasons.py.
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

# --- any report -------------------------------------------------------------------------------
INVALID_PARTY = "invalid_party"
"""The units named do not make a cross-border case the sending unit takes part in."""
UNKNOWN_CASE = "unknown_case"
"""A report that cannot open a case names no case, or a case that does not exist."""
CASE_EXISTS = "case_exists"
"""A report that opens a case names a case that already exists (send it without ``case_id``, or a new one)."""
NOT_PARTY = "not_party"
"""The sending unit (or a unit it names) takes no part in the case."""
CASE_CLOSED = "case_closed"
"""The case was closed, completed, rejected or aborted: nothing more is written to it."""

# --- incidents --------------------------------------------------------------------------------
LOCATION_MISSING = "location_missing"
"""An incident's location names none of marker, patrol section, border gate or coordinates."""
SAME_SIDE = "same_side"
"""An incident is acknowledged only by a unit of the other country than the one that raised it."""
ALREADY_ACKNOWLEDGED = "already_acknowledged"
"""The incident was acknowledged before."""
INVALID_LINK = "invalid_link"
"""A case cannot be linked to itself, and a link names at least one case."""
INVALID_CLOSE = "invalid_close"
"""Closing as ``transferred`` needs ``transferred_to``; as ``duplicate`` needs ``duplicate_of``."""

# --- handovers --------------------------------------------------------------------------------
INVALID_SUBJECTS = "invalid_subjects"
"""Persons for a person handover, items for property or livestock, ids unique, minor flag matching the age band."""
GUARDIAN_REQUIRED = "guardian_required"
"""A minor needs a guardian or representative on record, and a minor's consent is given by them."""
UNKNOWN_SUBJECT = "unknown_subject"
"""The subject id is not one of the persons of the handover."""
NOT_VICTIM_HANDOVER = "not_victim_handover"
"""Risk assessments and consent are recorded for victim handovers only."""
NOT_HOLDING_SIDE = "not_holding_side"
"""Only the unit that proposed the handover (it holds the subjects) does this."""
NOT_RECEIVING_SIDE = "not_receiving_side"
"""Only the receiving unit accepts or rejects a handover."""
ALREADY_DECIDED = "already_decided"
"""The receiving side already accepted or rejected the handover."""
NATIONALITY_UNVERIFIED = "nationality_unverified"
"""A person handover is accepted only once every person's nationality is verified."""
RISK_ASSESSMENT_REQUIRED = "risk_assessment_required"
"""A victim handover cannot be scheduled before a risk assessment."""
UNSAFE_RETURN = "unsafe_return"
"""The latest risk assessment found the return unsafe."""
CONSENT_REQUIRED = "consent_required"
"""A victim handover is scheduled only when every victim consented (or an authorised override stands)."""
VICTIM_OBJECTION = "victim_objection"
"""A victim objects to the other side being notified: no cross-border step until an authorised override."""
OVERRIDE_INCOMPLETE = "override_incomplete"
"""A consent override needs a reason, an authorised role and the officer who authorised it."""
OVERRIDE_NOT_AUTHORISED = "override_not_authorised"
"""The role named for a consent override is not one the policy authorises."""
NOT_ACCEPTED = "not_accepted"
"""A handover is executed only after the receiving side accepted it."""
NOT_SCHEDULED = "not_scheduled"
"""A handover is executed only once gate and time are scheduled."""
ALREADY_EXECUTED = "already_executed"
"""The handover was executed: it can no longer be scheduled, executed again or aborted."""
NOT_EXECUTED = "not_executed"
"""A handover is completed only after it was executed."""
RECEIPT_INCOMPLETE = "receipt_incomplete"
"""A handover receipt names the officers of both sides and only the handover's own persons."""

# --- patrols and meetings ---------------------------------------------------------------------
UNKNOWN_AGREEMENT = "unknown_agreement"
"""The patrol agreement is not configured, or has no patrols of that kind."""
WRONG_HOST = "wrong_host"
"""The host side goes by rotation, and it is the other side's turn."""
OUTSIDE_WINDOW = "outside_window"
"""A monthly joint patrol runs between the 15th and the 25th (in the agreement's named timezone)."""
UNKNOWN_SECTION = "unknown_section"
"""The patrol section is not in the agreement's configuration (or not in the scheduled patrol)."""
MARKER_OUT_OF_RANGE = "marker_out_of_range"
"""A marker lies outside the patrol sections (or the range) of the patrol."""
OFFICERS_INCOMPLETE = "officers_incomplete"
"""A joint patrol is recorded with the officers of both sides."""
INVALID_FINDING = "invalid_finding"
"""A finding that raises an incident names its category and impact."""
ALREADY_RECORDED = "already_recorded"
"""The patrol was recorded before."""
MINUTES_INCOMPLETE = "minutes_incomplete"
"""Minutes are signed in both Vietnamese and Chinese, both texts authentic."""
SIGNATORIES_INCOMPLETE = "signatories_incomplete"
"""Minutes are signed by signatories of both sides."""
ALREADY_SIGNED = "already_signed"
"""The minutes of this meeting were signed before."""


