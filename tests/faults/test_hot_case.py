"""16 concurrent writers on one hot case, through four hotline instances competing for the intake."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager, AsyncExitStack

import pytest

from services.hotline.app import HotlineService, build
from services.hotline.config import HotlineConfig
from shared.outcomes import Outcome
from shared.store import EventStore
from tests.faults.conftest import CLUSTER, PARTITIONS, SINGLE, Stack
from tests.faults.ledger import reconcile
from tests.faults.reporter import Reporter
from tests.integration.intake_apps import app_running
from tests.unit.hotline.reports import log_call

WRITERS = 16
REPORTS_EACH = 8
INSTANCES = 4


def hotline(stack: Stack, consumer: str, append_tries: int) -> AbstractAsyncContextManager[HotlineService]:
    """A hotline app in this event loop (small batches, so the instances interleave)."""
    config = HotlineConfig(redis_url=stack.url, partitions=PARTITIONS, consumer=consumer, batch_size=2,
                           append_tries=append_tries)
    return app_running(build, config)


@pytest.mark.parametrize(("append_tries", "topology"), [(1, SINGLE), (8, SINGLE), (8, CLUSTER)], indirect=["topology"])
async def test_sixteen_writers_on_one_case_lose_no_update(stack: Stack, store: EventStore, append_tries: int) -> None:
    """16 writers each log 8 calls on one case at once: every conflict is retried by the service or answered
    version_conflict (and then sent again), and in the end every call is in the case once, versions 2..129."""
    async with Reporter(stack.url, resend_after=30) as reporter, AsyncExitStack() as running:
        services = [await running.enter_async_context(hotline(stack, f"hot-{i}", append_tries))
                    for i in range(INSTANCES)]
        opened = await reporter.send(log_call("hot-open"))
        assert opened.status == "accepted", opened
        case_id = opened.case_id
        assert case_id is not None
        conflicts_answered = 0
        final: dict[str, Outcome] = {}

        async def writer(w: int) -> None:
            nonlocal conflicts_answered
            for k in range(REPORTS_EACH):
                report = log_call(f"hot-{w}-{k}", case_id=case_id)
                for _ in range(50):
                    outcome = await reporter.send(report)
                    if outcome.reason is None or outcome.reason.code != "version_conflict":
                        break
                    conflicts_answered += 1  # the tool's part: send the same report again
                final[report["command_id"]] = outcome

        await asyncio.wait_for(asyncio.gather(*(writer(w) for w in range(WRITERS))), timeout=120)
        retried = sum(s.processor.conflicts for s in services if s.processor is not None)

    assert all(o.status == "accepted" for o in final.values()), {o.reason for o in final.values()}
    versions = sorted(o.version or 0 for o in final.values())
    assert versions == list(range(2, 2 + WRITERS * REPORTS_EACH)), "each call at its own version, none lost"
    assert (await store.head(case_id))[0] == 1 + WRITERS * REPORTS_EACH
    assert retried > 0, "the writers must actually have collided"
    if append_tries == 1:
        assert conflicts_answered > 0, "with one try, a collision is answered version_conflict"
    ledger = await reconcile(store, set(final) | {"hot-open"})
    assert ledger.log_entries == 1 + WRITERS * REPORTS_EACH
