"""Media credentials: LiveKit tokens for one room until the end, TURN REST credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import jwt
from livekit.api import TokenVerifier

from services.gateway.live.media import TURN_SLACK_S, ice_servers, livekit_token, turn_credentials

KEY, SECRET = "APIparley", "s" * 40
NOW = datetime.now(UTC).replace(microsecond=0)


def test_livekit_token_joins_only_the_session_room_as_the_person_until_the_end() -> None:
    now = datetime.now(UTC)
    ends = now + timedelta(minutes=7)
    token = livekit_token(
        api_key=KEY,
        api_secret=SECRET,
        room="s1",
        user_id="alice",
        name="Alice",
        ends_at=ends,
        now=now,
    )
    claims = TokenVerifier(KEY, SECRET).verify(token)
    assert claims.identity == "alice"
    assert claims.name == "Alice"
    assert claims.video is not None
    assert claims.video.room == "s1"
    assert claims.video.room_join
    assert claims.video.can_publish
    assert claims.video.can_subscribe
    assert claims.video.can_publish_data
    assert not claims.video.room_admin
    assert not claims.video.room_create
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    assert abs(exp - ends.timestamp()) <= 2


def test_turn_credentials_follow_the_coturn_rest_scheme() -> None:
    username, credential = turn_credentials("shared", "alice", 1_900_000_000)
    assert username == "1900000000:alice"
    expected = hmac.new(b"shared", username.encode(), hashlib.sha1).digest()
    assert base64.b64decode(credential) == expected


def test_ice_servers_carry_turn_credentials_until_the_session_ends() -> None:
    ends = NOW + timedelta(minutes=10)
    servers = ice_servers(
        stun_urls="stun:127.0.0.1:3478",
        turn_urls="turn:127.0.0.1:3478?transport=udp, turns:turn.example:5349",
        turn_secret="shared",
        turn_ttl_s=3600,
        user_id="alice",
        ends_at=ends,
        now=NOW,
    )
    stun, turn = servers
    assert stun.urls == ["stun:127.0.0.1:3478"]
    assert stun.username is None
    assert turn.urls == ["turn:127.0.0.1:3478?transport=udp", "turns:turn.example:5349"]
    assert turn.username == f"{int(ends.timestamp()) + TURN_SLACK_S}:alice"


def test_turn_credentials_never_outlive_the_configured_ttl() -> None:
    ends = NOW + timedelta(hours=5)
    (turn,) = ice_servers(
        stun_urls="",
        turn_urls="turn:t:3478",
        turn_secret="x",
        turn_ttl_s=600,
        user_id="a",
        ends_at=ends,
        now=NOW,
    )
    assert turn.username == f"{int(NOW.timestamp()) + 600}:a"


def test_without_stun_or_turn_there_are_no_ice_servers() -> None:
    assert (
        ice_servers(
            stun_urls="",
            turn_urls="",
            turn_secret="",
            turn_ttl_s=600,
            user_id="a",
            ends_at=NOW,
            now=NOW,
        )
        == []
    )
