"""LiveKit webhooks: only exactly what LiveKit signed is believed, and only people count."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime

import pytest
from livekit.api import AccessToken

from services.gateway.http.problems import Problem
from services.gateway.live.webhooks import media_event, verified_event
from services.wire.events.gateway import MediaParticipantJoined, MediaParticipantLeft

KEY, SECRET = "APIparley", "w" * 40


def hook(event: str, room: str = "s1", identity: str = "alice", **extra: object) -> bytes:
    body = {
        "event": event,
        "id": "EV_1",
        "room": {"name": room},
        "participant": {"identity": identity, **extra},
        "createdAt": "1700000000",
    }
    return json.dumps(body).encode()


def sign(body: bytes, secret: str = SECRET) -> str:
    digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
    return AccessToken(KEY, secret).with_sha256(digest).to_jwt()


def test_a_signed_participant_joined_becomes_a_matcher_event() -> None:
    body = hook("participant_joined")
    event = media_event(verified_event(body, sign(body), KEY, SECRET), body)
    assert isinstance(event, MediaParticipantJoined)
    assert (event.session_id, event.user_id) == ("s1", "alice")


def test_left_and_aborted_connections_both_mean_left() -> None:
    for kind in ("participant_left", "participant_connection_aborted"):
        body = hook(kind)
        assert isinstance(
            media_event(verified_event(body, sign(body), KEY, SECRET), body), MediaParticipantLeft
        )


def test_a_redelivered_webhook_becomes_the_same_event_id() -> None:
    body = hook("participant_left")
    first = media_event(verified_event(body, sign(body), KEY, SECRET), body)
    again = media_event(verified_event(body, sign(body), KEY, SECRET), body)
    assert first is not None
    assert again is not None
    assert first.id == again.id


@pytest.mark.parametrize(
    "auth",
    [
        "",
        "not-a-jwt",
        "__tampered__",
        "__wrong_secret__",
    ],
)
def test_unsigned_or_tampered_webhooks_are_refused(auth: str) -> None:
    body = hook("participant_joined")
    if auth == "__tampered__":
        auth, body = sign(body), hook("participant_joined", identity="mallory")
    elif auth == "__wrong_secret__":
        auth = sign(body, secret="x" * 40)
    with pytest.raises(Problem) as err:
        verified_event(body, auth, KEY, SECRET)
    assert err.value.status == 401


def test_other_events_rooms_and_non_people_are_ignored() -> None:
    for body in (
        hook("room_finished"),
        hook("track_published"),
        hook("participant_joined", kind="EGRESS"),
        hook("participant_joined", room="bad room name"),
        hook("participant_joined", identity=""),
    ):
        assert media_event(verified_event(body, sign(body), KEY, SECRET), body) is None


def test_the_event_happens_when_livekit_stamped_it_on_the_connection_it_names() -> None:
    body = hook("participant_left", sid="PA_abc123")
    received = datetime(2030, 1, 1, tzinfo=UTC)
    event = media_event(verified_event(body, sign(body), KEY, SECRET), body, received)
    assert event is not None
    assert event.occurred_at == datetime.fromtimestamp(1700000000, UTC)  # `createdAt`
    assert event.connection == "PA_abc123"  # type: ignore[attr-defined]


def test_a_webhook_without_a_stamp_is_dated_on_arrival() -> None:
    body = json.dumps(
        {"event": "participant_joined", "id": "EV_2", "room": {"name": "s1"},
         "participant": {"identity": "alice"}}
    ).encode()  # fmt: skip
    received = datetime(2030, 1, 1, tzinfo=UTC)
    event = media_event(verified_event(body, sign(body), KEY, SECRET), body, received)
    assert event is not None
    assert event.occurred_at == received
    assert event.connection is None  # type: ignore[attr-defined]
