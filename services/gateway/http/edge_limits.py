"""Limits at the WebSocket edge: one socket cannot flood it, one person cannot hold it.

- **Frames, per connection.** A token bucket per connection (`ws_frames_per_s`, burst
  `ws_frame_burst`; the SPA pings every 25 s, so anything near the limit is a script) and a
  size cap (`ws_max_frame_chars`). A connection past either is closed with 1008 (policy
  violation) locally; behind API Gateway the gateway posts `{"type": "socket.limited"}` and
  deletes the connection through `@connections`. Each gateway task counts the frames it
  receives itself: a flood crosses the limit in every task it reaches, and no frame costs a
  DynamoDB call.
- **Sockets, per person** (`ws_sockets_per_person`). Behind API Gateway they are counted
  across tasks from the person's connection records whose lease and token are both alive;
  the local edge, one process holding every socket, counts the ones it holds (a killed edge's
  leftover records, whose sockets died with it, must not lock people out for a lease's
  length). The newest is refused (409
  `too-many-sockets`; locally the socket closes with 4409) and the ones open keep working: a
  person with many tabs keeps the tabs that were live, and the refused tab says why and
  retries once a minute, getting in once another closes. Closing the oldest instead would make tabs
  take the socket from each other in a loop, each reconnect evicting the next.
- **Connects, per person**: the shared `connect` rule (`ratelimit.RULES`), counted in
  DynamoDB across tasks like every intent route (429 `rate-limited` + `Retry-After`; locally
  close code 4429). Every attempt counts, refused ones too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from aiohttp import WSCloseCode

from services.gateway.http.ratelimit import Rate, RateLimiter
from services.wire.tables.gateway import CONNECTIONS

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

LIMITED_TYPE = "socket.limited"
CLOSE_POLICY = int(WSCloseCode.POLICY_VIOLATION)  # 1008
CLOSE_TOO_MANY_SOCKETS = 4409
CLOSE_TOO_MANY_CONNECTS = 4429
# A refused connect's problem code → the local edge's close code (API Gateway answers with
# the HTTP status instead: a refused `$connect` never becomes a socket).
CLOSE_CODES = {"too-many-sockets": CLOSE_TOO_MANY_SOCKETS, "rate-limited": CLOSE_TOO_MANY_CONNECTS}

Reason = Literal["too_fast", "too_large"]


@dataclass(frozen=True)
class EdgeLimits:
    frames_per_s: float = 10.0
    frame_burst: int = 20
    max_frame_chars: int = 4096
    sockets_per_person: int = 5


def limited_message(reason: Reason) -> dict[str, Any]:
    return {"type": LIMITED_TYPE, "reason": reason}


class FrameGate:
    """Which frames a connection may send (pure, clock injected): the rate and the size."""

    def __init__(
        self, limits: EdgeLimits, *, clock: Any = time.monotonic, max_tracked: int = 100_000
    ) -> None:
        self.limits = limits
        self._buckets = RateLimiter(
            {"frame": Rate(limits.frame_burst, limits.frames_per_s)},
            clock=clock,
            max_keys=max_tracked,
        )

    def check(self, connection_id: str, size: int) -> Reason | None:
        """None if the frame may be handled (it is counted), else why the socket must close."""
        if size > self.limits.max_frame_chars:
            return "too_large"
        if self._buckets.take("frame", connection_id) > 0:
            return "too_fast"
        return None

    def forget(self, connection_id: str) -> None:
        self._buckets.forget("frame", connection_id)


class SocketCounts:
    """How many sockets a person holds, across every gateway task (table `gateway-connections`,
    index `byUser`)."""

    def __init__(self, dynamodb: DynamoDBClient, prefix: str) -> None:
        self._db = dynamodb
        self.table = CONNECTIONS.name(prefix)

    async def open_for(self, user_id: str, now: float, enough: int) -> int:
        """The person's connections whose lease and token are alive (counting stops at
        `enough`). A lapsed one is the sweep's; one whose token expired is closing (its tab is
        reconnecting with a fresh token right now and must not be refused for it)."""
        count = 0
        start: dict[str, Any] | None = None
        while True:
            extra: dict[str, Any] = {"ExclusiveStartKey": start} if start else {}
            resp = await self._db.query(
                TableName=self.table,
                IndexName="byUser",
                KeyConditionExpression="userId = :u",
                FilterExpression="expiresAt >= :now AND "
                "(attribute_not_exists(tokenExpiresAt) OR tokenExpiresAt > :now)",
                ExpressionAttributeValues={
                    ":u": {"S": user_id},
                    ":now": {"N": str(int(now))},
                },
                Select="COUNT",
                **extra,
            )
            count += int(resp.get("Count", 0))
            start = resp.get("LastEvaluatedKey")
            if count >= enough or not start:
                return count
