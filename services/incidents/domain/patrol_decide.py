"""Deciders of patrol reports: schedule a patrol under a configured agreement, record what it did."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.incidents.domain import patrol_calendar as cal
from services.incidents.domain import reasons, rules
from services.incidents.domain.patrol_commands import RecordPatrol, SchedulePatrol
from services.incidents.domain.patrol_state import PatrolState
from services.incidents.domain.policy import BilateralPatrolRule, JointPatrolRule, PatrolAgreement
from services.incidents.domain.reasons import Rejected
from services.incidents.domain.stamp import Stamp
from services.incidents.domain.state_base import NewCase
from shared.events import AnyEvent, Instant, PatrolRecorded, PatrolScheduled
from shared.events.border import MarkerRange, marker_key
from shared.events.patrols import Finding
from shared.units import Country


def _agreement(command: SchedulePatrol, stamp: Stamp) -> PatrolAgreement:
    agreement = stamp.policy.agreement(command.agreement)
    if agreement is None:
        known = ", ".join(a.code for a in stamp.policy.agreements) or "none configured"
        raise Rejected(
            reasons.UNKNOWN_AGREEMENT, f"agreement: no patrol agreement {command.agreement!r} (known: {known})"
        )
    for field, code in (("unit", command.unit), ("host_unit", command.host_unit)):
        if code not in agreement.units:
            raise Rejected(
                reasons.NOT_PARTY,
                f"{field}: {code} is not a unit of agreement {agreement.code} ({', '.join(agreement.units)})",
            )
    return agreement


def _host(host: Country, first_host: Country, periods_since: int, period: str) -> None:
    expected = cal.host_by_rotation(first_host, periods_since)
    if host != expected:
        raise Rejected(
            reasons.WRONG_HOST, f"host_unit: the host side by rotation for {period} is {expected}, not {host}"
        )


def _joint_window(rule: JointPatrolRule, starts: Instant, ends: Instant) -> str:
    """The month of a joint patrol inside the window of days; raises outside_window."""
    first, last = cal.wall_clock(rule.timezone, starts), cal.wall_clock(rule.timezone, ends)
    for field, moment in (("starts_at", first), ("ends_at", last)):
        if not rule.first_day <= moment.day <= rule.last_day or cal.month_of(moment) != cal.month_of(first):
            raise Rejected(
                reasons.OUTSIDE_WINDOW,
                f"{field}: {moment.isoformat()} ({rule.timezone}) is outside the window of the "
                f"{rule.first_day}th-{rule.last_day}th of {cal.month_of(first)}",
            )
    return cal.month_of(first)


def _span(rule: BilateralPatrolRule, codes: tuple[str, ...], markers: MarkerRange | None) -> MarkerRange:
    """The marker range a bilateral patrol covers: ``markers`` if given (inside its sections), else the sections'."""
    if not codes:
        raise Rejected(reasons.UNKNOWN_SECTION, "sections: a bilateral patrol names at least one patrol section")
    by_code = {s.code: s for s in rule.sections}
    for i, code in enumerate(codes):
        if code not in by_code:
            raise Rejected(
                reasons.UNKNOWN_SECTION,
                f"sections[{i}]: no patrol section {code!r} in this agreement ({', '.join(by_code)})"
            )
    chosen = [by_code[c] for c in codes]
    if markers is None:
        return MarkerRange(
            first=min((s.first for s in chosen), key=marker_key), last=max((s.last for s in chosen), key=marker_key)
        )
    if marker_key(markers.first) > marker_key(markers.last):
        raise Rejected(reasons.MARKER_OUT_OF_RANGE, f"markers: first {markers.first} is after last {markers.last}")
    for field, marker in (("markers.first", markers.first), ("markers.last", markers.last)):
        if not any(s.holds(marker) for s in chosen):
            raise Rejected(
                reasons.MARKER_OUT_OF_RANGE, f"{field}: marker {marker} is in none of sections {', '.join(codes)}"
            )
    return markers


