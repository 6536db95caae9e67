"""What the read models mean for one person, now: pure functions from items to answers.

Items arrive in the read-model contract's shape (docs: DESIGN + the gateway brief); anything
missing or malformed degrades to "nothing there" rather than an error, because another
service's table is not ours to trust blindly. moto never expires TTL items, and AWS deletes
them late, so every expiry is checked here against the clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any, get_args
from zoneinfo import ZoneInfo

from services.gateway.models import (
    InviteView,
    KeptWord,
    PastSession,
    PersonRef,
    Points,
    Preferences,
    Profile,
    Role,
    SessionPartner,
    SessionView,
    TicketView,
    TopicView,
    UiLanguage,
)
from services.wire.events.common import CEFR_LEVELS, Cefr
from services.wire.events.matcher import limited_by_as_seen

Item = Mapping[str, Any]

OPEN_TICKET = frozenset({"requested", "funded", "waiting"})
BUSY_STATES = frozenset({"waiting", "inviting", "in_session"})
# How long a ticket or invite the gateway just minted counts as pending without a trace in
# the matcher's tables (the bus normally takes well under a second).
MINTED_GRACE_S = 30.0


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def day_of(now: datetime, zone: ZoneInfo) -> str:
    """The ledger's day key ("YYYY-MM-DD") in the configured time zone."""
    return now.astimezone(zone).date().isoformat()


def resets_at(now: datetime, zone: ZoneInfo) -> datetime:
    """The next midnight in the day's time zone, in UTC."""
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=zone).astimezone(UTC)


def _count(item: Item | None, name: str, default: int = 0) -> int:
    value = (item or {}).get(name, default)
    return int(value) if isinstance(value, int | float) else default


def points_left(summary: Item | None, daily_points: int) -> int:
    """allowance - charged - held, never below 0; a missing summary is a fresh day."""
    allowance = _count(summary, "allowance", daily_points)
    return max(0, allowance - _count(summary, "charged") - _count(summary, "held"))


def points(summary: Item | None, daily_points: int, now: datetime, zone: ZoneInfo) -> Points:
    """left = allowance - charged - held; a missing summary is a fresh day."""
    charged, held = _count(summary, "charged"), _count(summary, "held")
    return Points(
        left=points_left(summary, daily_points),
        used=max(0, charged),
        held=max(0, held),
        resets_at=iso(resets_at(now, zone)),
    )


