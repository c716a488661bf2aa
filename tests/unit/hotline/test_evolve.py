"""evolve folds hotline events into the state decide needs: parties, messages, obligations."""

from __future__ import annotations

from services.hotline.domain import CaseState, decide, evolve, fold
from shared.events import AnyEvent
from tests.unit.hotline.reports import CN, NOW, VN, acknowledge, command, confirm, log_call, receive_letter, send_letter

CASE = "HL-TEST"


def _apply(state: CaseState, report: dict[str, object]) -> tuple[CaseState, list[AnyEvent]]:
    events = decide(command(report), state, NOW)
    return fold(state.case_id, events, state), events


def test_an_urgent_call_adds_a_message_parties_and_a_pending_confirmation() -> None:
    """A logged urgent call needing written confirmation is a message from caller to callee, pending confirmation."""
    state, [call] = _apply(CaseState(case_id=CASE), log_call(case_id=CASE))
    assert state.version == 1
    assert state.parties == {VN, CN}
    message = state.messages[call.event_id]
    assert (message.kind, message.from_unit, message.to_unit) == ("call", VN, CN)
    assert message.confirmation == "pending"
    assert state.pending_confirmations == {call.event_id}


def test_a_call_without_written_confirmation_creates_no_obligation() -> None:
    """A call that is urgent but needs no letter leaves nothing pending."""
    state, [call] = _apply(CaseState(case_id=CASE), log_call(case_id=CASE, written_confirmation_required=False))
    assert state.pending_confirmations == frozenset()
    assert state.messages[call.event_id].confirmation == "not_required"


def test_letters_sent_and_received_are_messages_in_their_direction() -> None:
    """LetterSent goes from the author to to_unit; LetterReceived from from_unit to the author."""
    state, [sent] = _apply(CaseState(case_id=CASE), send_letter(case_id=CASE))
    state, [received] = _apply(state, receive_letter(case_id=CASE))
    assert (state.messages[sent.event_id].from_unit, state.messages[sent.event_id].to_unit) == (VN, CN)
    assert (state.messages[received.event_id].from_unit, state.messages[received.event_id].to_unit) == (CN, VN)
    assert state.version == 2


def test_acknowledgement_marks_the_message_acknowledged() -> None:
    """MessageAcknowledged flips only the acknowledged flag of its message."""
    state, [call] = _apply(CaseState(case_id=CASE), log_call(case_id=CASE))
    state, _ = _apply(state, acknowledge(CASE, call.event_id))
    assert state.messages[call.event_id].acknowledged
    assert state.version == 2
    assert state.pending_confirmations == {call.event_id}


def test_written_confirmation_closes_the_obligation() -> None:
    """UrgentCallConfirmedInWriting records the letter on the call and removes it from the pending set."""
    state, [call] = _apply(CaseState(case_id=CASE), log_call(case_id=CASE))
    state, [letter, _confirmed] = _apply(state, confirm(CASE, call.event_id, reference="LC/9"))
    assert state.messages[call.event_id].confirmation == "confirmed"
    assert state.messages[call.event_id].confirmed_by == "LC/9"
    assert state.pending_confirmations == frozenset()
    assert state.messages[letter.event_id].kind == "letter"
    assert state.version == 3


def test_evolve_leaves_the_previous_state_untouched() -> None:
    """evolve is pure: the state it was given still reads as before."""
    state, [call] = _apply(CaseState(case_id=CASE), log_call(case_id=CASE))
    [ack] = decide(command(acknowledge(CASE, call.event_id)), state, NOW)
    after = evolve(state, ack)
    assert after.messages[call.event_id].acknowledged
    assert not state.messages[call.event_id].acknowledged
    assert state.version == 1
