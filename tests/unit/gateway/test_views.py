"""Read-model items → what one person is told, now (pure; clocks are arguments)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from services.gateway.people.views import (
    day_of,
    invite_view,
    is_live,
    is_online,
    iso,
    open_ticket,
    past_session,
    points,
    resets_at,
    role_of,
    session_view,
    state_of,
)

NOW = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)
UTCZ = ZoneInfo("UTC")


def at(seconds: float) -> str:
    return iso(NOW + timedelta(seconds=seconds))


def test_a_missing_summary_is_a_fresh_day() -> None:
    p = points(None, 15, NOW, UTCZ)
    assert (p.left, p.used, p.held, p.resets_at) == (15, 0, 0, "2026-03-29T00:00:00Z")


def test_left_is_allowance_minus_charged_minus_held_and_never_negative() -> None:
    assert points({"allowance": 15, "charged": 4, "held": 6}, 15, NOW, UTCZ).left == 5
    assert points({"allowance": 15, "charged": 12, "held": 6}, 15, NOW, UTCZ).left == 0
    # The day's allowance is what it was when the day began, not today's setting.
    assert points({"allowance": 10, "charged": 0, "held": 0}, 15, NOW, UTCZ).left == 10


def test_the_day_and_its_reset_follow_the_configured_zone_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")  # DST starts 2026-03-29 02:00 local
    assert day_of(NOW, berlin) == "2026-03-28"  # 23:30 local
    assert iso(resets_at(NOW, berlin)) == "2026-03-28T23:00:00Z"
    later = NOW + timedelta(hours=2)  # 01:30 local on the 29th, still CET (+1)
    assert day_of(later, berlin) == "2026-03-29"
    assert iso(resets_at(later, berlin)) == "2026-03-29T22:00:00Z"  # midnight CEST (+2)


def test_the_open_ticket_is_the_newest_in_play() -> None:
    tickets = [
        {"ticketId": "t3", "status": "cancelled"},
        {"ticketId": "t2", "status": "waiting", "lookingFor": "tandem", "waitingSince": at(-5)},
        {"ticketId": "t1", "status": "matched"},
    ]
    view = open_ticket(tickets, None, NOW)
    assert view is not None
    assert (view.ticket_id, view.status, view.looking_for) == ("t2", "waiting", "tandem")
    assert open_ticket(tickets[:1], None, NOW) is None


def test_a_ticket_just_minted_counts_until_the_matcher_has_it() -> None:
    profile = {"lastTicketId": "t9", "lastTicketAt": at(-2)}
    view = open_ticket([], profile, NOW)
    assert view is not None
    assert (view.ticket_id, view.status) == ("t9", "requested")
    # Once the matcher recorded it, its own status rules (here: rejected → nothing open).
    assert open_ticket([{"ticketId": "t9", "status": "rejected"}], profile, NOW) is None
    # And an old mint is forgotten.
    assert open_ticket([], {"lastTicketId": "t9", "lastTicketAt": at(-300)}, NOW) is None


SESSION = {
    "sessionId": "s1",
    "status": "live",
    "userIds": ["alice", "bob"],
    "startsAt": at(-60),
    "endsAt": at(600),
    "mediaMode": "direct",
}


def test_a_session_is_live_until_its_end_even_if_the_item_still_says_live() -> None:
    assert is_live(SESSION, NOW)
    assert not is_live({**SESSION, "endsAt": at(-1)}, NOW)
    assert not is_live({**SESSION, "status": "ended"}, NOW)
    assert not is_live(None, NOW)


def test_the_first_participant_offers_and_the_other_answers() -> None:
    assert role_of(SESSION, "alice") == "offerer"
    assert role_of(SESSION, "bob") == "answerer"
    by_participants = {"participants": [{"userId": "bob"}, {"userId": "alice"}]}
    assert role_of(by_participants, "bob") == "offerer"


def test_session_view_names_the_partner_and_hides_other_peoples_sessions() -> None:
    names = {"bob": {"userId": "bob", "name": "Bob"}}
    view = session_view(SESSION, "alice", names, NOW)
    assert view is not None
    assert view.partner.user_id == "bob"
    assert view.partner.name == "Bob"
    assert view.role == "offerer"
    assert view.ends_at == SESSION["endsAt"]
    assert session_view(SESSION, "mallory", names, NOW) is None
    assert view.limited_by is None
    assert "limitedBy" not in view.model_dump(by_alias=True, exclude_none=False)


def test_session_view_says_whose_minutes_left_made_the_session_shorter() -> None:
    short = {**SESSION, "limitedBy": ["bob"]}
    mine, theirs = session_view(short, "alice", {}, NOW), session_view(short, "bob", {}, NOW)
    assert (mine and mine.limited_by, theirs and theirs.limited_by) == ("partner", "me")
    both = session_view({**SESSION, "limitedBy": ["alice", "bob"]}, "alice", {}, NOW)
    assert both is not None
    assert both.limited_by == "both"


INVITE = {
    "inviteId": "i1",
    "fromUserId": "alice",
    "toUserId": "bob",
    "status": "pending",
    "expiresAtIso": at(30),
    "fromProfile": {"name": "Alice", "speaks": ["en"], "learns": ["es"]},
}


def test_an_invite_reads_incoming_for_the_invitee_and_outgoing_for_the_inviter() -> None:
    names = {"bob": {"name": "Bob"}}
    incoming = invite_view(INVITE, "bob", "Bob", {}, NOW)
    outgoing = invite_view(INVITE, "alice", "Alice", names, NOW)
    assert incoming is not None
    assert outgoing is not None
    assert incoming.direction == "incoming"
    assert incoming.from_.speaks == ["en"]
    assert outgoing.direction == "outgoing"
    assert outgoing.to.name == "Bob"
    assert invite_view(INVITE, "carol", "Carol", {}, NOW) is None


def test_an_invite_past_its_deadline_is_not_shown_even_if_still_pending() -> None:
    assert invite_view({**INVITE, "expiresAtIso": at(-1)}, "bob", "Bob", {}, NOW) is None
    assert invite_view({**INVITE, "status": "accepted"}, "bob", "Bob", {}, NOW) is None


def test_history_leaves_out_unfinished_and_expired_rows() -> None:
    row = {
        "sessionId": "s1",
        "partnerId": "bob",
        "startsAt": at(-900),
        "endsAt": at(-300),
        "endedAt": at(-400),
        "minutes": 9,
        "reason": "stopped",
        "expiresAt": int(NOW.timestamp()) + 86400,
    }
    past = past_session(row, {}, NOW)
    assert past is not None
    assert (past.minutes, past.reason) == (9, "stopped")
    assert past_session({**row, "endedAt": None}, {}, NOW) is None
    assert past_session({**row, "expiresAt": int(NOW.timestamp()) - 1}, {}, NOW) is None


def test_online_means_a_shard_and_an_unexpired_lease() -> None:
    live = {"userId": "bob", "shard": "online#1", "expiresAt": NOW.timestamp() + 60}
    assert is_online(live, NOW)
    assert not is_online({**live, "expiresAt": NOW.timestamp() - 1}, NOW)
    assert not is_online({k: v for k, v in live.items() if k != "shard"}, NOW)
    assert not is_online(None, NOW)


def test_no_matcher_item_means_free() -> None:
    assert state_of(None) == "free"
    assert state_of({"state": "in_session"}) == "in_session"
