"""The heaps the pairing core keeps waiting tickets in: ordered by waiting time, left lazily.

A ticket's key packs when it began waiting (milliseconds) above an arrival counter, so keys
are plain ints that compare fast and never tie. A ticket that leaves stays in its heaps until
it reaches a top; a heap that is mostly such entries is rebuilt (`compact`).
"""

from __future__ import annotations

import heapq
from typing import Any

SEQ_BITS = 32  # arrivals within one millisecond, more than enough


def ticket_key(since_s: float, arrival: int) -> int:
    return (round(since_s * 1000) << SEQ_BITS) | (arrival & 0xFFFFFFFF)


class Heap:
    __slots__ = ("items", "live")

    def __init__(self) -> None:
        self.items: list[int] = []  # keys: plain ints compare fast
        self.live = 0

    def compact(self, live: dict[int, Any]) -> None:
        """Drop the entries of tickets that left (called when they are most of the heap)."""
        self.items = [k for k in self.items if k in live]
        heapq.heapify(self.items)
