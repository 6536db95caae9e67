"""After the load: are the books right? Read straight from the tables and queues as admin.

- no hold open (ledger-holds), no account or day book pointing at an active hold;
- per person: allowance - charged - held = what `GET /v1/me` says is left, held is 0,
  this run charged one point per session the person was told of and connected to (each well
  under a minute; one stopped before both connected is free),
  and the day's entries add up to the day book;
- no ticket, session or invite left non-terminal, nobody in the waiting set or busy, the
  outbox empty;
- every dead-letter queue of the stack empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

from services.loadgen.aws import admin_client
from services.matcher.repair.sweep_lease import KEY as LEASE_KEY
from services.wire.names import table_name
from services.wire.topology import topology

OPEN_HOLDS = frozenset({"held", "in_session"})
OPEN_TICKETS = frozenset({"requested", "funded", "waiting"})
_des = TypeDeserializer()


@dataclass
class Books:
    problems: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class PersonView:
    """What the run knows of one person: their `/v1/me` points and the sessions seen."""

    user_id: str
    name: str
    points: Mapping[str, Any]
    sessions_seen: int
    # Points already used today when the run began (a rerun against the same stack).
    used_before: int = 0
    # The sessions themselves: only those both people connected to are paid for.
    session_ids: frozenset[str] = frozenset()


# -- pure checks -------------------------------------------------------------------------------


def open_things(tables: Mapping[str, list[dict[str, Any]]]) -> list[str]:
    """Anything still open in the matcher's and ledger's tables (logical name → items)."""
    out: list[str] = []

    def flag(logical: str, what: str, items: Iterable[dict[str, Any]]) -> None:
        found = list(items)
        if found:
            out.append(f"{logical}: {len(found)} {what}, e.g. {found[0]}")

    flag(
        "ledger-holds",
        "open holds",
        (i for i in tables["ledger-holds"] if i.get("status") in OPEN_HOLDS),
    )
    flag(
        "ledger-accounts",
        "accounts with an active hold",
        (i for i in tables["ledger-accounts"] if i.get("activeHoldId")),
    )
    flag(
        "matcher-tickets",
        "tickets not closed",
        (i for i in tables["matcher-tickets"] if i.get("status") in OPEN_TICKETS),
    )
    flag(
        "matcher-sessions",
        "live sessions",
        (i for i in tables["matcher-sessions"] if i.get("status") == "live"),
    )
    flag(
        "matcher-invites",
        "pending invites",
        (i for i in tables["matcher-invites"] if i.get("status") == "pending"),
    )
    flag(
        "matcher-people",
        "people not free",
        (i for i in tables["matcher-people"] if i.get("state", "free") != "free"),
    )
    # One per ticket (a ticket's home item and its copies share its id); the sweep lease is
    # the one item there that is no ticket (services/matcher/sweep_lease).
    waiting = {
        str(i["ticketId"]): i
        for i in tables["matcher-waiting"]
        if i.get("shard") != LEASE_KEY["shard"]
    }
    flag("matcher-waiting", "waiting tickets", waiting.values())
    flag("matcher-outbox", "unpublished events", tables["matcher-outbox"])
    return out


def person_problems(
    person: PersonView, book: Mapping[str, Any] | None, entries: Sequence[Mapping[str, Any]]
) -> list[str]:
    """One person's points: the day book, `/v1/me`, the sessions seen and the entries agree."""
    who = person.name
    if book is None:
        return [f"{who}: no day book"] if person.sessions_seen else []
    allowance, charged, held = int(book["allowance"]), int(book["charged"]), int(book["held"])
    out: list[str] = []
    left = person.points.get("left")
    if allowance - charged - held != left:
        out.append(f"{who}: {allowance} - {charged} - {held} != {left} left in /v1/me")
    if person.points.get("used") != charged or person.points.get("held") != held:
        out.append(f"{who}: /v1/me says {dict(person.points)}, the book {charged=} {held=}")
    if held:
        out.append(f"{who}: {held} points still held")
    if book.get("activeHoldId"):
        out.append(f"{who}: the day book still points at hold {book['activeHoldId']}")
    if charged - person.used_before != person.sessions_seen:
        out.append(
            f"{who}: charged {charged - person.used_before} in this run "
            f"for {person.sessions_seen} sessions seen"
        )
    held_sum = sum(int(e["held"]) for e in entries)
    charged_sum = sum(int(e["charged"]) for e in entries)
    if (held_sum, charged_sum) != (held, charged):
        out.append(
            f"{who}: entries sum to held {held_sum} charged {charged_sum}, book {held}/{charged}"
        )
    return out


# -- reading -----------------------------------------------------------------------------------