def _schedule(command: SchedulePatrol, state: NewCase, stamp: Stamp) -> list[AnyEvent]:
    agreement = _agreement(command, stamp)
    host = rules.unit("host_unit", command.host_unit)
    starts, ends = stamp.local("starts_at", command.starts_at), stamp.local("ends_at", command.ends_at)
    rules.not_before("ends_at", ends, "starts_at", starts)
    sections, markers = command.sections, command.markers
    rule: JointPatrolRule | BilateralPatrolRule | None
    if command.kind == "joint_monthly":
        rule = agreement.joint_monthly
        if rule is None:
            raise Rejected(reasons.UNKNOWN_AGREEMENT, f"kind: agreement {agreement.code} has no monthly joint patrols")
        period = _joint_window(rule, starts, ends)
        _host(host.country, rule.first_host, cal.months_since(rule.from_period, period), period)
    else:
        rule = agreement.bilateral_quarterly
        if rule is None:
            raise Rejected(
                reasons.UNKNOWN_AGREEMENT, f"kind: agreement {agreement.code} has no quarterly bilateral patrols"
            )
        period = cal.quarter_of(cal.wall_clock(rule.timezone, starts))
        if cal.quarter_of(cal.wall_clock(rule.timezone, ends)) != period:
            raise Rejected(
                reasons.OUTSIDE_WINDOW, f"ends_at: {ends.text} is outside {period}, the quarter the patrol starts in"
            )
        _host(host.country, rule.first_host, cal.quarters_since(rule.from_period, period), period)
        markers = _span(rule, sections, markers)
    return [
        PatrolScheduled(
            **stamp.envelope(),
            agreement=agreement.code,
            kind=command.kind,
            host_unit=host.code,
            host_country=host.country,
            participants=tuple(sorted(agreement.units)),
            starts_at=starts,
            ends_at=ends,
            window_timezone=rule.timezone,
            period=period,
            sections=sections,
            markers=markers,
            plan=rules.maybe_text("plan", command.plan),
        )
    ]


def _in_range(field: str, marker: str, markers: MarkerRange | None) -> None:
    if markers is None:
        return
    number = marker_key(marker)[0]
    if not marker_key(markers.first)[0] <= number <= marker_key(markers.last)[0]:
        raise Rejected(
            reasons.MARKER_OUT_OF_RANGE,
            f"{field}: marker {marker} is outside the patrol's markers {markers.first}-{markers.last}",
        )


def _finding(field: str, finding: Finding, markers: MarkerRange | None) -> Finding:
    rules.text(f"{field}.description", finding.description)
    if finding.marker is not None:
        _in_range(f"{field}.marker", finding.marker, markers)
    if finding.raise_incident:
        for name in ("category", "impact", "marker"):
            if getattr(finding, name) is None:
                raise Rejected(
                    reasons.INVALID_FINDING, f"{field}.{name}: required for a finding that raises an incident"
                )
    return finding


def _record(command: RecordPatrol, state: PatrolState, stamp: Stamp) -> list[AnyEvent]:
    if state.recorded:
        raise Rejected(reasons.ALREADY_RECORDED, f"case_id: patrol {state.case_id} was recorded already")
    started, ended = stamp.local("started_at", command.started_at), stamp.local("ended_at", command.ended_at)
    rules.not_before("ended_at", ended, "started_at", started)
    rules.not_before("at", stamp.local("at", command.at), "ended_at", ended)
    for i, code in enumerate(command.sections):
        if state.sections and code not in state.sections:
            raise Rejected(
                reasons.UNKNOWN_SECTION,
                f"sections[{i}]: {code} is not a section of this patrol ({', '.join(state.sections)})",
            )
    for i, marker in enumerate(command.markers):
        _in_range(f"markers[{i}]", marker, state.markers)
    rules.officers_of_both_sides("officers", command.officers, state.parties, reasons.OFFICERS_INCOMPLETE)
    return [
        PatrolRecorded(
            **stamp.envelope(),
            participants=tuple(sorted(state.parties)),
            sections=command.sections,
            markers=command.markers,
            officers=command.officers,
            findings=tuple(_finding(f"findings[{i}]", f, state.markers) for i, f in enumerate(command.findings)),
            started_at=started,
            ended_at=ended,
            summary=rules.maybe_text("summary", command.summary),
        )
    ]


PATROL_DECIDERS: dict[type[Any], Callable[[Any, Any, Stamp], list[AnyEvent]]] = {
    SchedulePatrol: _schedule,
    RecordPatrol: _record,
}
