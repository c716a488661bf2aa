"""Case views: the current state of a case, as a pure fold over its events (ADR 0013).

``apply(view, event)`` is pure and deterministic (it reads no clock), so folding the log
from scratch gives byte-identical JSON to the view the worker built event by event. The
worker and the rebuild both use ``Fold``: a mutable draft for speed, frozen into a
``CaseView`` once per batch or per case.

Rules of the hotline view:
- every call and every letter awaits a person's acknowledgement by its recipient (callee,
  ``to_unit``) until a ``MessageAcknowledged`` names it — the same rule the hotline service
  enforces when it accepts an acknowledgement;
- an urgent call that requires written confirmation awaits it (owed by the caller) until an
  ``UrgentCallConfirmedInWriting`` names the call;
- ``status`` is ``awaiting_confirmation`` while a confirmation is owed, else
  ``awaiting_acknowledgement`` while an acknowledgement is owed, else ``open``.
- ``first_update`` / ``last_update``: when the case's first and latest events happened
  (``occurred_at``), in UTC and on the Vietnamese (+07:00) and Chinese (+08:00) clocks.

New event types plug in with ``@handles(EventType, kind=...)`` (draft.py); an event type with no
handler still advances the version and is counted under ``counts.other``. The rules of hotline
cases live in ``hotline_rules``, those of incident, handover, patrol and meeting cases in
``incident_rules`` (both imported here, so they are registered whenever views are used); the
view's schema is in ``schema.py`` and ``facts.py``. ``fold_seen`` folds only the events a reader may
see (handling codes, docs/security.md), on read.
Obligations of those cases carry their deadline (``due``), and ``overdue`` once an overdue
event recorded that it passed; a case that ended (incident closed, handover completed,
aborted or rejected) has status ``closed``.
"""

from __future__ import annotations

from collections.abc import Iterable

from shared.readmodel import hotline_rules, incident_rules, registry_rules
from shared.readmodel.draft import _RULES, UnknownEvent, VersionGap, ViewEvent, _Draft, step
from shared.readmodel.schema import CaseUpdate, CaseView, Clocks, clocks, decode_view, encode_view

__all__ = [  # the fold, and what its callers use with it (the schema itself lives in shared/readmodel)
    "_RULES", "CaseUpdate", "CaseView", "Clocks", "Fold", "UnknownEvent", "VersionGap", "ViewEvent", "apply",
    "clocks", "decode_view", "encode_view", "fold", "fold_seen", "hotline_rules", "incident_rules", "registry_rules",
]


class Fold:
    """Folds one case's events in version order onto a starting view.

    A rule that raises leaves the fold as it was before that event (it is rebuilt from the
    last frozen view and the events since), so the caller can skip the event or stop.
    """

    _CHECKPOINT = 256
    """Events kept for such a rollback before the draft is frozen again (bounds memory)."""

    def __init__(self, view: CaseView | None, case_id: str) -> None:
        if view is not None and view.case_id != case_id:
            raise ValueError(f"view of case {view.case_id} given to fold case {case_id}")
        self.case_id = case_id
        self._base = view
        self._since: list[ViewEvent | int] = []
        self._draft = _Draft(view, case_id)
        self._frozen: CaseView | None = view
        self.changed = False

    @property
    def version(self) -> int:
        """The last version folded in (0 for a case with nothing yet)."""
        return self._draft.version

    def apply(self, event: ViewEvent) -> bool:
        """Fold the event if it is the next version; False if it is older (already folded in)."""
        if event.case_id != self.case_id:
            raise ValueError(f"event {event.event_id} belongs to case {event.case_id}, not {self.case_id}")
        if event.case_version <= self._draft.version:
            return False
        if event.case_version != self._draft.version + 1:
            raise VersionGap(self.case_id, self._draft.version, event.case_version)
        try:
            step(self._draft, event)
        except BaseException:
            self._rollback()
            raise
        self._record(event)
        return True

    def take(self, event: ViewEvent) -> Exception | None:
        """Fold the event as a rebuild does: an older one is ignored, a gap before it is skipped (the view goes
        stale), and one whose rule fails is skipped too; returns that failure, if any."""
        version = event.case_version
        if version <= self.version:
            return None
        if version > self.version + 1:
            self.skip_to(version - 1)
        try:
            self.apply(event)
        except Exception as exc:  # a rule that fails on it: skipped, the view stale, the caller told why
            self.skip_to(version)
            return exc
        return None

    def skip_to(self, version: int) -> None:
        """Mark the view stale and move it to ``version``: events up to it could not be applied."""
        if version <= self._draft.version:
            return
        self._draft.stale = True
        self._draft.version = version
        self._record(version)

    def view(self) -> CaseView | None:
        """The view as folded so far (None if nothing was ever folded)."""
        if self._since:
            self._frozen = self._draft.freeze()
            self._base, self._since = self._frozen, []
        return self._frozen

    def _record(self, item: ViewEvent | int) -> None:
        self.changed = True
        self._since.append(item)
        if len(self._since) >= self._CHECKPOINT:
            self.view()

    def _rollback(self) -> None:
        self._draft = _Draft(self._base, self.case_id)
        for item in self._since:
            if isinstance(item, int):
                self._draft.stale, self._draft.version = True, item
            else:
                step(self._draft, item)


def apply(view: CaseView | None, event: ViewEvent) -> CaseView:
    """The view after one event: unchanged if the event is older, VersionGap if it is not the next one."""
    fold = Fold(view, event.case_id if view is None else view.case_id)
    fold.apply(event)
    result = fold.view()
    if result is None:  # only reachable for a version <= 0 on an empty view
        raise VersionGap(event.case_id, 0, event.case_version)
    return result


def fold(view: CaseView | None, events: Iterable[ViewEvent], case_id: str) -> CaseView | None:
    """The view after every event, in order (older ones skipped, a gap raises VersionGap)."""
    folding = Fold(view, case_id)
    for event in events:
        folding.apply(event)
    return folding.view()


def fold_seen(case_id: str, events: Iterable[ViewEvent]) -> CaseView | None:
    """The view of a reader who may see only these events (in version order, some left out): each is folded as
    the next, so the view's counts, obligations and status come from them alone; None if there are none.

    An event whose rule fails here (it may need an earlier event this reader does not see) is skipped and
    the view marked stale, as the projections do with an event they cannot apply.
    """
    applied: list[ViewEvent] = []
    draft = _Draft(None, case_id)
    stale = False
    for event in events:
        try:
            step(draft, event)
        except Exception:
            stale = True
            draft = _Draft(None, case_id)  # a failed rule may have half-changed the draft: fold again without it
            for earlier in applied:
                step(draft, earlier)
            continue
        applied.append(event)
    if not applied:
        return None
    draft.stale = draft.stale or stale
    return draft.freeze()
