"""Hand-written facts for the referee's own tests: a few lines per scenario, times in seconds
after the start of the run. What the services did (how a session ended, what they charged) is
written out by each test, so a test can plant a wrong rule and see it flagged."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from tests.referee.facts import Facts

Table = list[dict[str, Any]]


class Builder:
    def __init__(
        self,
        mode: str = "livekit",
        start: str = "2026-03-01T10:00:00Z",
        daily: int = 15,
        cap: int = 15,
    ) -> None:
        self.t0 = datetime.fromisoformat(start.replace("Z", "+00:00")).astimezone(UTC)
        self.config: dict[str, Any] = {
            "dailyPoints": daily,
            "sessionMinutes": cap,
            "noShowS": 45,
            "mediaGraceS": 30,
            "inviteTimeoutS": 60,
            "mediaMode": mode,
            "zone": "UTC",
        }
        self.requests: list[dict[str, Any]] = []
        self.pushes: list[dict[str, Any]] = []
        self.room_log: list[dict[str, Any]] = []
        self.tables: dict[str, Table] = defaultdict(list)
        self._ids = itertools.count(1)
        self._sessions: dict[str, dict[str, Any]] = {}
        self._books: dict[tuple[str, str], dict[str, Any]] = {}

    def at(self, s: float) -> str:
        return (self.t0 + timedelta(seconds=s)).isoformat().replace("+00:00", "Z")

    def request(
        self,
        person: str,
        method: str,
        path: str,
        at: float,
        took: float = 0.0,
        status: int = 202,
        answer: Any = None,
    ) -> None:
        self.requests.append(
            {
                "person": person,
                "method": method,
                "path": path,
                "body": {},
                "sentAt": self.at(at),
                "answeredAt": self.at(at + took),
                "status": status,
                "answer": answer or {},
            }
        )

    def push(self, person: str, at: float, message: dict[str, Any]) -> None:
        self.pushes.append({"person": person, "receivedAt": self.at(at), "message": message})

    # -- what people did --------------------------------------------------------------------------

    def queue(self, person: str, at: float) -> str:
        ticket = f"t{next(self._ids)}"
        self.request(person, "POST", "/v1/queue", at, 0.05, answer={"ticketId": ticket})
        self.tables["matcher-tickets"].append(
            {"ticketId": ticket, "userId": person, "status": "matched"}
        )
        # The ledger holds what it can at once, and says so.
        day = self.at(at)[:10]
        used = self._books.get((person, day), {}).get("charged", 0)
        held = min(self.config["dailyPoints"] - used, self.config["sessionMinutes"])
        self.push(person, at + 0.2, self._points(day, used, held, at + 0.2))
        return ticket

    def _points(self, day: str, used: int, held: int, at: float) -> dict[str, Any]:
        resets = (datetime.fromisoformat(day) + timedelta(days=1)).isoformat() + "Z"
        return {
            "type": "points.changed",
            "left": self.config["dailyPoints"] - used - held,
            "used": used,
            "held": held,
            "resetsAt": resets,
            "occurredAt": self.at(at),
        }

    def start(self, sid: str, a: str, b: str, at: float, minutes: int = 15) -> None:
        starts, ends = self.at(at), self.at(at + 60 * minutes)
        for i, (me, other) in enumerate(((a, b), (b, a))):
            msg = {
                "type": "session.started",
                "sessionId": sid,
                "startsAt": starts,
                "endsAt": ends,
                "mediaMode": self.config["mediaMode"],
                "role": "offerer" if i == 0 else "answerer",
                "partner": {"userId": other},
            }
            if minutes < self.config["sessionMinutes"]:
                msg["limitedBy"] = "both"
            self.push(me, at + 0.1, msg)
        item = {
            "sessionId": sid,
            "status": "live",
            "userIds": [a, b],
            "startsAt": starts,
            "endsAt": ends,
            "minutes": minutes,
        }
        self._sessions[sid] = item
        self.tables["matcher-sessions"].append(item)

    def room(
        self,
        sid: str,
        person: str,
        kind: str,
        at: float,
        entry_id: str = "",
        delivered: float | None = None,
    ) -> None:
        """A media event stamped `at` (heard by Parley at `delivered`, by default at once)."""
        entry = {
            "room": sid,
            "identity": person,
            "kind": kind,
            "at": self.at(at),
            "id": entry_id or f"EV_{next(self._ids)}",
        }
        if delivered is not None:
            entry["deliveredAt"] = self.at(delivered)
        self.room_log.append(entry)

    def me(self, person: str, at: float, session: str | None = None) -> None:
        """`GET /v1/me` at `at`: the session it shows (if any) and the person's points as
        the builder's books have them then."""
        day = self.at(at)[:10]
        used = self._books.get((person, day), {}).get("charged", 0)
        points = self._points(day, used, 0, at)
        points.pop("type")
        points.pop("occurredAt")
        shown = None
        if session is not None:
            item = self._sessions[session]
            other = next(u for u in item["userIds"] if u != person)
            shown = {
                "sessionId": session,
                "partner": {"userId": other, "name": other},
                "startsAt": item["startsAt"],
                "endsAt": item["endsAt"],
                "mediaMode": self.config["mediaMode"],
                "role": "offerer" if item["userIds"][0] == person else "answerer",
            }
        answer = {"userId": person, "points": points, "ticket": None, "session": shown}
        self.request(person, "GET", "/v1/me", at, 0.02, status=200, answer=answer)

    def connected(self, sid: str, person: str, at: float, took: float = 0.1) -> None:
        self.request(person, "POST", f"/v1/sessions/{sid}/connected", at, took)

    def stop(self, sid: str, person: str, at: float, took: float = 0.1) -> None:
        self.request(person, "POST", f"/v1/sessions/{sid}/stop", at, took)

    # -- what the services did -------------------------------------------------------------

    def end(
        self,
        sid: str,
        reason: str,
        at: float,
        charge: int,
        *,
        no_show: tuple[str, ...] = (),
        day: str | None = None,
        told_charge: int | None = None,
    ) -> None:
        """The session ended `reason` at `at`, each of the two charged `charge` on `day` (by
        default the day it started); they are told so and their points move."""
        item = self._sessions[sid]
        item.update(status="ended", reason=reason, endedAt=self.at(at), minutesUsed=charge)
        day = day or item["startsAt"][:10]
        for p in item["userIds"]:
            msg: dict[str, Any] = {
                "type": "session.ended",
                "sessionId": sid,
                "reason": reason,
                "startedAt": item["startsAt"],
                "endedAt": self.at(at),
                "minutesUsed": charge if told_charge is None else told_charge,
            }
            if p in no_show:
                msg["partnerNoShow"] = True
            self.push(p, at + 0.1, msg)
            self.charge(p, day, charge, sid, at)

    def charge(self, person: str, day: str, points: int, sid: str, at: float) -> None:
        book = self._books.setdefault(
            (person, day),
            {
                "userId": person,
                "day": day,
                "allowance": self.config["dailyPoints"],
                "charged": 0,
                "held": 0,
            },
        )
        if book not in self.tables["ledger-summaries"]:
            self.tables["ledger-summaries"].append(book)
        book["charged"] += points
        self.tables["ledger-entries"].append(
            {
                "userDay": f"{person}#{day}",
                "entryKey": f"settle#{sid}-{person}",
                "userId": person,
                "day": day,
                "kind": "settle",
                "charged": points,
                "held": 0,
                "sessionId": sid,
            }
        )
        self.push(person, at + 0.2, self._points(day, book["charged"], 0, at + 0.2))

    def facts(self, end: float) -> Facts:
        return cast(
            Facts,
            {
                "config": dict(self.config),
                "requests": list(self.requests),
                "pushes": list(self.pushes),
                "roomLog": list(self.room_log),
                "window": {"startedAt": self.at(0), "endedAt": self.at(end)},
                "tables": {k: list(v) for k, v in self.tables.items()},
            },
        )
