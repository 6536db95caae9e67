"""The account and day book this ledger process last wrote or read for each person.

Funding a new hold is on the path from "Join" to "you are matched": reading the person's
account and book before deciding takes one DynamoDB round trip of the three the ledger makes
there. The ledger is the only writer of those rows and commits every change conditional on
the versions it decided from (`store.commit`), so a decision made from a remembered state
that has moved on since — another ledger task changed it, or the person was erased — fails
its conditions and is decided again from a fresh read. A remembered state therefore saves a
read when it is right and costs one failed write when it is not; it can never let a stale
decision through.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date

from services.ledger.model import Account, DayBook, Snapshot

# People remembered per process, the least recently used forgotten first (~1 kB each).
CAPACITY = 20_000


class RecentBooks:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._people: OrderedDict[str, tuple[Account, DayBook]] = OrderedDict()

    def new_hold(self, user_id: str, today: date) -> Snapshot | None:
        """The snapshot for placing a hold not seen before, if today's book is remembered."""
        known = self._people.get(user_id)
        if known is None or known[1].day != today:
            return None
        self._people.move_to_end(user_id)
        account, book = known
        return Snapshot(account=account, book=book, hold=None)

    def remember(self, account: Account, book: DayBook) -> None:
        self._people[account.user_id] = (account, book)
        self._people.move_to_end(account.user_id)
        while len(self._people) > self._capacity:
            self._people.popitem(last=False)

    def forget(self, user_id: str) -> None:
        self._people.pop(user_id, None)

    def __len__(self) -> int:
        return len(self._people)
