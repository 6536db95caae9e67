"""A missing or blank body on a route that needs one is a 400 with field errors, never a 500."""

from __future__ import annotations

import pytest

from tests.integration.gateway.conftest import Gateway, new_user
from tests.integration.gateway.test_sessions_http import session

NEEDS_A_BODY = [
    ("POST", "/v1/blocks", "userId"),
    ("POST", "/v1/invites", "to"),
    ("POST", "/v1/reports", "userId"),
    ("PUT", "/v1/me/preferences", "speaks"),
    ("POST", "/v1/sessions/{sid}/signal", "kind"),
]
BLANKS = {
    "no body": {},
    "empty body": {"data": b"", "headers": {"Content-Type": "application/json"}},
    "blank body": {"data": b"  \r\n", "headers": {"Content-Type": "application/json"}},
}


@pytest.mark.parametrize("blank", list(BLANKS))
@pytest.mark.parametrize(("method", "path", "field"), NEEDS_A_BODY)
async def test_a_missing_or_blank_body_is_a_validation_error(
    gw: Gateway, method: str, path: str, field: str, blank: str
) -> None:
    me, partner = new_user("blank"), new_user("partner")
    sid = await session(gw, me, partner)
    answer = await gw.call(method, path.format(sid=sid), me, **BLANKS[blank])  # type: ignore[arg-type]
    assert answer.status == 400, answer.body
    assert answer.code == "validation-failed"
    assert field in {e["field"] for e in answer.body["errors"]}


async def test_signal_to_an_unknown_session_is_400_without_a_body_and_404_with_one(
    gw: Gateway,
) -> None:
    me = new_user("signal")
    empty = await gw.call("POST", "/v1/sessions/s-unknown/signal", me)
    assert (empty.status, empty.code) == (400, "validation-failed")
    valid = await gw.call(
        "POST", "/v1/sessions/s-unknown/signal", me, body={"kind": "offer", "data": {}}
    )
    assert (valid.status, valid.code) == (404, "not-found")
