"""The case view fold: counters, obligations, status, clocks, versions, determinism."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.events import Instant
from shared.readmodel.fold import Fold, UnknownEvent, VersionGap, apply, fold
from shared.readmodel.schema import CaseView, Counts, clocks, decode_view, encode_view
from tests.unit.projections.factory import CN, VN, CaseBuilder, busy_case


def _fold_all(b: CaseBuilder) -> CaseView:
    view = fold(None, b.events, b.case_id)
    assert view is not None
    return view


def test_a_call_counts_and_awaits_the_callees_acknowledgement() -> None:
    """A logged call is counted, names both units as parties and awaits the callee's acknowledgement."""
    b = CaseBuilder("case-1")
    call = b.call(caller=VN, callee=CN)
    view = apply(None, call)
    assert view.kind == "hotline"
    assert view.counts.calls == 1
    assert view.parties == (CN, VN)
    assert view.status == "awaiting_acknowledgement"
    assert [(o.kind, o.message_id, o.owed_by) for o in view.obligations] == [("acknowledgement", call.event_id, CN)]
    assert view.version == 1
    assert view.last_event_id == call.event_id
    assert view.stale is False


def test_both_clocks_show_the_same_instant() -> None:
    """First and last update are given in UTC, on the Vietnamese (+07:00) and on the Chinese (+08:00) clock."""
    b = CaseBuilder("case-clocks", start=datetime(2026, 11, 23, 2, 14, tzinfo=UTC))
    b.call()
    b.letter_sent()
    view = _fold_all(b)
    assert view.first_update is not None
    assert view.last_update is not None
    assert (view.first_update.utc, view.first_update.vietnam, view.first_update.china) == (
        "2026-11-23T02:15:00Z",
        "2026-11-23T09:15:00+07:00",
        "2026-11-23T10:15:00+08:00",
    )
    assert view.last_update.utc == "2026-11-23T02:16:00Z"
    assert view.last_update.china == "2026-11-23T10:16:00+08:00"


