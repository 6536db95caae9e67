"""Messages that may have killed their last consumer, and the count that parks them.

A message received before and not finished (`ApproximateReceiveCount` > 1) came back because
its consumer died holding it, or gave it back on shutdown. If it is what killed the process,
SQS's own count (`maxReceiveCount`) is no fair judge: every receive that returns it also
returns the followers of its FIFO group, which are charged the same receives and would reach
the DLQ with it. So the consumer keeps its own count, per message, of the runs it started
after a first receive (`StartLog`, in the service's own processed-events table, which
outlives a process), runs such a *suspect* alone (a crash during its run is then its own,
never a neighbour's), and parks it with `rejectReason=crashed_consumer` instead of starting
it more than `CRASH_STARTS` times. Followers reach at most a receive or two more than that.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from services.wire.events.base import derive_id
from services.wire.topology import DAY_S, INBOX_RETENTION_S

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

# A count is only needed while its message can still be in the inbox.
STARTS_TTL_S = INBOX_RETENTION_S + DAY_S


def is_suspect(receive_count: int) -> bool:
    """Received before and not finished: it may be what killed its last consumer."""
    return receive_count > 1


class StartLog:
    """How many runs a consumer started of a message that had come back: an item keyed by
    a derived id of the SQS message id in the owner's processed-events table, with `starts`."""

    def __init__(self, dynamodb: DynamoDBClient, table: str) -> None:
        self._db = dynamodb
        self.table = table

    async def started(self, message_id: str) -> int:
        """Count one more start; how many there have been, this one included."""
        resp = await self._db.update_item(
            TableName=self.table,
            Key={"eventId": {"S": derive_id("consumer.starts", message_id)}},
            UpdateExpression="ADD starts :one SET expiresAt = :exp",
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":exp": {"N": str(int(time.time()) + STARTS_TTL_S)},
            },
            ReturnValues="UPDATED_NEW",
        )
        return int(resp["Attributes"]["starts"]["N"])
