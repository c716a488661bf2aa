"""The HTTP status of every reason code: explicit for each code a service defines, 422 for unknown ones."""

from __future__ import annotations

from types import ModuleType

import pytest

from services.gateway.statuses import STATUS_OF_CODE, status_of
from services.hotline.domain import reasons as rejected
from services.incidents.domain import reasons as incidents_rejected


def _codes(module: ModuleType) -> set[str]:
    return {value for name, value in vars(module).items() if name.isupper() and isinstance(value, str)}


@pytest.mark.parametrize("module", [rejected, incidents_rejected], ids=["hotline", "incidents"])
def test_every_reason_code_of_every_service_is_mapped_explicitly(module: ModuleType) -> None:
    """A code a service can give that the table does not list is a decision not yet made: fail."""
    codes = _codes(module)
    assert len(codes) >= 15
    assert codes - set(STATUS_OF_CODE) == set()


def test_the_contract_statuses() -> None:
    """Accepted 200; not allowed 403; version conflict 409; invalid 422; the service failing 500."""
    assert status_of("accepted", None) == 200
    assert {code for code, status in STATUS_OF_CODE.items() if status == 409} == {rejected.VERSION_CONFLICT}
    for code in (rejected.NOT_PARTY, rejected.NOT_RECIPIENT, rejected.NOT_CALLER):
        assert status_of("rejected", code) == 403
    for code in (rejected.UNKNOWN_UNIT, rejected.WRONG_OFFSET, rejected.MALFORMED, rejected.ALREADY_ACKNOWLEDGED):
        assert status_of("rejected", code) == 422
    assert status_of("rejected", rejected.PROCESSING_FAILED) == 500


def test_an_unknown_code_is_422() -> None:
    """A code no table lists (a newer service) is answered as invalid rather than failing."""
    assert status_of("rejected", "something_new") == 422
    assert status_of("rejected", None) == 422