def test_clocks_cross_midnight_differently_on_each_side() -> None:
    """16:30 UTC is 23:30 in Hanoi but already the next day, 00:30, in Beijing."""
    c = clocks(datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    assert c.vietnam == "2026-12-31T23:30:00+07:00"
    assert c.china == "2027-01-01T00:30:00+08:00"


def test_an_urgent_call_needing_confirmation_awaits_it_until_confirmed() -> None:
    """An urgent call requiring written confirmation awaits it from the caller until the confirmation."""
    b = CaseBuilder("case-urgent")
    call = b.call(caller=VN, callee=CN, urgent=True, confirm=True)
    view = apply(None, call)
    assert view.status == "awaiting_confirmation"
    confirmation = next(o for o in view.obligations if o.kind == "written_confirmation")
    assert (confirmation.message_id, confirmation.owed_by) == (call.event_id, VN)
    assert confirmation.since.vietnam == "2026-11-23T09:16:00+07:00"
    view = apply(view, b.confirm(call.event_id))
    assert view.counts.confirmations == 1
    assert [o.kind for o in view.obligations] == ["acknowledgement"]
    assert view.status == "awaiting_acknowledgement"
    view = apply(view, b.ack(call.event_id, by_unit=CN))
    assert view.counts.acknowledgements == 1
    assert view.obligations == ()
    assert view.status == "open"


@pytest.mark.parametrize(("urgent", "confirm"), [(True, False), (False, True), (False, False)])
def test_only_urgent_calls_requiring_it_await_written_confirmation(urgent: bool, confirm: bool) -> None:
    """A call not both urgent and marked for written confirmation owes none (the hotline rules agree)."""
    view = apply(None, CaseBuilder("case-x").call(urgent=urgent, confirm=confirm))
    assert [o.kind for o in view.obligations] == ["acknowledgement"]


def test_letters_are_counted_by_direction_and_await_the_recipient() -> None:
    """Sent and received letters count separately, and each awaits acknowledgement by its to_unit."""
    b = CaseBuilder("case-letters")
    sent = b.letter_sent(from_unit=VN, to_unit=CN)
    received = b.letter_received(from_unit="CN-HK-BMC", to_unit=VN)
    view = _fold_all(b)
    assert (view.counts.letters_sent, view.counts.letters_received) == (1, 1)
    assert [(o.message_id, o.owed_by) for o in view.obligations] == [(sent.event_id, CN), (received.event_id, VN)]
    assert view.parties == ("CN-HK-BMC", CN, VN)


def test_an_acknowledgement_of_an_unknown_message_is_counted_and_closes_nothing() -> None:
    """Acknowledging a message the case does not hold still counts, and leaves the obligations open."""
    b = CaseBuilder("case-ack")
    b.letter_sent()
    b.ack("no-such-message")
    view = _fold_all(b)
    assert view.counts.acknowledgements == 1
    assert len(view.obligations) == 1


def test_a_busy_case_ends_with_every_count_and_the_right_obligations() -> None:
    """Every kind of hotline event lands in its own counter; only the unsettled obligations remain."""
    b = busy_case("case-busy")
    view = _fold_all(b)
    assert view.counts == Counts(calls=2, letters_sent=1, letters_received=1, acknowledgements=1, confirmations=1)
    assert [(o.kind, o.message_id) for o in view.obligations] == [
        ("acknowledgement", "case-busy-e2"),
        ("acknowledgement", "case-busy-e5"),
        ("acknowledgement", "case-busy-e6"),
    ]
    assert view.version == 6
    assert view.last_event_id == "case-busy-e6"
    assert view.first_update is not None
    assert view.first_update.utc == "2026-11-23T02:16:00Z"


def test_an_older_event_changes_nothing() -> None:
    """Applying an event the view already holds returns the same view (idempotent apply)."""
    b = busy_case("case-old")
    view = _fold_all(b)
    for event in b.events:
        assert encode_view(apply(view, event)) == encode_view(view)


def test_a_gap_is_refused() -> None:
    """An event beyond the next version raises VersionGap naming both versions."""
    b = CaseBuilder("case-gap")
    first = b.call()
    b.letter_sent()
    third = b.letter_received()
    view = apply(None, first)
    with pytest.raises(VersionGap) as raised:
        apply(view, third)
    assert (raised.value.have, raised.value.got) == (1, 3)
    with pytest.raises(VersionGap):
        apply(None, third)


def test_an_event_of_another_case_is_refused() -> None:
    """A view only takes events of its own case."""
    view = apply(None, CaseBuilder("case-a").call())
    other = CaseBuilder("case-b")
    other.call()
    with pytest.raises(ValueError, match="case-b"):
        apply(view, other.letter_sent())


def test_an_event_type_without_a_rule_is_counted_under_other() -> None:
    """An event of an unknown type advances the version and counts under other, without failing."""
    b = CaseBuilder("case-new")
    view = apply(None, b.call())
    unknown = UnknownEvent(
        type="IncidentRaised", event_id="inc-1", case_id="case-new", case_version=2,
        occurred_at=Instant.at(datetime(2026, 11, 23, 3, 0, tzinfo=UTC), "+08:00"), unit="CN-HK-BMC", handling="H2",
    )
    view = apply(view, unknown)
    assert view.counts.other == 1
    assert view.version == 2
    assert view.last_event_id == "inc-1"
    assert "CN-HK-BMC" in view.parties
    assert view.handling == "H2"
    assert view.kind == "hotline"


def test_a_case_opened_by_an_unknown_type_has_kind_unknown() -> None:
    """The kind is set by the first event that has a rule; an unknown type alone leaves it unknown."""
    unknown = UnknownEvent(
        type="IncidentRaised", event_id="inc-1", case_id="case-u", case_version=1,
        occurred_at=Instant.at(datetime(2026, 11, 23, 3, 0, tzinfo=UTC), "+08:00"), unit="CN-HK-BMC",
    )
    assert apply(None, unknown).kind == "unknown"


def test_handling_and_exercise_keep_the_strictest() -> None:
    """The view keeps the strictest handling code seen, and the exercise flag once any event has it."""
    b = CaseBuilder("case-h")
    b.call(handling="H3", exercise=True)
    b.letter_sent()
    view = _fold_all(b)
    assert view.handling == "H3"
    assert view.exercise is True


def test_skip_to_marks_the_view_stale_and_lets_the_case_go_on() -> None:
    """A skipped (parked) event leaves a stale view at its version, and the next event still applies."""
    b = CaseBuilder("case-skip")
    b.call()
    b.letter_sent()
    third = b.letter_received()
    f = Fold(None, "case-skip")
    f.apply(b.events[0])
    f.skip_to(2)
    f.apply(third)
    view = f.view()
    assert view is not None
    assert (view.version, view.stale, view.counts.calls, view.counts.letters_sent, view.counts.letters_received) == (
        3, True, 1, 0, 1
    )


def test_a_view_built_only_from_skips_has_no_clocks() -> None:
    """A case whose only event was skipped has a stale view of kind unknown with no update times."""
    f = Fold(None, "case-empty")
    f.skip_to(1)
    view = f.view()
    assert view is not None
    assert (view.kind, view.version, view.stale) == ("unknown", 1, True)
    assert (view.first_update, view.last_update) == (None, None)


def test_a_rule_that_raises_leaves_the_fold_as_it_was() -> None:
    """An event whose rule raises (a call at the very end of year 9999) leaves no partial change behind."""
    b = CaseBuilder("case-raise")
    b.call()
    f = Fold(None, "case-raise")
    f.apply(b.events[0])
    before = encode_view(f.view())  # type: ignore[arg-type]
    bad = CaseBuilder("case-raise", start=datetime(9999, 12, 31, 22, 0, tzinfo=UTC))
    bad.version = 1
    poison = bad.call(urgent=True, confirm=True)
    with pytest.raises(ValueError, match="outside the years"):
        f.apply(poison)
    assert encode_view(f.view()) == before  # type: ignore[arg-type]
    assert f.version == 1
    f.apply(b.letter_sent())
    assert f.view().counts.calls == 1  # type: ignore[union-attr]


def test_the_view_json_round_trips() -> None:
    """A view decoded from its JSON is equal to the original and encodes to the same bytes."""
    view = _fold_all(busy_case("case-json"))
    data = encode_view(view)
    assert decode_view(data) == view
    assert encode_view(decode_view(data)) == data


def test_apply_is_deterministic() -> None:
    """Folding the same events twice gives byte-identical JSON (no clock, no randomness)."""
    assert encode_view(_fold_all(busy_case("case-d"))) == encode_view(_fold_all(busy_case("case-d")))


def _random_case(draw: st.DrawFn) -> CaseBuilder:
    b = CaseBuilder("case-h")
    messages: list[str] = []
    calls: list[str] = []
    for kind in draw(st.lists(st.sampled_from(["call", "urgent", "sent", "received", "ack", "confirm"]), max_size=30)):
        if kind in ("call", "urgent"):
            event = b.call(urgent=kind == "urgent", confirm=kind == "urgent")
            messages.append(event.event_id)
            calls.append(event.event_id)
        elif kind == "sent":
            messages.append(b.letter_sent().event_id)
        elif kind == "received":
            messages.append(b.letter_received().event_id)
        elif kind == "ack" and messages:
            b.ack(draw(st.sampled_from(messages)))
        elif kind == "confirm" and calls:
            b.confirm(draw(st.sampled_from(calls)))
    return b


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_rebuild_equals_incremental(data: st.DataObject) -> None:
    """One fold over all events equals applying them one by one through stored JSON, in any batching."""
    b = _random_case(data.draw)
    at_once = fold(None, b.events, b.case_id)
    stored: bytes | None = None
    events = list(b.events)
    while events:
        size = data.draw(st.integers(min_value=1, max_value=len(events)))
        batch, events = events[:size], events[size:]
        view = decode_view(stored) if stored is not None else None
        # a redelivered older event in the batch must change nothing
        replay = [*batch, *data.draw(st.lists(st.sampled_from(batch), max_size=2))]
        batch_view = fold(view, replay, b.case_id)
        assert batch_view is not None
        stored = encode_view(batch_view)
    assert (stored is None) == (at_once is None)
    if at_once is not None:
        assert stored == encode_view(at_once)
