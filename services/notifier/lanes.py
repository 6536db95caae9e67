"""Per-person order inside one process: what is pushed to one person leaves in the order it
was handled here.

Events for one person arrive through several message groups (their own, a session's, an
invite's) and are handled concurrently. Each handler takes a turn in the lane of every person
it will tell something, synchronously and before its first `await`; a turn starts when the
previous turn in that lane has ended. People never wait for each other: every person has
their own lane. Across instances the lanes promise nothing; the `occurredAt` every message
carries does (see the package docstring).
"""

from __future__ import annotations

import asyncio


class Turn:
    def __init__(self, lanes: Lanes, user_id: str, after: asyncio.Future[None] | None) -> None:
        self._lanes = lanes
        self._user_id = user_id
        self._after = after
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def wait(self) -> None:
        """Until every earlier turn in this person's lane has ended."""
        if self._after is not None:
            # shield: cancelling this wait must not cancel the earlier turn.
            await asyncio.shield(self._after)

    def end(self) -> None:
        if not self.done.done():
            self.done.set_result(None)
        self._lanes._ended(self._user_id, self.done)


class Lanes:
    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Future[None]] = {}

    def take(self, user_id: str) -> Turn:
        """A turn behind everything already queued for `user_id` (call before any await)."""
        turn = Turn(self, user_id, self._tails.get(user_id))
        self._tails[user_id] = turn.done
        return turn

    def _ended(self, user_id: str, done: asyncio.Future[None]) -> None:
        if self._tails.get(user_id) is done:
            del self._tails[user_id]  # nobody queued behind: forget the person

    def __len__(self) -> int:
        return len(self._tails)
