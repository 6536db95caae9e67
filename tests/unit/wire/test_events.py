"""Events survive the wire unchanged, and anything malformed is refused with a reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.wire.events import BUS_EVENTS, REGISTRY, TIMER_EVENTS, InvalidMessage, derive_id
from services.wire.events.common import pool_key
from services.wire.events.gateway import TicketRequested
from services.wire.events.matcher import SessionStarted

langs = st.lists(st.sampled_from(["en", "es", "de", "fr", "pt-BR"]), max_size=3).map(tuple)


@given(
    ticket=st.text(min_size=1, max_size=40),
    user=st.text(min_size=1, max_size=40),
    speaks=langs,
    learns=langs,
)
def test_ticket_requested_round_trips_through_the_wire(
    ticket: str, user: str, speaks: tuple[str, ...], learns: tuple[str, ...]
) -> None:
    event = TicketRequested(ticket_id=ticket, user_id=user, speaks=speaks, learns=learns)
    assert REGISTRY.parse(event.to_wire()) == event


def test_wire_format_is_the_envelope_with_camel_case_payload() -> None:
    event = TicketRequested(ticket_id="t1", user_id="u1", speaks=("en",))
    raw = json.loads(event.to_wire())
    assert set(raw) == {"type", "version", "id", "occurredAt", "payload"}
    assert raw["type"] == "ticket.requested"
    assert raw["occurredAt"].endswith("Z")
    assert raw["payload"] == {
        "ticketId": "t1",
        "userId": "u1",
        "speaks": ["en"],
        "learns": [],
        "levels": {},
        "welcomesFrom": "A1",
    }


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("{", "not_json"),
        ("[1, 2]", "not_an_object"),
        (json.dumps({"type": 3, "payload": {}}), "bad_envelope"),
        (json.dumps({"type": "ticket.requested", "version": 9, "payload": {}}), "unknown_type"),
        (json.dumps({"type": "nope", "payload": {}}), "unknown_type"),
        (json.dumps({"type": "ticket.requested", "payload": "x"}), "bad_envelope"),
        (
            json.dumps(
                {
                    "type": "ticket.requested",
                    "id": "i",
                    "occurredAt": "2026-11-22T00:00:00Z",
                    "payload": {"ticketId": "t"},
                }
            ),
            "invalid_payload",
        ),
        (
            json.dumps(
                {
                    "type": "ticket.requested",
                    "id": "i",
                    "occurredAt": "2026-11-22T00:00:00Z",
                    "payload": {"ticketId": "t", "userId": "u", "extra": 1},
                }
            ),
            "invalid_payload",
        ),
        (
            json.dumps(
                {
                    "type": "ticket.requested",
                    "id": "i",
                    "occurredAt": "2026-11-22T00:00:00",
                    "payload": {"ticketId": "t", "userId": "u"},
                }
            ),
            "invalid_payload",
        ),
        (
            json.dumps(
                {
                    "type": "ticket.requested",
                    "id": "i",
                    "occurredAt": "2026-11-22T00:00:00Z",
                    "payload": {"ticketId": "t", "userId": "u", "speaks": ["english!"]},
                }
            ),
            "invalid_payload",
        ),
    ],
)
def test_malformed_messages_are_refused_with_a_reason(body: str, reason: str) -> None:
    with pytest.raises(InvalidMessage) as info:
        REGISTRY.parse(body)
    assert info.value.reason == reason


def test_session_needs_exactly_two_participants() -> None:
    now = datetime.now(UTC)
    with pytest.raises(ValueError, match="at least 2"):
        SessionStarted(
            session_id="s",
            participants=(),
            starts_at=now,
            ends_at=now,
            media_mode="direct",
            room="s",
            origin="match",
        )


def test_every_event_type_is_unique_and_declares_its_route() -> None:
    types = [cls.TYPE for cls in BUS_EVENTS + TIMER_EVENTS]
    assert len(types) == len(set(types))
    for cls in BUS_EVENTS:
        assert cls.CONSUMERS, cls.TYPE
        # A note a service sends itself (to be handled in order behind its group) is for it
        # alone; no event for others loops back to its publisher as well.
        self_only = {cls.PUBLISHER} == cls.CONSUMERS
        assert self_only or cls.PUBLISHER not in cls.CONSUMERS, f"{cls.TYPE} loops back"


def test_derived_ids_are_deterministic_and_distinct() -> None:
    assert derive_id("e1", "ticket.funded") == derive_id("e1", "ticket.funded")
    assert derive_id("e1", "ticket.funded") != derive_id("e1", "ticket.rejected")
    assert derive_id("e1", "x") != derive_id("e2", "x")


def test_tandem_partners_share_a_pool() -> None:
    assert pool_key(("en",), ("es",)) == pool_key(("es",), ("en",)) == "en-es"
    assert pool_key((), ("es",)) == "any"
