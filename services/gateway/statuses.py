"""Which HTTP status a report's outcome is answered with: one explicit entry per reason code.

The external contract: 200 accepted · 422 invalid · 409 version conflict · 403 not allowed.
A reason code missing from this table is answered 422 (a unit test checks that every code the
hotline and incidents services define is listed here, so a new one is a decision, not an accident).
"""

from __future__ import annotations

from http import HTTPStatus

from shared import reports

OK = HTTPStatus.OK
INVALID = HTTPStatus.UNPROCESSABLE_ENTITY
CONFLICT = HTTPStatus.CONFLICT
FORBIDDEN = HTTPStatus.FORBIDDEN
FAILED = HTTPStatus.INTERNAL_SERVER_ERROR

STATUS_OF_CODE: dict[str, HTTPStatus] = {
    # The report contradicts the registry, itself or the case: the sender must change it.
    "unknown_unit": INVALID,
    "wrong_offset": INVALID,
    "invalid_party": INVALID,
    "invalid_time": INVALID,
    "invalid_text": INVALID,
    "unknown_case": INVALID,
    "unknown_message": INVALID,
    "already_acknowledged": INVALID,
    "not_urgent": INVALID,
    "already_confirmed": INVALID,
    "malformed": INVALID,
    # Another report already holds the command id (IETF idempotency-key draft: reuse with another payload is 422).
    "command_id_reused": INVALID,
    "wrong_case_kind": INVALID,
    # The sending unit may not do this on this case.
    "not_party": FORBIDDEN,
    "not_recipient": FORBIDDEN,
    "not_caller": FORBIDDEN,
    # The case kept moving under the report; sending it again may succeed.
    "version_conflict": CONFLICT,
    # Not the sender's fault: the service could not complete the report, or the log is damaged.
    "processing_failed": FAILED,
    "log_damaged": FAILED,
    "case_unreadable": FAILED,
    # Codes only the incidents service gives (services/incidents/domain/reasons.py).
    "case_exists": INVALID,
    "case_closed": INVALID,
    "names_vault_subject": INVALID,
    "location_missing": INVALID,
    "same_side": INVALID,
    "invalid_link": INVALID,
    "invalid_close": INVALID,
    "invalid_subjects": INVALID,
    "guardian_required": INVALID,
    "unknown_subject": INVALID,
    "not_victim_handover": INVALID,
    "already_decided": INVALID,
    "nationality_unverified": INVALID,
    "risk_assessment_required": INVALID,
    "unsafe_return": INVALID,
    "consent_required": INVALID,
    "victim_objection": INVALID,
    "override_incomplete": INVALID,
    "not_accepted": INVALID,
    "not_scheduled": INVALID,
    "not_executed": INVALID,
    "already_executed": INVALID,
    "receipt_incomplete": INVALID,
    "unknown_agreement": INVALID,
    "wrong_host": INVALID,
    "outside_window": INVALID,
    "unknown_section": INVALID,
    "marker_out_of_range": INVALID,
    "officers_incomplete": INVALID,
    "invalid_finding": INVALID,
    "already_recorded": INVALID,
    "minutes_incomplete": INVALID,
    "signatories_incomplete": INVALID,
    "already_signed": INVALID,
    "not_holding_side": FORBIDDEN,
    "not_receiving_side": FORBIDDEN,
    "override_not_authorised": FORBIDDEN,
    # The gateway's own attestation was refused (its key revoked or not registered): the gateway, not the sender,
    # must be fixed (ADR 0020), so the sender hears the service is unavailable, not that its report is wrong.
    "unsigned": HTTPStatus.SERVICE_UNAVAILABLE,
    "bad_signature": HTTPStatus.SERVICE_UNAVAILABLE,
    "key_revoked": HTTPStatus.SERVICE_UNAVAILABLE,
    # Refused by the gateway itself before any service saw the report.
    reports.TOO_LARGE: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    reports.INVALID_JSON: INVALID,
    reports.INVALID: INVALID,
    reports.UNKNOWN_TYPE: INVALID,
    reports.RESERVED_COMMAND_ID: INVALID,
}


def status_of(status: str, code: str | None) -> HTTPStatus:
    """The HTTP status of an outcome: 200 when accepted, else the code's entry (422 if unknown)."""
    if status == "accepted":
        return OK
    return STATUS_OF_CODE.get(code or "", INVALID)
