"""The incidents service's pure domain: commands, decide, evolve, deadlines, follow-ups, policy, reasons.

Case kinds: incidents (``IN-``), handovers (``HO-``), patrols (``PT-``) and meetings (``MT-``).
No I/O here: import-linter forbids redis, faststream, structlog and the store.
"""

from services.incidents.domain.commands import COMMAND_TYPES, OPENS_CASE, AnyCommand
from services.incidents.domain.deadlines import UrgentCall, confirmation_due, due, overdue_event_id
from services.incidents.domain.decide import case_id_of, decide
from services.incidents.domain.follow_ups import follow_ups
from services.incidents.domain.handover_state import HandoverState
from services.incidents.domain.incident_state import IncidentState
from services.incidents.domain.patrol_state import MeetingState, PatrolState
from services.incidents.domain.policy import Policy, PolicyError, default_policy, load_policy
from services.incidents.domain.reasons import Rejected
from services.incidents.domain.state import CaseState, UnexpectedEvent, evolve, fold
from services.incidents.domain.state_base import NewCase

__all__ = [
    "COMMAND_TYPES",
    "OPENS_CASE",
    "AnyCommand",
    "CaseState",
    "HandoverState",
    "IncidentState",
    "MeetingState",
    "NewCase",
    "PatrolState",
    "Policy",
    "PolicyError",
    "Rejected",
    "UnexpectedEvent",
    "UrgentCall",
    "case_id_of",
    "confirmation_due",
    "decide",
    "default_policy",
    "due",
    "evolve",
    "fold",
    "follow_ups",
    "load_policy",
    "overdue_event_id",
]
