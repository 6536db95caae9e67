"""Pure pieces around the pairing core: session arithmetic, ids, outbox encoding, settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from services.matcher.clock import iso, next_midnight, parse_iso
from services.matcher.core.pairing import Pairing
from services.matcher.core.rules import (
    end_time,
    ended_event,
    minutes_used,
    plan_invite,
    plan_match,
    session_length,
)
from services.matcher.core.waiting import Level, Waiting
from services.matcher.settings import MatcherSettings
from services.matcher.tables import outbox
from services.matcher.tables.items import Tables, person_to
from services.matcher.tables.records import Invite, Person, Session
from services.wire.events import REGISTRY
from services.wire.events.common import Profile
from services.wire.events.timers import SessionEndDue

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_session_lasts_what_both_can_pay_for_at_most_the_cap() -> None:
    assert session_length(15, 9, 15) == 9
    assert session_length(40, 30, 15) == 15
    assert session_length(1, 15, 15) == 1


def test_every_started_minute_counts_and_never_more_than_the_session() -> None:
    assert minutes_used(T0, T0 + timedelta(seconds=5), 15) == 1
    assert minutes_used(T0, T0 + timedelta(seconds=60), 15) == 1
    assert minutes_used(T0, T0 + timedelta(seconds=61), 15) == 2
    assert minutes_used(T0, T0 + timedelta(minutes=20), 15) == 15


def test_the_same_pair_gets_the_same_session_and_event_ids_every_time() -> None:
    a = Waiting("ta", "alice", ("en",), ("es",), since=T0.timestamp(), minutes=15)
    b = Waiting("tb", "bob", ("es",), ("en",), since=T0.timestamp() + 3, minutes=9)
    one = plan_match(Pairing(a, b, Level.TANDEM), T0, 15, "direct")
    again = plan_match(Pairing(a, b, Level.TANDEM), T0 + timedelta(seconds=9), 15, "direct")
    assert one.session_id == again.session_id
    assert one.started().id == again.started().id
    assert one.ends_at - one.starts_at == timedelta(minutes=9)
    assert [p.user_id for p in one.participants] == ["alice", "bob"]
    assert [p.hold_id for p in one.participants] == ["ta", "tb"]


def test_an_invite_session_puts_the_inviter_first_with_the_invite_hold() -> None:
    invite = Invite("i1", "alice", "pending", to_user_id="bob", minutes=12)
    plan = plan_invite(invite, 20, T0, 15, "livekit")
    assert [(p.user_id, p.hold_id, p.minutes) for p in plan.participants] == [
        ("alice", "i1", 12),
        ("bob", "i1.accept", 20),
    ]
    assert plan.ends_at - plan.starts_at == timedelta(minutes=12)
    assert plan.started().origin == "invite"
    assert plan.started().limited_by == ("alice",)


def _match(minutes_a: int, minutes_b: int, cap: int = 15) -> tuple[str, ...]:
    a = Waiting("ta", "alice", (), (), since=T0.timestamp(), minutes=minutes_a)
    b = Waiting("tb", "bob", (), (), since=T0.timestamp(), minutes=minutes_b)
    return plan_match(Pairing(a, b, Level.ANYONE), T0, cap, "direct").started().limited_by


def test_the_session_names_whose_minutes_left_made_it_shorter() -> None:
    assert _match(15, 4) == ("bob",)
    assert _match(4, 15) == ("alice",)
    assert _match(4, 4) == ("alice", "bob")
    assert _match(15, 15) == ()  # the full length: nobody to name
    assert _match(20, 15) == ()  # balances above the cap do not shorten anything
    assert _match(12, 15, cap=12) == ()


def test_a_late_end_never_stretches_the_session_and_the_end_event_is_stable() -> None:
    plan = plan_match(
        Pairing(Waiting("ta", "a", (), (), 0.0), Waiting("tb", "b", (), (), 1.0), Level.ANYONE),
        T0,
        15,
        "direct",
    )
    session = Session(
        plan.session_id,
        "live",
        plan.participants,
        plan.starts_at,
        plan.ends_at,
        "direct",
        plan.room,
        "match",
    )
    assert end_time(session, T0 + timedelta(hours=1)) == plan.ends_at
    assert end_time(session, T0 + timedelta(minutes=3)) == T0 + timedelta(minutes=3)
    first = ended_event(session, plan.ends_at, "time_up", None)
    assert first.id == ended_event(session, plan.ends_at, "stopped", "a").id


def test_outbox_actions_survive_the_round_trip_through_the_table() -> None:
    timer = SessionEndDue(session_id="s1", due_at=T0)
    actions = [outbox.room_create("s1"), outbox.timer(timer, T0), outbox.room_delete("s1")]
    back = outbox.decode(outbox.encode(actions))
    assert back == actions
    assert REGISTRY.parse(back[1].body) == timer
    assert parse_iso(back[1].due_at) == T0


def test_times_are_fixed_width_utc_text_that_sorts_like_time() -> None:
    early, late = T0, T0 + timedelta(milliseconds=5)
    assert iso(early) == "2026-03-01T12:00:00.000Z"
    assert iso(early) < iso(late)
    assert parse_iso(iso(late)) == late


def test_midnight_is_taken_in_the_days_time_zone() -> None:
    from zoneinfo import ZoneInfo

    assert next_midnight(T0, ZoneInfo("UTC")) == datetime(2026, 3, 2, tzinfo=UTC)
    tokyo = next_midnight(T0, ZoneInfo("Asia/Tokyo"))  # 21:00 there: midnight is 3 h away
    assert tokyo == T0 + timedelta(hours=3)


def test_a_person_moves_only_from_the_state_that_was_read() -> None:
    tables = Tables.for_prefix("p")
    free = person_to(tables, Person("u"), "waiting", T0, ticket_id="t1")["Update"]
    assert "attribute_not_exists(userId)" in free["ConditionExpression"]
    busy = Person("u", "in_session", session_id="s1", exists=True)
    update = person_to(tables, busy, "free", T0)["Update"]
    assert update["ConditionExpression"] == "#state = :was AND sessionId = :ref"
    assert update["ExpressionAttributeValues"][":ref"] == {"S": "s1"}
    assert "REMOVE ticketId, sessionId, inviteId" in update["UpdateExpression"]


def test_settings_refuse_thresholds_out_of_order_and_livekit_without_keys() -> None:
    with pytest.raises(ValidationError, match="RELAX_ANYONE_S"):
        MatcherSettings(relax_one_sided_s=40, relax_anyone_s=30)
    with pytest.raises(ValidationError, match="LIVEKIT"):
        MatcherSettings(media_mode="livekit", livekit_url="http://lk", livekit_api_key="k")
    ok = MatcherSettings(relax_one_sided_s=5, relax_anyone_s=5)
    assert ok.relax.level(5) == Level.ANYONE


def test_an_invite_record_reads_back_its_profile() -> None:
    item = {
        "inviteId": "i1",
        "fromUserId": "alice",
        "toUserId": "bob",
        "status": "pending",
        "expiresAtIso": iso(T0),
        "fromProfile": {"name": "Alice", "speaks": ["en"], "learns": []},
        "minutes": 15,
    }
    invite = Invite.from_item(item)
    assert invite.from_profile == Profile(name="Alice", speaks=("en",))
    assert invite.expires_at == T0