def _langs(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def languages(profile: Item | None, name: str) -> tuple[str, ...]:
    """A profile's `speaks` or `learns` as the wire carries them (at most 8)."""
    return tuple(_langs((profile or {}).get(name)))[:8]


def display_name(profile: Item | None, fallback: str | None = None) -> str | None:
    name = (profile or {}).get("name")
    return str(name) if isinstance(name, str) and name else fallback


def _cefr(value: Any) -> Cefr | None:
    return next((c for c in CEFR_LEVELS if c == value), None)


def levels_for(learns: Iterable[str], stored: Any) -> dict[str, Cefr]:
    """The levels of `stored` (a profile's `levels` map) for the languages in `learns`, in
    that order: a level for a language no longer learnt, or not a CEFR level, is dropped."""
    kept = stored if isinstance(stored, Mapping) else {}
    out: dict[str, Cefr] = {}
    for code in learns:
        level = _cefr(kept.get(code))
        if level is not None:
            out[code] = level
    return out


def levels(profile: Item | None) -> dict[str, Cefr]:
    """The person's level per language they learn (only those they said)."""
    return levels_for(languages(profile, "learns"), (profile or {}).get("levels"))


def welcomes_from(profile: Item | None) -> Cefr:
    """The lowest level of learners the person likes to help; A1 (everyone) until they say."""
    return _cefr((profile or {}).get("welcomesFrom")) or "A1"


def preferences(profile: Item | None) -> Preferences:
    ui = (profile or {}).get("uiLanguage")
    return Preferences(
        speaks=_langs((profile or {}).get("speaks")),
        learns=_langs((profile or {}).get("learns")),
        ui_language=ui if ui in get_args(UiLanguage) else None,
        levels=levels(profile),
        welcomes_from=welcomes_from(profile),
    )


def profile_view(user_id: str, profile: Item | None) -> Profile:
    return Profile(
        user_id=user_id,
        name=display_name(profile, "someone") or "someone",
        speaks=preferences(profile).speaks,
        learns=preferences(profile).learns,
    )


def person_ref(user_id: str, names: Mapping[str, Item]) -> PersonRef:
    return PersonRef(user_id=user_id, name=display_name(names.get(user_id)))


# ---- tickets -------------------------------------------------------------------------------


def _recent(at: Any, now: datetime) -> bool:
    minted = parse_iso(at)
    return minted is not None and timedelta(0) <= now - minted <= timedelta(seconds=MINTED_GRACE_S)


def just_minted(profile: Item | None, kind: str, now: datetime) -> str | None:
    """The ticket/invite id the gateway minted for this person moments ago, if any."""
    p = profile or {}
    entity = p.get(f"last{kind}Id")
    return str(entity) if isinstance(entity, str) and _recent(p.get(f"last{kind}At"), now) else None


def open_ticket(tickets: Iterable[Item], profile: Item | None, now: datetime) -> TicketView | None:
    """The person's ticket still in play (newest first), or one just requested."""
    seen: set[str] = set()
    for t in tickets:
        ticket_id = str(t.get("ticketId", ""))
        seen.add(ticket_id)
        if t.get("status") in OPEN_TICKET and ticket_id:
            looking = t.get("lookingFor")
            since = parse_iso(t.get("waitingSince"))
            return TicketView(
                ticket_id=ticket_id,
                status=str(t["status"]),
                looking_for=looking if looking in ("tandem", "one_sided", "anyone") else None,
                waiting_since=iso(since) if since else None,
            )
    minted = just_minted(profile, "Ticket", now)
    if minted and minted not in seen:
        return TicketView(ticket_id=minted, status="requested")
    return None


# ---- sessions ------------------------------------------------------------------------------


def participants(session: Item) -> list[str]:
    ids = session.get("userIds")
    if isinstance(ids, list) and ids:
        return [str(u) for u in ids]
    return [str(p.get("userId")) for p in session.get("participants", []) if isinstance(p, dict)]


def is_live(session: Item | None, now: datetime) -> bool:
    if not session or session.get("status") != "live":
        return False
    ends = parse_iso(session.get("endsAt"))
    return ends is not None and now < ends


def partner_of(session: Item, me: str) -> str | None:
    others = [u for u in participants(session) if u != me]
    return others[0] if others else None


def role_of(session: Item, me: str) -> Role:
    """The first participant creates the direct-mode offer."""
    ids = participants(session)
    return "offerer" if ids and ids[0] == me else "answerer"


def session_view(
    session: Item | None, me: str, names: Mapping[str, Item], now: datetime
) -> SessionView | None:
    if session is None or not is_live(session, now) or me not in participants(session):
        return None
    starts, ends = parse_iso(session.get("startsAt")), parse_iso(session.get("endsAt"))
    partner = partner_of(session, me)
    if starts is None or ends is None or partner is None:
        return None
    mode = session.get("mediaMode")
    return SessionView(
        session_id=str(session["sessionId"]),
        partner=session_partner(partner, names),
        starts_at=iso(starts),
        ends_at=iso(ends),
        media_mode=mode if mode in ("livekit", "direct") else "direct",
        role=role_of(session, me),
        limited_by=limited_by_as_seen([str(u) for u in session.get("limitedBy") or ()], me),
        topic=topic_view(session.get("topic")),
    )


def session_partner(user_id: str, names: Mapping[str, Item]) -> SessionPartner:
    profile = names.get(user_id) or {}
    return SessionPartner(
        user_id=user_id,
        name=display_name(profile),
        speaks=_langs(profile.get("speaks")),
        learns=_langs(profile.get("learns")),
    )


def topic_view(topic: Any) -> TopicView | None:
    """The session's current prompt as the matcher wrote it (`topic` on the session)."""
    if not isinstance(topic, Mapping):
        return None
    fields = (topic.get(k) for k in ("topicId", "language", "band", "text", "n"))
    topic_id, language, band, text, n = fields
    if not (isinstance(topic_id, str) and isinstance(language, str) and isinstance(text, str)):
        return None
    # Numbers inside a map come back as Decimal.
    if band not in ("A", "B", "C") or not isinstance(n, int | Decimal) or n < 1:
        return None
    return TopicView(topic_id=topic_id, language=language, band=band, text=text, n=int(n))


# ---- invites -------------------------------------------------------------------------------


def invite_is_open(invite: Item | None, now: datetime) -> bool:
    if not invite or invite.get("status") != "pending":
        return False
    due = parse_iso(invite.get("expiresAtIso"))
    return due is not None and now < due


def invite_view(
    invite: Item, me: str, my_name: str, names: Mapping[str, Item], now: datetime
) -> InviteView | None:
    if not invite_is_open(invite, now):
        return None
    sender, receiver = str(invite.get("fromUserId", "")), str(invite.get("toUserId", ""))
    if me not in (sender, receiver) or not sender or not receiver:
        return None
    due = parse_iso(invite["expiresAtIso"])
    assert due is not None  # invite_is_open checked it
    shown = invite.get("fromProfile")
    from_profile = profile_view(sender, shown if isinstance(shown, dict) else names.get(sender))
    incoming = receiver == me
    return InviteView(
        invite_id=str(invite["inviteId"]),
        direction="incoming" if incoming else "outgoing",
        from_=from_profile,
        to=PersonRef(user_id=me, name=my_name) if incoming else person_ref(receiver, names),
        expires_at=iso(due),
    )


# ---- history -------------------------------------------------------------------------------


def past_session(row: Item, names: Mapping[str, Item], now: datetime) -> PastSession | None:
    """One finished session from the person's history (rows not yet ended are left out)."""
    expires = row.get("expiresAt")
    if isinstance(expires, int | float) and expires <= now.timestamp():
        return None
    started, ended = parse_iso(row.get("startsAt")), parse_iso(row.get("endedAt"))
    partner = row.get("partnerId")
    if started is None or ended is None or not isinstance(partner, str):
        return None
    reason = row.get("reason")
    return PastSession(
        session_id=str(row.get("sessionId", "")),
        partner=person_ref(partner, names),
        started_at=iso(started),
        ended_at=iso(ended),
        minutes=max(0, _count(row, "minutes")),
        reason=reason if isinstance(reason, str) and reason else None,
        words=kept_words(row) or None,
    )


def kept_words(row: Item) -> list[KeptWord]:
    """The words starred from a session's chat, as its history row keeps them (oldest first);
    anything malformed is left out."""
    out: list[KeptWord] = []
    words = row.get("words")
    for word in words if isinstance(words, list) else []:
        saved = parse_iso(word.get("savedAt")) if isinstance(word, Mapping) else None
        if saved is None or not isinstance(word.get("text"), str) or not word.get("wordId"):
            continue
        out.append(
            KeptWord(word_id=str(word["wordId"]), text=str(word["text"]), saved_at=iso(saved))
        )
    return out


# ---- presence and availability -------------------------------------------------------------


def is_online(presence: Item | None, now: datetime) -> bool:
    """An open connection (`shard` present) whose lease has not run out."""
    if not presence or not presence.get("shard"):
        return False
    expires = presence.get("expiresAt")
    return isinstance(expires, int | float) and expires > now.timestamp()


def state_of(person: Item | None) -> str:
    """What the matcher says the person is doing; no item means free."""
    state = (person or {}).get("state")
    return str(state) if isinstance(state, str) and state else "free"
