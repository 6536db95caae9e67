"""`user.erased`: the ledger erases the person's points from its own tables.

Points are not something abuse handling needs, so nothing is kept: every day's summary, the
entries of those days (the points log), the holds those entries name (only the person's own:
the delete is conditional on the hold's `userId`), and the account item. A redelivery finds
nothing left. A hold that never reached the log (a tombstone of a request cancelled before it
was asked) is not found this way; it expires 30 days after it closed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import structlog
from botocore.exceptions import ClientError

from services.ledger.codec import user_day
from services.runtime.erasure import by_key, delete_all, key_of, query_all

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

    from services.runtime.consumer import Delivery
    from services.wire.events.gateway import UserErased


class Eraser:
    def __init__(
        self,
        db: DynamoDBClient,
        tables: dict[str, str],
        forget: Callable[[str], None] = lambda _: None,
    ) -> None:
        self._db = db
        self._t = tables
        self._forget = forget  # what this process remembers of the person
        self._log = structlog.get_logger(component="erasure")

    async def on_erased(self, event: UserErased, _: Delivery | None = None) -> None:
        db, t, uid = self._db, self._t, event.user_id
        self._forget(uid)
        summaries = t["ledger-summaries"]
        days = await query_all(db, **by_key(summaries, "userId", uid, consistent=True))
        entries, hold_ids = t["ledger-entries"], set()
        keys = []
        for day in days:
            log = await query_all(
                db, **by_key(entries, "userDay", _user_day(uid, day["day"]["S"]), consistent=True)
            )
            keys += [key_of(e, ["userDay", "entryKey"]) for e in log]
            hold_ids |= {e["holdId"]["S"] for e in log if "S" in e.get("holdId", {})}
        for hold_id in sorted(hold_ids):
            try:
                await db.delete_item(
                    TableName=t["ledger-holds"],
                    Key={"holdId": {"S": hold_id}},
                    ConditionExpression="attribute_not_exists(holdId) OR userId = :u",
                    ExpressionAttributeValues={":u": {"S": uid}},
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
        deleted = await delete_all(db, entries, keys)
        deleted += await delete_all(db, summaries, [key_of(d, ["userId", "day"]) for d in days])
        deleted += await delete_all(db, t["ledger-accounts"], [{"userId": {"S": uid}}])
        self._log.info("ledger.erased", deleted=deleted, holds=len(hold_ids))


def _user_day(user_id: str, day: str) -> str:
    return user_day(user_id, date.fromisoformat(day))
