"""The hotline's pure domain: commands (the intake wire format), decide, evolve, reasons."""

from services.hotline.domain.decide import case_id_of, decide
from services.hotline.domain.reasons import Rejected
from services.hotline.domain.state import CaseState, Message, UnexpectedEvent, evolve, fold

__all__ = ["CaseState", "Message", "Rejected", "UnexpectedEvent", "case_id_of", "decide", "evolve", "fold"]
