"""The victim-safety gates of a handover: objection to notification, risk, consent, and overrides.

Cross-border steps (the receiving side's answer, scheduling, execution) are blocked while a
victim's objection to notifying the other side stands; an authorised override lifts it. The
proposal itself reaches the other side with pseudonymous ids and the minimum data set only;
consent is asked after it, so an objection stops everything that would tell them more.
"""

from __future__ import annotations

from services.incidents.domain import reasons, rules
from services.incidents.domain.handover_commands import OverrideRequest
from services.incidents.domain.handover_state import HandoverState
from services.incidents.domain.policy import Policy
from services.incidents.domain.reasons import Rejected
from shared.events.handovers import ConsentOverride


def no_objection(state: HandoverState) -> None:
    """A victim's standing objection to notifying the other side blocks every cross-border step."""
    if state.is_victim and state.objecting:
        raise Rejected(
            reasons.VICTIM_OBJECTION,
            f"case_id: {', '.join(state.objecting)} objects to the other side being notified; no cross-border "
            "step until an authorised override is recorded (RecordConsent with override)",
        )


def victim_gates(state: HandoverState) -> None:
    """Before a victim handover is scheduled or executed: a risk assessment finding it safe, every consent."""
    if not state.is_victim:
        return
    if state.risk_level is None:
        raise Rejected(
            reasons.RISK_ASSESSMENT_REQUIRED, "case_id: record a risk assessment (RecordRiskAssessment) first"
        )
    if not state.safe_to_return:
        raise Rejected(
            reasons.UNSAFE_RETURN,
            f"case_id: the latest risk assessment ({state.risk_level}) found the return unsafe; "
            "record a new assessment or abort the handover",
        )
    missing = sorted(s for s in state.persons if (c := state.consents.get(s)) is None or c.effective != "given")
    if missing:
        raise Rejected(
            reasons.CONSENT_REQUIRED, f"case_id: no consent (or authorised override) on record for {', '.join(missing)}"
        )


def override(request: OverrideRequest, policy: Policy) -> ConsentOverride:
    """An override with its reason, an authorised role (per policy) and the officer who authorised it."""
    if request.reason is None:
        raise Rejected(reasons.OVERRIDE_INCOMPLETE, "override.reason: an override needs the reason for it")
    reason = rules.text("override.reason", request.reason)
    if request.authorised_role is None or request.authorised_by is None:
        field = "authorised_role" if request.authorised_role is None else "authorised_by"
        raise Rejected(
            reasons.OVERRIDE_INCOMPLETE, f"override.{field}: an override names the authorised role and officer"
        )
    if request.authorised_role not in policy.override_roles:
        raise Rejected(
            reasons.OVERRIDE_NOT_AUTHORISED,
            f"override.authorised_role: {request.authorised_role!r} may not override a victim's decision "
            f"(authorised: {', '.join(policy.override_roles) or 'no role'})",
        )
    return ConsentOverride(reason=reason, authorised_role=request.authorised_role, authorised_by=request.authorised_by)
