"""``liaison.client.Client`` against a real gateway on real Redis: the example of docs/clients.md, run."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from liaison.client import Client, Forbidden, Unauthorized
from shared.access import tokens
from tests.integration.gateway.conftest import Client as TestClient
from tests.integration.gateway.conftest import eventually
from tests.unit.hotline.reports import log_call, send_letter


def _base(api: TestClient) -> str:
    return str(api.make_url("")).rstrip("/")


async def test_a_tool_sends_reports_and_follows_its_case(api: TestClient, redis: Redis) -> None:
    """An officer's tool sends a call (accepted), a report for another unit (Forbidden), a bad report (a rejected
    outcome, not an error), and follows its case's updates, resuming from where it stopped."""
    officer = (await tokens.issue(redis, "VN-LC-IBGS", "officer")).token
    async with Client(_base(api), officer) as client:
        opened = await client.send(log_call("client-call"))
        assert opened.status == "accepted"
        case_id = opened.case_id
        assert case_id is not None
        with pytest.raises(Forbidden):
            await client.send(log_call("client-other", unit="CN-HK-IBCS", caller_unit="CN-HK-IBCS",
                                       callee_unit="VN-LC-IBGS", at="2026-11-23T10:20:00+08:00"))
        refused = await client.send(log_call("client-bad", callee_unit="XX-NOWHERE"))
        assert refused.reason is not None
        assert (refused.status, refused.reason.code) == ("rejected", "unknown_unit")

        stream = client.updates(case=case_id)
        follow = asyncio.create_task(anext(stream))

        async def following() -> bool:  # the stream's ready event was read: the next update will reach it
            return client.last_event_id is not None

        await eventually(following, what="the update stream to be ready")
        await client.send(send_letter("client-letter", case_id=case_id, reference="LC/2026/C"))
        update = await asyncio.wait_for(follow, 10)
        assert (update.case_id, update.version) == (case_id, 2)
        await stream.aclose()


async def test_a_revoked_token_is_an_unauthorized_error(api: TestClient, redis: Redis) -> None:
    """Once its token is revoked, the client's next send raises Unauthorized (one tree of errors, ClientError)."""
    issued = await tokens.issue(redis, "VN-LC-IBGS", "officer")
    await tokens.revoke(redis, issued.id)
    async with Client(_base(api), issued.token) as client:
        with pytest.raises(Unauthorized):
            await client.send(log_call("client-revoked"))
