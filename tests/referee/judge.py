"""`judge(facts)`: what must have happened by Parley's rules, computed from raw facts only, then
compared with what the services stored and what people were told.

Expectations come from the requests, the pushes that announce sessions, the media's own room
log and the clock. The tables are read only to be compared; they never feed an expectation.
Every check names the session or person and says what differs.

Being told: pushes are hints and `GET /v1/me` is the truth the SPA re-reads on every
(re)connect (docs/api.md, WebSocket). So a session a `GET /v1/me` answer shows was announced,
a session a `GET /v1/me` sent after its end no longer shows was told to have ended, and the
points a person saw last are those of their latest push, or of a `GET /v1/me` sent after it.
Times the services wrote are compared at the millisecond they store (tests/referee/facts.py).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

from tests.referee.facts import (
    MINUTE,
    SECOND,
    Days,
    Facts,
    Micros,
    Request,
    Span,
    micros,
    same_moment,
    seconds,
    show,
    stored,
)
from tests.referee.rules import (
    Outcome,
    Presence,
    Session,
    Setting,
    from_connected,
    from_room_log,
    in_force_from,
    judge_session,
)

OPEN_HOLDS = frozenset({"held", "in_session"})
OPEN_TICKETS = frozenset({"requested", "funded", "waiting"})
_SESSION_PATH = re.compile(r"^/v1/sessions/([^/]+)/(stop|connected|join|signal)$")
_ACCEPT_PATH = re.compile(r"^/v1/invites/([^/]+)/accept$")


@dataclass
class SessionExpectation:
    """What the rules say about one session, for reports."""

    session_id: str
    people: tuple[str, str]
    starts_at: str
    ends_at: str
    length_minutes: int
    reasons: dict[str, dict[str, Any]]  # reason → {"endedAt": [lo, hi], "charge": [lo, hi], …}
    first_together: list[str] | None
    days: dict[str, list[str]]  # the day(s) each person's hold may belong to
    observed: dict[str, Any] = field(default_factory=dict)


@dataclass
class Verdict:
    differences: list[str]
    sessions_judged: int
    sessions: dict[str, SessionExpectation]

    @property
    def ok(self) -> bool:
        return not self.differences


@dataclass
class _Known:
    """A session with the model's reading of it."""

    session: Session
    verdict: Any
    days: dict[str, list[date]]
    charge: tuple[int, int] = (0, 0)  # the one both pay, by the outcome taken
    ended: Span | None = None  # by the outcome taken (None: still going)


