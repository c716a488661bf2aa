"""``liaison token issue | list | revoke``: the bearer tokens of the HTTP API, for the operator on the box.

A token is printed once, when issued; Redis keeps only its hash (shared/access/tokens.py). A
revoked or expired token is refused from the gateway's next request on.
"""

from __future__ import annotations

import sys
from typing import Any

import msgspec

from liaison import exits
from liaison.connect import open_redis
from shared.access import tokens


def _print_json(value: Any) -> None:
    sys.stdout.write(msgspec.json.encode(value).decode() + "\n")


async def issue(unit: str, role: str, expires: str | None, as_json: bool) -> int:
    """Issue a token and print it (the only time it is shown)."""
    try:
        lasting = None if expires is None else tokens.duration(expires)
    except tokens.TokenError as err:
        raise exits.CliError(str(err)) from err
    client = await open_redis()
    try:
        issued = await tokens.issue(client, unit, role, lasting)
    except tokens.TokenError as err:
        raise exits.CliError(str(err)) from err
    finally:
        await client.aclose()
    if as_json:
        _print_json(issued)
    else:
        until = "no expiry" if issued.expires is None else f"expires {issued.expires.isoformat()}"
        print(f"token {issued.id} for {issued.unit} as {issued.role} ({until}); shown once, keep it safe:")
        print(issued.token)
    return exits.OK


async def list_all(as_json: bool) -> int:
    """Every token: id, unit, role, issued, expires, revoked, state (never the token itself)."""
    client = await open_redis()
    try:
        found = await tokens.listed(client)
    finally:
        await client.aclose()
    if as_json:
        _print_json(found)
        return exits.OK
    if not found:
        print("no tokens issued (liaison token issue --unit UNIT --role ROLE)")
    for t in found:
        expires = "-" if t.expires is None else t.expires.isoformat()
        print(f"{t.id}  {t.unit:<14} {t.role:<9} {t.state:<8} issued {t.issued.isoformat()}  expires {expires}")
    return exits.OK


async def revoke(token_id: str, as_json: bool) -> int:
    """Revoke one token by id; 1 if there is no such token."""
    client = await open_redis()
    try:
        revoked = await tokens.revoke(client, token_id)
    except tokens.TokenError as err:
        print(f"liaison: {err}", file=sys.stderr)
        return exits.REJECTED
    finally:
        await client.aclose()
    if as_json:
        _print_json(revoked)
    else:
        print(f"revoked {revoked.id} ({revoked.unit}, {revoked.role}) at {revoked.revoked}")
    return exits.OK
