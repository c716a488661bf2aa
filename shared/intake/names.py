"""Refusing reports whose free text names a vault subject (ADR 0016), a whole batch in the batch's lookup.

Both intake services check before ``decide``: a name in a call's summary, a letter's text or an
incident's description would otherwise enter the log in clear, for ever. The refused report's
intake entry, which holds the name, is deleted once its outcome is written. The names lookup
rides in the batch lookup's round trip (``batch_io.lookup``'s ``also``); only when the index
changed under it is a batch checked again on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from shared.domain.reasons import NAMES_VAULT_SUBJECT
from shared.intake.batch_io import Finished, Known
from shared.intake.entries import Report
from shared.outcomes import Outcome, rejected
from shared.vault.names import texts_of
from shared.vault.store import NamesQuery, Vault


async def query(redis: Redis, reports: Sequence[Report[Any]]) -> NamesQuery:
    """The names lookup for a batch's reports, to send in the batch lookup (no I/O once the process knows the index)."""
    return await Vault(redis).query([texts_of(report.command) for report in reports])


async def refusals(
    redis: Redis, reports: Sequence[Report[Any]], known: Sequence[Known], sent: NamesQuery, reply: Any
) -> dict[int, Outcome]:
    """Index in ``reports`` -> rejection, for each report to be decided whose free text names a vault subject.

    ``sent`` is ``query(reports)`` and ``reply`` what the batch lookup answered to its command. Reports
    Redis already answered (recorded, or rejected before) are not checked: their answer stands.
    """
    undecided = [i for i, k in enumerate(known) if k.positions is None and k.rejection is None]
    if not undecided:
        return {}
    if isinstance(reply, ResponseError):
        raise reply  # the names index could not be read: nothing is decided unchecked
    vault = Vault(redis)
    answered = vault.answer(sent, reply)
    if answered is None:  # the index changed under the lookup: these reports are checked again, on their own
        named = await vault.named_in([reports[i].command for i in undecided])
    else:
        named = [answered[i] for i in undecided]
    return {i: _refusal(reports[i]) for i, subjects in zip(undecided, named, strict=True) if subjects}


REFUSAL = ("free text names a person whose data is held in the vault; refer to them only by their subject id "
           "and send the corrected report under a new command_id")
"""Says neither the name nor which subject bears it: a sender could otherwise probe names for subject ids."""


def _refusal(report: Report[Any]) -> Outcome:
    return rejected(report.command_id, NAMES_VAULT_SUBJECT, REFUSAL, report.command.case_id)


async def drop_refused(redis: Redis, intake: str, finished: Sequence[Finished]) -> None:
    """Delete the intake entries that name a vault subject, once answered: refused for it, or marked ``drop_entry``.

    Such an entry holds the name in clear and the intake keeps entries: after ``liaison forget``
    the name would still be in Redis. The intake is not the log (ADR 0009), and nothing refers
    to the entry once its outcome is written. ``dead_letters.withhold_names`` marks the others.
    """
    named = [f.entry_id for f in finished if f.drop_entry or _refused_for_a_name(f.outcome)]
    if named:
        await redis.xdel(intake, *named)


def _refused_for_a_name(outcome: Outcome | None) -> bool:
    return outcome is not None and outcome.reason is not None and outcome.reason.code == NAMES_VAULT_SUBJECT
