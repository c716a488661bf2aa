"""Refusing reports whose free text names a vault subject (decision 10), a whole batch in one round trip.

Both intake services check before ``decide``: a name in a call's summary, a letter's text or an
incident's description would otherwise enter the log in clear, for ever. The refused report's
intake entry, which holds the name, is deleted once its outcome is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redis.asyncio import Redis

from shared.domain.rejected import NAMES_VAULT_SUBJECT
from shared.intake.batch_io import Finished, Known
from shared.intake.entries import Report
from shared.outcomes import Outcome, rejected
from shared.vault import Vault


async def refusals(redis: Redis, reports: Sequence[Report[Any]], known: Sequence[Known]) -> dict[int, Outcome]:
    """Index in ``reports`` -> rejection, for each report to be decided whose free text names a vault subject.

    Reports Redis already answered (recorded, or rejected before) are not checked: their answer stands.
    """
    undecided = [i for i, k in enumerate(known) if k.positions is None and k.rejection is None]
    if not undecided:
        return {}
    named = await Vault(redis).named_in([reports[i].command for i in undecided])
    return {i: _refusal(reports[i], subjects) for i, subjects in zip(undecided, named, strict=True) if subjects}


def _refusal(report: Report[Any], subjects: Sequence[str]) -> Outcome:
    message = (
        "free text names a person whose data is held in the vault; refer to them only by "
        f"subject id ({', '.join(subjects)}) and send the report again"
    )
    return rejected(report.command_id, NAMES_VAULT_SUBJECT, message, report.command.case_id)


async def drop_refused(redis: Redis, intake: str, finished: Sequence[Finished]) -> None:
    """Delete the intake entries of reports refused for naming a vault subject, once answered.

    Such an entry holds the name in clear and the intake keeps entries: after ``liaison forget``
    the name would still be in Redis. The intake is not the log (decision 1), and nothing refers
    to the entry once its outcome is written.
    """
    named = [f.entry_id for f in finished
             if f.outcome is not None and f.outcome.reason is not None and f.outcome.reason.code == NAMES_VAULT_SUBJECT]
    if named:
        await redis.xdel(intake, *named)