def _plain(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _des.deserialize(v) for k, v in item.items()}


class BookReader:
    def __init__(
        self,
        moto_url: str,
        region: str,
        prefix: str,
        dead: Mapping[str, int] | None = None,
        *,
        sessions_from_tables: bool = False,
        dynamodb_url: str | None = None,
    ) -> None:
        self.prefix = prefix
        # Pay each person for the sessions the table gives them, not those they were told of
        # (a chaos run's people miss pushes while the gateway is down).
        self.sessions_from_tables = sessions_from_tables
        # How many messages each DLQ should hold (a chaos run injects poison); else none.
        self.expected_dead = dict(dead or {})
        self._ddb = admin_client(dynamodb_url or moto_url, region, "dynamodb")
        self._sqs = admin_client(moto_url, region, "sqs")

    def inboxes_idle(self) -> bool:
        """No service inbox holds a message, visible or in flight: nothing is on its way."""
        for queue in topology(self.prefix).inboxes:
            url = self._sqs.get_queue_url(QueueName=queue.name)["QueueUrl"]
            attrs = self._sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
            if any(int(v) for v in attrs.values()):
                return False
        return True

    def scan(self, logical: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        pages = self._ddb.get_paginator("scan").paginate(
            TableName=table_name(self.prefix, logical), ConsistentRead=True
        )
        for page in pages:
            items.extend(_plain(i) for i in page.get("Items", []))
        return items

    def latest_book(self, user_id: str) -> dict[str, Any] | None:
        resp = self._ddb.query(
            TableName=table_name(self.prefix, "ledger-summaries"),
            KeyConditionExpression="userId = :u",
            ExpressionAttributeValues={":u": {"S": user_id}},
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        items = resp.get("Items", [])
        return _plain(items[0]) if items else None

    def entries(self, user_id: str, day: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        pages = self._ddb.get_paginator("query").paginate(
            TableName=table_name(self.prefix, "ledger-entries"),
            KeyConditionExpression="userDay = :k",
            ExpressionAttributeValues={":k": {"S": f"{user_id}#{day}"}},
            ConsistentRead=True,
        )
        for page in pages:
            out.extend(_plain(i) for i in page.get("Items", []))
        return out

    def dead_letters(self) -> dict[str, int]:
        """Messages in every dead-letter queue of the stack (those the topology names too)."""
        urls = self._sqs.list_queues(QueueNamePrefix=self.prefix).get("QueueUrls", [])
        names = {u.rsplit("/", 1)[-1]: u for u in urls}
        expected = {q.dlq for q in topology(self.prefix).queues}
        counts: dict[str, int] = {}
        for name in sorted(expected | {n for n in names if n.endswith(("-dlq", "-dlq.fifo"))}):
            if name not in names:
                counts[name] = -1  # missing: the stack is not the one this run expects
                continue
            attrs = self._sqs.get_queue_attributes(
                QueueUrl=names[name],
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                    "ApproximateNumberOfMessagesDelayed",
                ],
            )["Attributes"]
            counts[name] = sum(int(v) for v in attrs.values())
        return counts

    def check(self, people: list[PersonView]) -> Books:
        books = Books()
        logicals = (
            "ledger-holds", "ledger-accounts", "matcher-tickets", "matcher-sessions",
            "matcher-invites", "matcher-people", "matcher-waiting", "matcher-outbox",
        )  # fmt: skip
        tables = {name: self.scan(name) for name in logicals}
        books.problems.extend(open_things(tables))
        charged = 0
        minutes = {
            str(s["sessionId"]): int(s.get("minutesUsed", 0)) for s in tables["matcher-sessions"]
        }
        for person in people:
            if self.sessions_from_tables:
                mine = [s for s in tables["matcher-sessions"] if person.user_id in s["userIds"]]
                person = replace(person, session_ids=frozenset(s["sessionId"] for s in mine))
            if person.session_ids:
                paid = sum(minutes.get(sid, 0) for sid in person.session_ids)
                person = replace(person, sessions_seen=paid)
            book = self.latest_book(person.user_id)
            entries = self.entries(person.user_id, book["day"]) if book else []
            books.problems.extend(person_problems(person, book, entries))
            charged += int(book["charged"]) if book else 0
        dlqs = self.dead_letters()
        books.problems.extend(
            f"{name}: {'missing' if n < 0 else f'{n} messages'}"
            for name, n in dlqs.items()
            if n != self.expected_dead.get(name, 0)
        )
        books.facts = {
            "holds": len(tables["ledger-holds"]),
            "tickets": len(tables["matcher-tickets"]),
            "sessions": len(tables["matcher-sessions"]),
            "points_charged": charged,
            "dlqs_checked": len(dlqs),
        }
        return books
