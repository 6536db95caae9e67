"""What each person is told about each event (the notifier's pure core)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notifier.messages import (
    NOTIFYING_TYPES,
    Push,
    minutes_used,
    pushes_for,
    recipients,
    stamp,
)
from services.wire.events import BUS_EVENTS
from services.wire.events.common import Participant, Profile
from services.wire.events.gateway import (
    ConnectionClosed,
    ConnectionOpened,
    SignalRelayed,
    UserErased,
)
from services.wire.events.ledger import (
    InviteAcceptRejected,
    InviteRejected,
    PointsChanged,
    TicketRejected,
)
from services.wire.events.matcher import (
    InviteAcceptRefused,
    InviteCancelled,
    InviteDeclined,
    InviteExpired,
    InviteOpened,
    SessionEnded,
    SessionStarted,
    SessionTopicChanged,
    TicketCancelled,
    TicketWaiting,
)
from services.wire.names import Service

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
A, B = (
    Participant(user_id="ann", hold_id="h1", minutes=15),
    Participant(user_id="ben", hold_id="h2", minutes=7),
)

# docs/api.md, WebSocket table: the fields each pushed type carries besides `type`.
CONTRACT: dict[str, tuple[set[str], set[str]]] = {  # type: (required, optional)
    "ticket.waiting": ({"ticketId", "lookingFor", "waitingSince"}, set()),
    "ticket.rejected": ({"ticketId", "reason"}, set()),
    "ticket.cancelled": ({"ticketId"}, set()),
    "session.started": (
        {"sessionId", "startsAt", "endsAt", "mediaMode", "role", "partner"},
        {"inviteId", "limitedBy"},
    ),
    "session.ended": (
        {"sessionId", "reason", "startedAt", "endedAt", "minutesUsed"},
        {"partnerNoShow"},
    ),
    "session.topic": ({"sessionId", "topicId", "language", "band", "text", "n"}, set()),
    "invite.received": ({"inviteId", "from", "expiresAt"}, set()),
    "invite.pending": ({"inviteId", "to", "expiresAt"}, set()),
    "invite.accepted": ({"inviteId", "sessionId"}, set()),
    "invite.declined": ({"inviteId"}, {"reason"}),
    "invite.expired": ({"inviteId"}, {"reason"}),
    "invite.cancelled": ({"inviteId"}, {"reason"}),
    "invite.rejected": ({"inviteId", "reason"}, set()),
    "invite.accept_failed": ({"inviteId", "reason"}, set()),
    "signal": ({"sessionId", "fromUserId", "kind", "data"}, set()),
    "points.changed": ({"left", "used", "held", "resetsAt"}, set()),
}


def bare(push: Push) -> Push:
    """The push without its `occurredAt` (checked once, for every type, below)."""
    return Push(push.user_id, {k: v for k, v in push.body.items() if k != "occurredAt"})


def started(invite_id: str | None = None, limited_by: tuple[str, ...] = ()) -> SessionStarted:
    return SessionStarted(
        session_id="s1",
        participants=(A, B),
        starts_at=T0,
        ends_at=T0 + timedelta(minutes=7),
        media_mode="direct",
        room="s1",
        origin="invite" if invite_id else "match",
        invite_id=invite_id,
        limited_by=limited_by,
    )


def ended(seconds: float) -> SessionEnded:
    return SessionEnded(
        session_id="s1",
        participants=(A, B),
        started_at=T0,
        ended_at=T0 + timedelta(seconds=seconds),
        reason="time_up",
    )


PROFILE = Profile(name="Ann", speaks=("en",), learns=("es", "pt-BR"))
ONE_OF_EACH = [
    SessionTopicChanged(
        session_id="s1",
        user_ids=("ann", "ben"),
        topic_id="es.B.07",
        language="es",
        band="B",
        text="¿Es mejor vivir en la ciudad o en el campo?",
        n=2,
    ),
    TicketWaiting(ticket_id="t1", user_id="ann", looking_for="tandem", waiting_since=T0),
    TicketRejected(ticket_id="t1", user_id="ann", reason="no_points"),
    TicketCancelled(ticket_id="t1", user_id="ann"),
    started(),
    started("i1"),
    started(limited_by=("ben",)),
    ended(61),
    InviteOpened(
        invite_id="i1", from_user_id="ann", to_user_id="ben", from_profile=PROFILE, expires_at=T0
    ),
    InviteDeclined(invite_id="i1", from_user_id="ann", to_user_id="ben"),
    InviteExpired(invite_id="i1", from_user_id="ann", to_user_id="ben"),
    InviteCancelled(invite_id="i1", from_user_id="ann", to_user_id="ben", reason="busy"),
    InviteRejected(invite_id="i1", from_user_id="ann", to_user_id="ben", reason="in_session"),
    InviteAcceptRejected(invite_id="i1", user_id="ben", reason="no_points"),
    InviteAcceptRefused(invite_id="i1", user_id="ben", reason="expired"),
    SignalRelayed(
        session_id="s1", from_user_id="ann", to_user_id="ben", kind="offer", data={"sdp": "v=0"}
    ),
    PointsChanged(user_id="ann", day=T0.date(), left=3, used=10, held=2, resets_at=T0),
]


def test_every_event_the_notifier_receives_tells_someone_except_connection_bookkeeping() -> None:
    for_notifier = {c.TYPE for c in BUS_EVENTS if Service.NOTIFIER in c.CONSUMERS}
    assert for_notifier - NOTIFYING_TYPES == {
        ConnectionOpened.TYPE,
        ConnectionClosed.TYPE,
        UserErased.TYPE,
    }
    assert {type(e).TYPE for e in ONE_OF_EACH} == NOTIFYING_TYPES


@pytest.mark.parametrize("event", ONE_OF_EACH, ids=lambda e: type(e).TYPE)
def test_pushed_messages_carry_exactly_the_fields_of_the_public_contract(event: object) -> None:
    pushes = pushes_for(event)  # type: ignore[arg-type]
    assert pushes
    for push in pushes:
        kind = push.body["type"]
        required, optional = CONTRACT[kind]
        fields = set(push.body) - {"type", "occurredAt"}
        assert required <= fields, kind
        assert fields <= required | optional, kind
        # Plain JSON, small, and times as ISO-8601 UTC with a Z.
        text = push.data().decode()
        assert json.loads(text) == push.body
        assert push.body["occurredAt"] == stamp(event.occurred_at)  # type: ignore[attr-defined]
        for key in ("startsAt", "endsAt", "startedAt", "endedAt", "expiresAt", "resetsAt"):
            if key in push.body:
                assert push.body[key].endswith("Z")


def test_session_started_tells_both_their_role_and_partner() -> None:
    ann, ben = pushes_for(started())
    assert (ann.user_id, ann.body["role"], ann.body["partner"]) == (
        "ann",
        "offerer",
        {"userId": "ben"},
    )
    assert (ben.user_id, ben.body["role"], ben.body["partner"]) == (
        "ben",
        "answerer",
        {"userId": "ann"},
    )
    assert ann.body["startsAt"] == "2026-03-01T09:00:00Z"
    assert "inviteId" not in ann.body


def test_each_is_told_whose_minutes_left_made_the_session_shorter() -> None:
    ann, ben = pushes_for(started(limited_by=("ben",)))
    assert (ann.body["limitedBy"], ben.body["limitedBy"]) == ("partner", "me")
    ann, ben = pushes_for(started(limited_by=("ann", "ben")))
    assert (ann.body["limitedBy"], ben.body["limitedBy"]) == ("both", "both")
    ann, ben = pushes_for(started())
    assert "limitedBy" not in ann.body
    assert "limitedBy" not in ben.body


def test_a_session_from_an_invite_also_says_the_invite_was_accepted_after_the_start() -> None:
    pushes = pushes_for(started("i1"))
    assert [(p.user_id, p.body["type"]) for p in pushes] == [
        ("ann", "session.started"),
        ("ben", "session.started"),
        ("ann", "invite.accepted"),
        ("ben", "invite.accepted"),
    ]
    assert pushes[0].body["inviteId"] == "i1"
    assert bare(pushes[2]).body == {"type": "invite.accepted", "inviteId": "i1", "sessionId": "s1"}
    assert recipients(pushes) == ["ann", "ben"]


def test_invite_opened_is_received_by_the_invitee_and_pending_for_the_inviter() -> None:
    event = InviteOpened(
        invite_id="i1", from_user_id="ann", to_user_id="ben", from_profile=PROFILE, expires_at=T0
    )
    received, pending = pushes_for(event)
    assert bare(received) == Push(
        "ben",
        {
            "type": "invite.received",
            "inviteId": "i1",
            "from": {"userId": "ann", "name": "Ann", "speaks": ["en"], "learns": ["es", "pt-BR"]},
            "expiresAt": "2026-03-01T09:00:00Z",
        },
    )
    assert bare(pending) == Push(
        "ann",
        {
            "type": "invite.pending",
            "inviteId": "i1",
            "to": {"userId": "ben"},
            "expiresAt": "2026-03-01T09:00:00Z",
        },
    )


@pytest.mark.parametrize("cls", [InviteDeclined, InviteExpired])
def test_a_closed_invite_tells_both_people(cls: type[InviteDeclined]) -> None:
    pushes = pushes_for(cls(invite_id="i1", from_user_id="ann", to_user_id="ben"))
    assert {p.user_id for p in pushes} == {"ann", "ben"}
    assert all(bare(p).body == {"type": cls.TYPE, "inviteId": "i1"} for p in pushes)


def test_an_invite_closed_by_a_block_tells_nobody_that_they_were_blocked() -> None:
    event = InviteCancelled(invite_id="i1", from_user_id="ann", to_user_id="ben", reason="blocked")
    pushes = pushes_for(event)
    assert {p.user_id for p in pushes} == {"ann", "ben"}
    assert {bare(p).body["reason"] for p in pushes} == {"busy"}
    busy = InviteCancelled(invite_id="i1", from_user_id="ann", to_user_id="ben", reason="busy")
    assert [bare(p).body for p in pushes] == [bare(p).body for p in pushes_for(busy)]
    assert "blocked" not in json.dumps([bare(p).body for p in pushes])


def test_a_refused_or_rejected_accept_is_an_accept_failure_for_the_invitee_only() -> None:
    for event in (
        InviteAcceptRejected(invite_id="i1", user_id="ben", reason="already_waiting"),
        InviteAcceptRefused(invite_id="i1", user_id="ben", reason="not_pending"),
    ):
        (push,) = pushes_for(event)
        assert push.user_id == "ben"
        assert bare(push).body == {
            "type": "invite.accept_failed",
            "inviteId": "i1",
            "reason": event.reason,
        }


def test_a_signal_goes_only_to_the_other_participant() -> None:
    event = SignalRelayed(
        session_id="s1", from_user_id="ann", to_user_id="ben", kind="candidate", data={"c": 1}
    )
    assert [bare(p) for p in pushes_for(event)] == [
        Push(
            "ben",
            {
                "type": "signal",
                "sessionId": "s1",
                "fromUserId": "ann",
                "kind": "candidate",
                "data": {"c": 1},
            },
        )
    ]


def test_connection_events_tell_nobody() -> None:
    assert pushes_for(ConnectionOpened(connection_id="c", user_id="ann")) == []


@pytest.mark.parametrize(
    ("seconds", "booked", "expected"),
    [
        (0, 15, 1),
        (1, 15, 1),
        (60, 15, 1),
        (60.5, 15, 2),
        (241, 15, 5),
        (900, 15, 15),
        (905, 15, 15),
    ],
)
def test_minutes_used_counts_started_minutes(seconds: float, booked: int, expected: int) -> None:
    assert minutes_used(T0, T0 + timedelta(seconds=seconds), booked) == expected


@given(
    micros=st.integers(min_value=-120 * 10**6, max_value=4 * 3600 * 10**6),
    booked=st.integers(min_value=1, max_value=600),
)
def test_minutes_used_is_at_least_one_and_never_more_than_booked(micros: int, booked: int) -> None:
    used = minutes_used(T0, T0 + timedelta(microseconds=micros), booked)
    assert 1 <= used <= booked
    started_minutes = -(-micros // 60_000_000)  # ceil, in whole numbers
    if 1 <= started_minutes <= booked:
        assert used == started_minutes


def test_session_ended_minutes_are_capped_per_person_by_what_they_booked() -> None:
    ann, ben = pushes_for(ended(9 * 60 + 1))
    assert (ann.body["minutesUsed"], ben.body["minutesUsed"]) == (10, 7)


def test_a_no_show_tells_who_came_that_the_partner_never_did_and_costs_nothing() -> None:
    no_show = ended(50).model_copy(
        update={"reason": "cancelled", "media_tracked": True, "showed_up": (A.user_id,)}
    )
    came, absent = pushes_for(no_show)
    assert (came.user_id, came.body["partnerNoShow"], came.body["minutesUsed"]) == (
        A.user_id,
        True,
        0,
    )
    assert "partnerNoShow" not in absent.body
    assert absent.body["minutesUsed"] == 0


def test_minutes_used_count_from_when_both_were_connected() -> None:
    late = ended(9 * 60 + 1).model_copy(
        update={"media_tracked": True, "connected_at": T0 + timedelta(minutes=5)}
    )
    ann, ben = pushes_for(late)
    assert (ann.body["minutesUsed"], ben.body["minutesUsed"]) == (5, 5)


def test_minutes_used_is_the_charge_the_matcher_worked_out_from_time_together() -> None:
    # In from the start to 9:01, but one of them stepped out: 3 min 10 s together, 4 points,
    # which the ledger charges (and at most what each booked).
    stepped_out = ended(9 * 60 + 1).model_copy(
        update={"media_tracked": True, "connected_at": T0, "minutes_used": 4}
    )
    ann, ben = pushes_for(stepped_out)
    assert (ann.body["minutesUsed"], ben.body["minutesUsed"]) == (4, 4)
    capped = stepped_out.model_copy(update={"minutes_used": 9})
    assert [p.body["minutesUsed"] for p in pushes_for(capped)] == [9, 7]
    never = stepped_out.model_copy(update={"minutes_used": 0})
    assert [p.body["minutesUsed"] for p in pushes_for(never)] == [0, 0]


def test_times_in_other_zones_are_sent_in_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    event = TicketWaiting(
        ticket_id="t1",
        user_id="ann",
        looking_for="anyone",
        waiting_since=datetime(2026, 3, 1, 11, 0, 0, 250000, tzinfo=plus_two),
    )
    (push,) = pushes_for(event)
    assert push.body["waitingSince"] == "2026-03-01T09:00:00.250000Z"


@given(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1)),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1)),
    st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]),
)
def test_occurred_at_stamps_compare_as_strings_in_the_order_of_the_moments(
    a: datetime, b: datetime, zone: timezone
) -> None:
    # The browser orders messages by comparing these strings (docs/api.md, "Order").
    x, y = a.replace(tzinfo=UTC), b.replace(tzinfo=UTC).astimezone(zone)
    assert (stamp(x) < stamp(y)) == (x < y)
    assert (stamp(x) == stamp(y)) == (x == y)
    assert len(stamp(x)) == len("2026-03-01T09:00:00.000000Z")


def test_every_message_of_one_event_carries_the_same_occurred_at() -> None:
    event = started("i1")
    assert {p.body["occurredAt"] for p in pushes_for(event)} == {stamp(event.occurred_at)}
