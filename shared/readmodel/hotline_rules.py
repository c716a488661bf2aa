"""The rules of hotline cases (pure): calls and letters await acknowledgement, urgent calls written confirmation.

- every call and every letter awaits a person's acknowledgement by its recipient (callee,
  ``to_unit``) until a ``MessageAcknowledged`` names it — the same rule the hotline service
  enforces when it accepts an acknowledgement;
- an urgent call that requires written confirmation awaits it (owed by the caller) until an
  ``UrgentCallConfirmedInWriting`` names the call.
"""

from __future__ import annotations

from shared.events import (
    HotlineCallLogged,
    LetterReceived,
    LetterSent,
    MessageAcknowledged,
    UrgentCallConfirmedInWriting,
)
from shared.readmodel.draft import _Draft, handles


@handles(HotlineCallLogged, kind="hotline")
def _call(d: _Draft, e: HotlineCallLogged) -> None:
    d.parties.update((e.caller_unit, e.callee_unit))
    d.counts["calls"] += 1
    if e.urgent and e.written_confirmation_required:
        d.owe("written_confirmation", e.event_id, e.caller_unit, e.started_at.utc)
    d.owe("acknowledgement", e.event_id, e.callee_unit, e.started_at.utc)


@handles(LetterSent, kind="hotline")
def _letter_sent(d: _Draft, e: LetterSent) -> None:
    d.parties.update((e.from_unit, e.to_unit))
    d.counts["letters_sent"] += 1
    d.owe("acknowledgement", e.event_id, e.to_unit, e.occurred_at.utc)


@handles(LetterReceived, kind="hotline")
def _letter_received(d: _Draft, e: LetterReceived) -> None:
    d.parties.update((e.from_unit, e.to_unit))
    d.counts["letters_received"] += 1
    d.owe("acknowledgement", e.event_id, e.to_unit, e.occurred_at.utc)


@handles(MessageAcknowledged, kind="hotline")
def _acknowledged(d: _Draft, e: MessageAcknowledged) -> None:
    d.parties.add(e.by_unit)
    d.counts["acknowledgements"] += 1
    d.settle("acknowledgement", e.message_id)


@handles(UrgentCallConfirmedInWriting, kind="hotline")
def _confirmed(d: _Draft, e: UrgentCallConfirmedInWriting) -> None:
    d.counts["confirmations"] += 1
    d.settle("written_confirmation", e.call_id)