class _Referee:
    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        cfg = facts["config"]
        self.daily = int(cfg["dailyPoints"])
        self.cap = int(cfg["sessionMinutes"])
        self.mode = cfg.get("mediaMode", "direct")
        self.days = Days(cfg.get("zone", "UTC"))
        self.setting = Setting(
            no_show=round(float(cfg["noShowS"]) * SECOND),
            grace=round(float(cfg["mediaGraceS"]) * SECOND),
        )
        self.invite_timeout = round(float(cfg["inviteTimeoutS"]) * SECOND)
        window = facts["window"]
        self.window = Span(micros(window["startedAt"]), micros(window["endedAt"]))
        self.open_tabs = set(window.get("openTabs", []))
        self.tables = facts.get("tables", {})
        self.requests = sorted(facts.get("requests", []), key=lambda r: micros(r["sentAt"]))
        self.out: list[str] = []
        self.known: dict[str, _Known] = {}

    def differ(self, text: str) -> None:
        self.out.append(text)

    def table(self, name: str) -> list[dict[str, Any]]:
        return list(self.tables.get(name, []))

    def _item(self, sid: str) -> dict[str, Any] | None:
        return next(
            (i for i in self.table("matcher-sessions") if str(i.get("sessionId")) == sid), None
        )

    # -- sessions, as announced -----------------------------------------------------------------

    def announced(self) -> dict[str, Session]:
        """The sessions people were told of: by a `session.started` push or, pushes being
        hints, by a `GET /v1/me` answer showing it (the truth the SPA re-reads on every
        (re)connect)."""
        started: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for push in self.facts.get("pushes", []):
            msg = push["message"]
            if msg.get("type") == "session.started":
                started[str(msg["sessionId"])].append(msg | {"_to": push["person"]})
        shown: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in self.requests:
            if r["method"] != "GET" or r["path"] != "/v1/me" or int(r["status"]) != 200:
                continue
            session = (r.get("answer") or {}).get("session")
            if isinstance(session, dict) and session.get("sessionId"):
                shown[str(session["sessionId"])].append(session | {"_to": r["person"]})
        for sid, msgs in shown.items():
            if sid not in started:
                # Which invite (if any) it came from is not shown: the table names it.
                item = self._item(sid) or {}
                started[sid] = [m | {"inviteId": item.get("inviteId")} for m in msgs]
        sessions: dict[str, Session] = {}
        for sid, msgs in started.items():
            people = _people_of(msgs)
            if people is None:
                self.differ(f"session {sid}: its session.started pushes name {_names(msgs)}")
                continue
            first = msgs[0]
            times = {(stored(micros(m["startsAt"])), stored(micros(m["endsAt"]))) for m in msgs}
            if len(times) > 1:
                told = sorted({(m["startsAt"], m["endsAt"]) for m in msgs})
                self.differ(f"session {sid}: the two were told different times {told}")
            sessions[sid] = Session(
                sid,
                people,
                micros(first["startsAt"]),
                micros(first["endsAt"]),
                first.get("inviteId"),
            )
        for item in self.table("matcher-sessions"):
            sid = str(item["sessionId"])
            users = tuple(item.get("userIds", ()))
            if sid in sessions:
                s = sessions[sid]
                if set(users) != set(s.people):
                    self.differ(f"session {sid}: table has people {users}, pushes {s.people}")
                for key, told in (("startsAt", s.starts_at), ("endsAt", s.ends_at)):
                    if key in item and not same_moment(micros(item[key]), told):
                        self.differ(
                            f"session {sid}: table {key} {item[key]}, people were told {show(told)}"
                        )
                continue
            if len(users) != 2:
                continue
            self.differ(
                f"session {sid} ({', '.join(users)}) is in the tables; nobody was told (no "
                "session.started, no GET /v1/me showing it)"
            )
            sessions[sid] = Session(
                sid,
                (str(users[0]), str(users[1])),
                micros(item["startsAt"]),
                micros(item["endsAt"]),
                item.get("inviteId"),
            )
        return sessions

    def presence(self, s: Session) -> None:
        """Who was in the room when: the media's own log (livekit) or `connected` (direct);
        and the first Stop."""
        stops = [r for p in s.people for r in self._session_requests(s, p, "stop")]
        if stops:
            s.stop = Span(
                min(micros(r["sentAt"]) for r in stops),
                min(micros(r["answeredAt"]) for r in stops),
            )
        if self.mode == "livekit":
            self.room_presence(s)
            return
        early: dict[str, Micros | None] = {}
        late: dict[str, Micros | None] = {}
        for p in s.people:
            mine = self._session_requests(s, p, "connected")
            early[p] = min((micros(r["sentAt"]) for r in mine), default=None)
            late[p] = min((micros(r["answeredAt"]) for r in mine), default=None)
        s.early = from_connected(early, s.people, s.starts_at, s.ends_at)
        s.late = from_connected(late, s.people, s.starts_at, s.ends_at)

    def room_presence(self, s: Session) -> None:
        """livekit: the media's room log, each entry once, by its stamp. The matcher settles
        from the log as it stands when it ends the session (docs/api.md): an entry Parley
        heard before any rule could have come into force counts; one heard after someone was
        told the session ended does not; one heard in between may or may not, so it makes
        the most and the least presence the facts allow."""
        seen: set[str] = set()
        heard: list[tuple[Micros | None, tuple[Micros, str, str]]] = []
        for e in self.facts.get("roomLog", []):
            if e["room"] != s.session_id or e["id"] in seen:
                continue
            seen.add(e["id"])
            at = micros(e["at"])
            # Absent: heard at its stamp; null: never heard (the media gave up on it).
            delivered = e.get("deliveredAt", e["at"])
            heard.append((micros(delivered) if delivered else None, (at, e["identity"], e["kind"])))
        told = [
            micros(p["receivedAt"])
            for p in self.facts.get("pushes", [])
            if p["message"].get("type") == "session.ended"
            and p["message"].get("sessionId") == s.session_id
        ]
        decided = min(told, default=self.window.hi)
        before = [entry for when, entry in heard if when is not None and when <= decided]
        full = from_room_log(before, s.people, s.starts_at, s.ends_at)
        s.early, s.late = full, full
        force = in_force_from(s, self.setting)
        sure = [entry for when, entry in heard if when is not None and when <= force]
        maybe = [entry for when, entry in heard if when is not None and force < when <= decided]
        if maybe:
            ins = [e for e in maybe if e[2] == "in"]
            outs = [e for e in maybe if e[2] != "in"]
            s.early = from_room_log(sure + ins, s.people, s.starts_at, s.ends_at)
            s.late = from_room_log(sure + outs, s.people, s.starts_at, s.ends_at)

    def _session_requests(self, s: Session, person: str, action: str) -> list[Request]:
        out = []
        for r in self.requests:
            m = _SESSION_PATH.match(r["path"])
            if (
                m
                and r["method"] == "POST"
                and r["person"] == person
                and m.group(1) == s.session_id
                and m.group(2) == action
                and 200 <= int(r["status"]) < 300
            ):
                out.append(r)
        return out

    # -- the day each person's hold belongs to ---------------------------------------------------

    def funding(self, s: Session, person: str) -> Span:
        """When the ledger placed the hold that funds `person` in `s`: after the request that
        asked for it was sent, before the session started."""
        asked: Request | None = None
        for r in self.requests:
            if r["person"] != person or micros(r["sentAt"]) > s.starts_at:
                continue
            # A request whose answer never came (status 0: the gateway died mid-reply) may
            # have been carried out all the same: it may have funded the session too.
            if not (200 <= int(r["status"]) < 300 or int(r["status"]) == 0):
                continue
            if r["method"] != "POST":
                continue
            answer = r.get("answer") or {}
            if s.invite_id is None and r["path"] == "/v1/queue":
                asked = r
            elif s.invite_id is not None and r["path"] == "/v1/invites":
                if answer.get("inviteId") == s.invite_id:
                    asked = r
            elif (
                s.invite_id is not None
                and (m := _ACCEPT_PATH.match(r["path"]))
                and m.group(1) == s.invite_id
            ):
                asked = r
        if asked is None:
            self.differ(f"session {s.session_id}: no request of {person} that could have funded it")
            return Span(self.window.lo, s.starts_at)
        sent = micros(asked["sentAt"])
        # A push received saying points are held (or the ticket waits) proves the hold was
        # placed by then: only its arrival is used, never what day it claims.
        proofs = [
            micros(p["receivedAt"])
            for p in self.facts.get("pushes", [])
            if p["person"] == person
            and sent <= micros(p["receivedAt"]) <= s.starts_at
            and (
                (p["message"].get("type") == "points.changed" and int(p["message"]["held"]) > 0)
                or (
                    p["message"].get("type") == "ticket.waiting"
                    and p["message"].get("ticketId") == (asked.get("answer") or {}).get("ticketId")
                )
            )
        ]
        return Span(sent, min([s.starts_at, *proofs]))

    # -- each session ------------------------------------------------------------------------------

    def judge_sessions(self) -> None:
        sessions = self.announced()
        for s in sorted(sessions.values(), key=lambda x: (x.starts_at, x.session_id)):
            self.presence(s)
            days = {p: self.days.within(self.funding(s, p)) for p in s.people}
            known = _Known(s, judge_session(s, self.setting), days)
            self.known[s.session_id] = known
            self.check_length(known)
            self.check_end(known)

    def earlier_charges(self, s: Session, person: str, day: date) -> tuple[int, int]:
        """What `person` was surely / at most charged on `day` before `s` started."""
        lo = hi = 0
        for k in self.known.values():
            if k.session is s or person not in k.session.people:
                continue
            if k.session.starts_at >= s.starts_at:
                continue
            if day in k.days[person]:
                hi += k.charge[1]
                if k.days[person] == [day]:
                    lo += k.charge[0]
        return lo, hi

    def check_length(self, k: _Known) -> None:
        s = k.session
        sid, length = s.session_id, s.ends_at - s.starts_at
        if length % MINUTE or length <= 0:
            self.differ(f"session {sid}: length {seconds(length)} is not whole minutes")
            return
        lo_all, hi_all = self.cap, self.cap
        for p in s.people:
            lows, highs = [], []
            for day in k.days[p]:
                charged_lo, charged_hi = self.earlier_charges(s, p, day)
                lows.append(max(0, self.daily - charged_hi))
                highs.append(max(0, self.daily - charged_lo))
            balance_lo, balance_hi = min(lows), max(highs)
            if balance_hi <= 0:
                self.differ(
                    f"session {sid}: {p} had no points left on "
                    f"{_days(k.days[p])} by the model's books and should have been refused"
                )
            lo_all, hi_all = min(lo_all, balance_lo), min(hi_all, balance_hi)
        minutes = s.length_minutes
        if not lo_all <= minutes <= hi_all:
            self.differ(
                f"session {sid}: lasts {minutes} min; the smaller balance (at most "
                f"{self.cap}) by the model's books is {_range(lo_all, hi_all)}"
            )

    def check_end(self, k: _Known) -> None:
        s, v = k.session, k.verdict
        sid = s.session_id
        item = next(
            (i for i in self.table("matcher-sessions") if str(i.get("sessionId")) == sid), None
        )
        ended_pushes = {
            p["person"]: p["message"]
            for p in self.facts.get("pushes", [])
            if p["message"].get("type") == "session.ended" and p["message"].get("sessionId") == sid
        }
        over = s.ends_at <= self.window.hi or bool(ended_pushes)
        if item is not None and item.get("status") != "ended":
            if over:
                self.differ(
                    f"session {sid} ({', '.join(s.people)}) is still {item.get('status')} at "
                    f"{show(self.window.hi)}, past its end {show(s.ends_at)}"
                )
            return
        reason = item.get("reason") if item else None
        ended_at = item.get("endedAt") if item else None
        if item is None:
            told = next(iter(ended_pushes.values()), None)
            if told is None:
                if over:
                    self.differ(f"session {sid}: never ended, and nobody was told it did")
                return
            reason, ended_at = told.get("reason"), told.get("endedAt")
        outcome = v.outcomes.get(str(reason))
        allowed = _allowed(v.outcomes)
        if outcome is None:
            self.differ(
                f"session {sid} ({', '.join(s.people)}): ended {reason}; the rules give {allowed}"
            )
        elif ended_at is None or not outcome.ended.holds(micros(ended_at)):
            self.differ(
                f"session {sid}: ended {reason} at {ended_at}; the rules give {outcome.ended}"
            )
        taken = outcome or _union(v.outcomes)
        k.charge, k.ended = taken.charge, taken.ended
        if item is not None and "minutesUsed" in item:
            self._charge_is(sid, "the session table's minutesUsed", item["minutesUsed"], taken)
        if item is not None and item.get("connectedAt") and v.first_together is not None:
            at = micros(item["connectedAt"])
            if reason != "cancelled" and not v.first_together.holds(at):
                self.differ(
                    f"session {sid}: connectedAt {item['connectedAt']}; the first moment both "
                    f"were in is {v.first_together}"
                )
        if v.first_together is None and item is not None and item.get("connectedAt"):
            self.differ(
                f"session {sid}: connectedAt {item['connectedAt']}, but the two were never in "
                "the room together"
            )
        for p in s.people:
            told = ended_pushes.get(p)
            if told is None:
                if not self.seen_over(s, p, ended_at):
                    self.differ(
                        f"session {sid}: {p} was never told it ended (no session.ended, and no "
                        "GET /v1/me sent after its end shows it over)"
                    )
                continue
            if told.get("reason") != reason:
                self.differ(
                    f"session {sid}: {p} was told it ended {told.get('reason')}, the tables say "
                    f"{reason}"
                )
            if (
                told.get("endedAt")
                and ended_at
                and not same_moment(micros(told["endedAt"]), micros(ended_at))
            ):
                self.differ(
                    f"session {sid}: {p} was told it ended at {told['endedAt']}, the tables say "
                    f"{ended_at}"
                )
            self._charge_is(sid, f"{p}'s session.ended minutesUsed", told.get("minutesUsed"), taken)
            self._no_show_flag(k, p, told, reason)
        self.check_charges(k, taken)

    def seen_over(self, s: Session, person: str, ended_at: Any) -> bool:
        """Pushes are hints; `GET /v1/me`, which the SPA re-reads on every (re)connect, is the
        truth (docs/api.md, WebSocket). A person whose `session.ended` was lost (a socket down
        when it was pushed) was told the session ended when a `GET /v1/me` they sent after its
        end no longer shows it. (What it cost them reaches them with the same answer's points,
        judged with the rest of their points.)"""
        if not isinstance(ended_at, str):
            return False
        end = micros(ended_at)
        for r in self.requests:
            if r["person"] != person or r["method"] != "GET" or r["path"] != "/v1/me":
                continue
            if int(r["status"]) != 200 or micros(r["sentAt"]) < end:
                continue
            shown = (r.get("answer") or {}).get("session") or {}
            if shown.get("sessionId") != s.session_id:
                return True
        return False

    def _charge_is(self, sid: str, what: str, got: Any, o: Outcome) -> None:
        lo, hi = o.charge
        if got is None or not lo <= int(got) <= hi:
            self.differ(
                f"session {sid}: {what} is {got}; by the rules {_range(lo, hi)} "
                f"(together {_span_s(o.together)}, ended {o.reason} at {o.ended})"
            )

    def _no_show_flag(self, k: _Known, person: str, told: dict[str, Any], reason: Any) -> None:
        """`partnerNoShow` goes, on a no-show, to whoever was in."""
        s = k.session
        flagged = bool(told.get("partnerNoShow"))
        if reason != "cancelled":
            if flagged:
                self.differ(f"session {s.session_id}: {person} told partnerNoShow, not cancelled")
            return
        moment = s.starts_at + self.setting.no_show
        surely = _in_at(s.late, person, moment)
        maybe = _in_at(s.early, person, moment) or _ever_in(s.early, person, moment)
        if surely and not flagged:
            self.differ(f"session {s.session_id}: {person} came but was not told partnerNoShow")
        if flagged and not maybe:
            self.differ(
                f"session {s.session_id}: {person} told partnerNoShow but never came in time"
            )

    def check_charges(self, k: _Known, o: Outcome) -> None:
        """The ledger's log: each of the two charged the session's charge once, on its day."""
        s = k.session
        lo, hi = o.charge
        by_person: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for e in self.table("ledger-entries"):
            if e.get("sessionId") == s.session_id and int(e.get("charged", 0)):
                by_person[str(e.get("userId"))].append(e)
        if "ledger-entries" not in self.tables:
            return
        for p in s.people:
            mine = by_person.pop(p, [])
            if len(mine) > 1:
                self.differ(f"session {s.session_id}: {p} charged {len(mine)} times")
            total = sum(int(e["charged"]) for e in mine)
            if not lo <= total <= hi:
                self.differ(
                    f"session {s.session_id}: {p} charged {total} points; by the rules "
                    f"{_range(lo, hi)} (together {_span_s(o.together)}, ended {o.reason} at "
                    f"{o.ended})"
                )
            for e in mine:
                day = str(e.get("day") or str(e.get("userDay", "")).rpartition("#")[2])
                if day not in {d.isoformat() for d in k.days[p]}:
                    self.differ(
                        f"session {s.session_id}: {p}'s charge booked on {day}; the hold "
                        f"belongs to {_days(k.days[p])}"
                    )
        for p in by_person:
            self.differ(f"session {s.session_id}: {p}, not in it, was charged for it")

    # -- points per person and day ---------------------------------------------------------------

    def ledger_by_day(self) -> dict[tuple[str, date], tuple[int, int]]:
        """The model's own books: (person, day) → charged, surely .. at most."""
        books: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0])
        for k in self.known.values():
            for p in k.session.people:
                for day in k.days[p]:
                    books[(p, day)][1] += k.charge[1]
                    if k.days[p] == [day]:
                        books[(p, day)][0] += k.charge[0]
        return {key: (lo, hi) for key, (lo, hi) in books.items()}

    def check_books(self) -> None:
        model = self.ledger_by_day()
        for (p, day), (lo, _) in sorted(model.items()):
            if lo > self.daily:
                self.differ(f"{p} on {day}: the model's own charges ({lo}) pass the daily points")
        if "ledger-summaries" in self.tables:
            seen: set[tuple[str, date]] = set()
            for book in self.table("ledger-summaries"):
                p, day = str(book["userId"]), date.fromisoformat(str(book["day"]))
                seen.add((p, day))
                lo, hi = model.get((p, day), (0, 0))
                charged, held = int(book.get("charged", 0)), int(book.get("held", 0))
                allowance = int(book.get("allowance", self.daily))
                if allowance != self.daily:
                    self.differ(f"{p} on {day}: allowance {allowance}, not {self.daily}")
                if not lo <= charged <= hi:
                    self.differ(
                        f"{p} on {day}: charged {charged} points in the ledger; the model's "
                        f"books say {_range(lo, hi)}"
                    )
                if allowance - charged - held < 0:
                    self.differ(f"{p} on {day}: balance below 0 ({allowance}-{charged}-{held})")
            for (p, day), (lo, _) in model.items():
                if lo > 0 and (p, day) not in seen:
                    self.differ(f"{p} on {day}: the model charged {lo}+ points, no book exists")
        self.check_points_pushes(model)
        self.check_me_answers(model)
        self.check_refusals(model)

    def _day_of_reset(self, resets_at: str) -> date:
        return self.days.of(micros(resets_at) - 1)

    def check_points_pushes(self, model: dict[tuple[str, date], tuple[int, int]]) -> None:
        last: dict[tuple[str, date], tuple[str, dict[str, Any]]] = {}
        for push in self.facts.get("pushes", []):
            msg = push["message"]
            if msg.get("type") != "points.changed":
                continue
            p, day = push["person"], self._day_of_reset(str(msg["resetsAt"]))
            left, used, held = (int(msg[k]) for k in ("left", "used", "held"))
            _, hi = model.get((p, day), (0, 0))
            if left + used + held != self.daily or min(left, used, held) < 0:
                self.differ(f"{p} on {day}: told points {left}/{used}/{held} (left/used/held)")
            if used > hi:
                self.differ(
                    f"{p} on {day}: told {used} points used; the model's books allow at most {hi}"
                )
            stamp = str(msg.get("occurredAt") or push["receivedAt"])
            if (p, day) not in last or stamp >= last[(p, day)][0]:
                last[(p, day)] = (stamp, msg | {"_receivedAt": push["receivedAt"]})
        for (p, day), (_, msg) in sorted(last.items()):
            lo, hi = model.get((p, day), (0, 0))
            if p in self.open_tabs and self._still_going(p):
                continue
            told, how = self._read_after(p, day, micros(msg["_receivedAt"])) or (msg, "told")
            if int(told["held"]) or not lo <= int(told["used"]) <= hi:
                self.differ(
                    f"{p} on {day}: last {how} {told['used']} used, {told['held']} held; the "
                    f"model's books say {_range(lo, hi)} used, none held"
                )

    def _read_after(
        self, person: str, day: date, since: Micros
    ) -> tuple[dict[str, Any], str] | None:
        """The points of the last `GET /v1/me` (the truth) the person sent after `since`
        (their last push about the day arrived), if any: what they saw last."""
        found: tuple[Micros, dict[str, Any]] | None = None
        for r in self.requests:
            if r["person"] != person or r["method"] != "GET" or r["path"] != "/v1/me":
                continue
            pts = (r.get("answer") or {}).get("points") or {}
            if int(r["status"]) != 200 or not pts or micros(r["sentAt"]) < since:
                continue
            if self._day_of_reset(str(pts["resetsAt"])) != day:
                continue
            if found is None or micros(r["sentAt"]) >= found[0]:
                found = (micros(r["sentAt"]), pts)
        return (found[1], "read in GET /v1/me") if found else None

    def check_me_answers(self, model: dict[tuple[str, date], tuple[int, int]]) -> None:
        for r in self.requests:
            if r["path"] != "/v1/me" or r["method"] != "GET" or int(r["status"]) != 200:
                continue
            pts = (r.get("answer") or {}).get("points") or {}
            if not pts:
                continue
            p = r["person"]
            day = self._day_of_reset(str(pts["resetsAt"]))
            asked = Span(micros(r["sentAt"]), micros(r["answeredAt"]))
            if day not in self.days.within(asked):
                self.differ(f"{p}: GET /v1/me at {asked} answered for {day}")
            left, used, held = (int(pts[k]) for k in ("left", "used", "held"))
            _, hi = model.get((p, day), (0, 0))
            if left + used + held != self.daily or min(left, used, held) < 0 or used > hi:
                self.differ(
                    f"{p}: GET /v1/me at {asked} said {left}/{used}/{held} (left/used/held) for "
                    f"{day}; the model's books allow at most {hi} used"
                )

    def check_refusals(self, model: dict[tuple[str, date], tuple[int, int]]) -> None:
        """Refused for `no_points` only when the day's points were all charged."""
        for push in self.facts.get("pushes", []):
            msg = push["message"]
            if msg.get("type") != "ticket.rejected" or msg.get("reason") != "no_points":
                continue
            p, told = push["person"], micros(push["receivedAt"])
            asked = [
                r
                for r in self.requests
                if r["person"] == p
                and r["path"] == "/v1/queue"
                and r["method"] == "POST"
                and (r.get("answer") or {}).get("ticketId") == msg.get("ticketId")
            ]
            start = micros(asked[0]["sentAt"]) if asked else self.window.lo
            days = self.days.within(Span(start, told))
            if not any(model.get((p, d), (0, 0))[1] >= self.daily for d in days):
                self.differ(
                    f"{p}: ticket {msg.get('ticketId')} refused for no_points on "
                    f"{_days(days)}; the model's books have points left"
                )

    # -- nobody stranded -------------------------------------------------------------------------

    def _still_going(self, person: str) -> bool:
        return any(
            t.get("userId") == person and t.get("status") in OPEN_TICKETS
            for t in self.table("matcher-tickets")
        )

    def check_stranded(self) -> None:
        end = self.window.hi
        live_people: set[str] = set()
        for s in self.table("matcher-sessions"):
            if s.get("status") == "live":
                if micros(s["endsAt"]) > end:
                    live_people.update(s.get("userIds", ()))
                elif s["sessionId"] not in self.known:
                    self.differ(f"session {s['sessionId']} still live after its end")
        waiting_ok: set[str] = set()
        for t in self.table("matcher-tickets"):
            if t.get("status") in OPEN_TICKETS:
                if t.get("userId") in self.open_tabs:
                    waiting_ok.add(str(t["userId"]))
                else:
                    self.differ(
                        f"{t.get('userId')}: ticket {t.get('ticketId')} still {t.get('status')} "
                        "with no open tab"
                    )
        pending_ok: set[str] = set()
        for i in self.table("matcher-invites"):
            if i.get("status") != "pending":
                continue
            expires = i.get("expiresAtIso") or i.get("expiresAt")
            if isinstance(expires, str) and micros(expires) > end:
                pending_ok.update({str(i.get("fromUserId")), str(i.get("toUserId"))})
                continue
            self.differ(f"invite {i.get('inviteId')} still pending after it expired ({expires})")
        busy_ok = live_people | waiting_ok | pending_ok
        for h in self.table("ledger-holds"):
            if h.get("status") in OPEN_HOLDS and h.get("userId") not in busy_ok:
                self.differ(
                    f"{h.get('userId')}: hold {h.get('holdId')} ({h.get('kind')}, day "
                    f"{h.get('day')}) still {h.get('status')} with nothing going"
                )
        for b in self.table("ledger-summaries"):
            if int(b.get("held", 0)) and b.get("userId") not in busy_ok:
                self.differ(f"{b.get('userId')} on {b.get('day')}: {b.get('held')} points held")
        for a in self.table("ledger-accounts"):
            if a.get("activeHoldId") and a.get("userId") not in busy_ok:
                self.differ(f"{a.get('userId')}: account still busy with {a.get('activeHoldId')}")
        for person in self.table("matcher-people"):
            state = person.get("state", "free")
            if state != "free" and person.get("userId") not in busy_ok:
                self.differ(f"{person.get('userId')}: still {state} with nothing going")

    def check_overlaps(self) -> None:
        spans: dict[str, list[tuple[Micros, Micros, str]]] = defaultdict(list)
        for k in self.known.values():
            end = k.ended.hi if k.ended else k.session.ends_at
            for p in k.session.people:
                spans[p].append((k.session.starts_at, end, k.session.session_id))
        for p, mine in spans.items():
            mine.sort()
            for (_, end_a, a), (start_b, _, b) in pairwise(mine):
                if start_b < end_a:
                    self.differ(f"{p}: in sessions {a} and {b} at once")

    # -- the whole ---------------------------------------------------------------------------

    def run(self) -> Verdict:
        self.judge_sessions()
        self.check_books()
        self.check_stranded()
        self.check_overlaps()
        return Verdict(list(self.out), len(self.known), self.report())

    def report(self) -> dict[str, SessionExpectation]:
        out: dict[str, SessionExpectation] = {}
        for sid, k in self.known.items():
            s, v = k.session, k.verdict
            out[sid] = SessionExpectation(
                session_id=sid,
                people=s.people,
                starts_at=show(s.starts_at),
                ends_at=show(s.ends_at),
                length_minutes=s.length_minutes,
                reasons={
                    r: {
                        "endedAt": [show(o.ended.lo), show(o.ended.hi)],
                        "charge": list(o.charge),
                        "togetherS": [o.together[0] / SECOND, o.together[1] / SECOND],
                    }
                    for r, o in v.outcomes.items()
                },
                first_together=(
                    [show(v.first_together.lo), show(v.first_together.hi)]
                    if v.first_together
                    else None
                ),
                days={p: [d.isoformat() for d in ds] for p, ds in k.days.items()},
            )
        return out


