"""The pseudonym and the rewriting of kept items (pure parts of erasure)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.gateway.people.erasure import pseudonym
from services.gateway.settings import GatewaySettings
from services.runtime.erasure import pseudonymised
from services.wire.events.gateway import UserErased


def test_the_pseudonym_is_stable_keyed_and_fits_the_wire() -> None:
    a = pseudonym(b"k" * 32, "sub-1")
    assert a == pseudonym(b"k" * 32, "sub-1")
    assert a != pseudonym(b"k" * 32, "sub-2")
    assert a != pseudonym(b"j" * 32, "sub-1")  # without the key it cannot be recomputed
    assert "sub-1" not in a
    UserErased(id="e", user_id="sub-1", pseudonym=a)
    with pytest.raises(ValidationError):
        UserErased(id="e", user_id="sub-1", pseudonym="sub-1")


def test_no_known_key_in_aws_without_a_configured_secret() -> None:
    assert GatewaySettings(auth_mode="hosted").pseudonym_key is None
    assert GatewaySettings(auth_mode="hosted", pseudonym_secret="s" * 32).pseudonym_key
    assert GatewaySettings(auth_mode="local").pseudonym_key


def test_every_string_that_carries_the_id_gets_the_pseudonym_and_nothing_else_changes() -> None:
    item = {
        "sessionId": {"S": "s-1"},
        "userIds": {"L": [{"S": "me"}, {"S": "you"}]},
        "participants": {"L": [{"M": {"userId": {"S": "me"}, "minutes": {"N": "3"}}}]},
        "tags": {"SS": ["me#2026", "x"]},
        "live": {"BOOL": False},
    }
    out = pseudonymised(item, "me", "anon-1")
    assert out["userIds"] == {"L": [{"S": "anon-1"}, {"S": "you"}]}
    assert out["participants"]["L"][0]["M"] == {"userId": {"S": "anon-1"}, "minutes": {"N": "3"}}
    assert out["tags"] == {"SS": ["anon-1#2026", "x"]}
    assert out["sessionId"] == item["sessionId"]
    assert out["live"] == item["live"]
