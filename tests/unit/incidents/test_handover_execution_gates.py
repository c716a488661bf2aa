"""The victim-safety gates at execution: what changed after scheduling still stops ExecuteHandover."""

from __future__ import annotations

from services.incidents.domain import reasons
from shared.events import HandoverExecuted
from tests.unit.incidents import handover_reports as rep
from tests.unit.incidents.reports import MINOR, VICTIM, Case


def _scheduled() -> Case:
    """Verified, assessed safe, both victims consenting, accepted by Hekou and scheduled at the gate."""
    case = Case()
    case.do(rep.propose())
    case.do(rep.verify(VICTIM))
    case.do(rep.verify(MINOR))
    case.do(rep.assess())
    case.do(rep.consent(VICTIM))
    case.do(rep.consent(MINOR, given_by="guardian"))
    case.do(rep.accept())
    case.do(rep.schedule())
    return case


def test_a_return_reassessed_unsafe_after_scheduling_is_not_executed() -> None:
    """A risk assessment finding the return unsafe, recorded after scheduling, makes ExecuteHandover unsafe_return."""
    case = _scheduled()
    case.do(rep.assess(level="high", safe_to_return=False))
    assert case.reject(rep.execute()).code == reasons.UNSAFE_RETURN


def test_a_consent_withdrawn_after_scheduling_stops_execution() -> None:
    """A minor's guardian refusing after scheduling makes ExecuteHandover consent_required naming the minor."""
    case = _scheduled()
    case.do(rep.consent(MINOR, given_by="guardian", decision="refused"))
    no = case.reject(rep.execute())
    assert (no.code, MINOR in no.message, VICTIM in no.message) == (reasons.CONSENT_REQUIRED, True, False)


def test_a_new_safe_assessment_lets_the_scheduled_handover_be_executed() -> None:
    """The latest assessment counts: unsafe then safe again, and the scheduled handover is executed."""
    case = _scheduled()
    case.do(rep.assess(level="high", safe_to_return=False))
    case.do(rep.assess())
    [executed] = case.do(rep.execute())
    assert isinstance(executed, HandoverExecuted)