def judge(facts: Facts) -> Verdict:
    """Every difference between what Parley's rules say must have happened and what the
    services stored and told; empty when all agree."""
    return _Referee(facts).run()


# -- small helpers -----------------------------------------------------------------------------


def _people_of(msgs: list[dict[str, Any]]) -> tuple[str, str] | None:
    people: dict[str, str] = {}
    for m in msgs:
        partner = (m.get("partner") or {}).get("userId")
        people[m["_to"]] = str(m.get("role", ""))
        if partner and partner not in people:
            people[partner] = ""
    if len(people) != 2:
        return None
    ordered = sorted(people, key=lambda p: (people[p] != "offerer", p))
    return ordered[0], ordered[1]


def _names(msgs: Iterable[dict[str, Any]]) -> list[str]:
    partners = {str((m.get("partner") or {}).get("userId")) for m in msgs}
    return sorted({str(m["_to"]) for m in msgs} | partners)


def _in_at(presence: Presence, person: str, at: Micros) -> bool:
    return any(
        lo <= at and (hi is None or at < hi) for lo, hi in presence.stretches.get(person, [])
    )


def _ever_in(presence: Presence, person: str, before: Micros) -> bool:
    return any(lo <= before for lo, _ in presence.stretches.get(person, []))


def _allowed(outcomes: dict[str, Outcome]) -> str:
    return "; ".join(f"{r} at {o.ended}" for r, o in outcomes.items()) or "nothing"


def _union(outcomes: dict[str, Outcome]) -> Outcome:
    os = list(outcomes.values())
    return Outcome(
        "/".join(o.reason for o in os),
        Span(min(o.ended.lo for o in os), max(o.ended.hi for o in os)),
        (min(o.together[0] for o in os), max(o.together[1] for o in os)),
        (min(o.charge[0] for o in os), max(o.charge[1] for o in os)),
    )


def _range(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo} to {hi}"


def _span_s(span: tuple[Micros, Micros]) -> str:
    lo, hi = span
    return seconds(lo) if lo == hi else f"{seconds(lo)} to {seconds(hi)}"


def _days(days: list[date]) -> str:
    return " or ".join(d.isoformat() for d in days)
