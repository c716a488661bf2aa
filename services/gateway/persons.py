"""``POST /v1/persons``: register a person's data in the vault; the answer is their pseudonymous subject id.

Reports then name the person only by that id (ADR 0016). The data is checked
(``shared.vault_persons``) and sealed by ``shared.vault``; it is never logged, and no route
of the gateway reads it back (an operator on the box uses ``liaison person show``).
"""

from __future__ import annotations

from http import HTTPStatus

from aiohttp import web

from services.gateway.replies import gateway, json_value, reason
from shared.vault.persons import MAX_PERSON_BYTES, InvalidPerson, decode_person, register
from shared.vault.store import VaultError

INVALID_PERSON = "invalid_person"
TOO_LARGE = "too_large"


async def post_person(request: web.Request) -> web.Response:
    """201 with ``{"subject_id"}``; 422 naming the field when the data is not valid; 413 when too large."""
    if request.content_length is not None and request.content_length > MAX_PERSON_BYTES:
        return reason(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, TOO_LARGE,
                      f"personal data is {request.content_length} bytes; the limit is {MAX_PERSON_BYTES}")
    body = await request.content.read(MAX_PERSON_BYTES + 1)
    try:
        personal = decode_person(body)
    except InvalidPerson as err:
        code = TOO_LARGE if len(body) > MAX_PERSON_BYTES else INVALID_PERSON
        status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE if code == TOO_LARGE else HTTPStatus.UNPROCESSABLE_ENTITY
        return reason(status, code, str(err))
    try:
        subject_id = await register(gateway(request).redis, personal)
    except VaultError as err:  # a fresh id is never forgotten; this is a misconfigured client or a race
        return reason(HTTPStatus.SERVICE_UNAVAILABLE, "vault_unavailable", str(err))
    return json_value({"subject_id": subject_id}, HTTPStatus.CREATED)
