"""Who should talk to whom: the pools of waiting tickets, and the choice of a partner.

Pure: no I/O and no clock (callers pass `now` in epoch seconds). What a good pair is lives
in `waiting`; here is how to find the best one fast. A searcher's *partner* (both said "talk
again"), if one waits whom it may take now, comes first, whatever the language level; then,
within the best level both tickets accept, the partner whose minutes left are closest wins (a
session lasts the smaller balance: close balances make long calls), then the oldest waiting
ticket. Blocked pairs are never formed; two people who already talked today are paired again
only when nobody else is waiting for either of them (partners too: a partner met today is not
preferred). Preferences decide who talks with whom, never who gets to talk: a round
(`Pools.round`) that would leave someone waiting whom the plain oldest-first choice pairs
falls back to that choice (see `round` for partners).

Every waiting ticket sits in a few heaps ordered by waiting time, keyed by what it offers
(`Waiting.keys`; `Waiting.searches` names the heaps holding its partners):

- ``("T", s, l)``  speaks s and learns l (tandem partners of people who learn s and speak l)
- ``("S", s, b)``  speaks s; ``("L", l, b)`` learns l (one-sided partners), b = its base level
- ``("A", b == ANYONE)``  everyone

and within each of those, one heap per number of minutes left (balances are small numbers:
at most the session length), so the closest balance is found without scanning.
Joining, leaving and matching are O(log n) per heap, and a ticket is in
1 + |speaks| + |learns| + |speaks|·|learns| heaps (languages are capped at 8 each). Leaving is
lazy: a heap entry whose ticket left is dropped when it reaches the top, and a heap that is
mostly such entries is rebuilt (amortised O(1) per leave). Finding a partner skips at most the
candidates the searcher has blocked or met today.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator

from services.matcher.heaps import Heap, ticket_key
from services.matcher.preference import Pairing, no_one_passed_over, paired, waiting_partner
from services.matcher.waiting import Level, Relax, Waiting, compatibility

__all__ = ["Pairing", "Pools"]


class Pools:
    """Every waiting ticket this matcher knows of, indexed for partner search."""

    def __init__(
        self, relax: Relax | None = None, *, by_minutes: bool = True, by_partners: bool = True
    ) -> None:
        self.relax = relax or Relax()
        # Whether closeness of minutes left breaks ties within a level (off: oldest first).
        self._by_minutes = by_minutes
        self._by_partners = by_partners  # whether a waiting partner comes first
        self._partnered: set[str] = set()  # tickets whose person has partners
        # Heap key → minutes left → the tickets filed there with that many minutes.
        self._heaps: dict[tuple[object, ...], dict[int, Heap]] = {}
        self._minutes: dict[int, int] = {}  # minutes left → tickets waiting with as many
        self._groups: dict[int, list[tuple[int, ...]]] = {}  # `_minute_groups`, until it changes
        self._tickets: dict[str, Waiting] = {}
        self._by_user: dict[str, Waiting] = {}
        self._seq = itertools.count()
        self._live: dict[int, Waiting] = {}  # heap key → ticket, for tickets in the pools
        self._thresholds = tuple(self.relax.threshold(level) for level in Level)
        self._met_skipped = False

    def __len__(self) -> int:
        return len(self._tickets)

    def __contains__(self, ticket_id: object) -> bool:
        return ticket_id in self._tickets

    def get(self, ticket_id: str) -> Waiting | None:
        return self._tickets.get(ticket_id)

    def of_user(self, user_id: str) -> Waiting | None:
        return self._by_user.get(user_id)

    def __iter__(self) -> Iterator[Waiting]:
        return iter(list(self._tickets.values()))

    def add(self, w: Waiting) -> None:
        """Put a ticket in its heaps (again). One person waits with one ticket at most."""
        if w.ticket_id in self._tickets:
            return
        other = self._by_user.get(w.user_id)
        if other is not None:
            self.discard(other.ticket_id)
        w.key = ticket_key(w.since, next(self._seq))
        self._live[w.key] = w
        heaps, m = self._heaps, w.minutes
        for key in w.keys:
            by_minutes = heaps.get(key)
            if by_minutes is None:
                by_minutes = heaps[key] = {}
            heap = by_minutes.get(m)
            if heap is None:
                heap = by_minutes[m] = Heap()
            heapq.heappush(heap.items, w.key)
            heap.live += 1
        if m not in self._minutes:
            self._minutes[m] = 0
            self._groups.clear()
        self._minutes[m] += 1
        self._tickets[w.ticket_id] = w
        self._by_user[w.user_id] = w
        if w.partners:
            self._partnered.add(w.ticket_id)

    def discard(self, ticket_id: str) -> Waiting | None:
        w = self._tickets.pop(ticket_id, None)
        if w is None:
            return None
        if self._by_user.get(w.user_id) is w:
            del self._by_user[w.user_id]
        del self._live[w.key]
        w.key = -1
        if w.partners:
            self._partnered.discard(ticket_id)
        heaps, m = self._heaps, w.minutes
        for key in w.keys:
            by_minutes = heaps[key]
            heap = by_minutes[m]
            heap.live -= 1
            if heap.live == 0:
                del by_minutes[m]
                if not by_minutes:
                    del heaps[key]
            elif len(heap.items) > 2 * heap.live + 32:
                heap.compact(self._live)
        self._minutes[m] -= 1
        if not self._minutes[m]:
            del self._minutes[m]
            self._groups.clear()
        return w

    def block(self, user_a: str, user_b: str) -> None:
        for me, other in ((user_a, user_b), (user_b, user_a)):
            w = self._by_user.get(me)
            if w is not None:
                w.avoid_user(other)

    def met(self, user_a: str, user_b: str) -> None:
        for me, other in ((user_a, user_b), (user_b, user_a)):
            w = self._by_user.get(me)
            if w is not None:
                w.met_user(other)

    def new_day(self) -> None:
        for w in self._tickets.values():
            w.met = frozenset()

    def find(self, w: Waiting, now: float) -> Pairing | None:
        """The best partner for `w` now. Both leave the pools; `w` is not put back if none.

        The caller commits the pairing (or puts the tickets back with `add` if it could not).
        """
        self.discard(w.ticket_id)
        top = w.accepts(now, self.relax)
        self._met_skipped = False
        if w.partners and self._by_partners:
            c = waiting_partner(w, top, now, self._by_user, self._thresholds, self._by_minutes)
            if c is not None:
                return self._take(w, c, compatibility(w, c))
        groups = self._minute_groups(w.minutes)
        for level in range(top + 1):
            c = self._best(w, level, now, groups, allow_met=False)
            if c is not None:
                return self._take(w, c, Level(level))
        # Today's partners only if they were in the way and nobody new waits at all.
        if self._met_skipped and not self._anyone_new(w):
            for level in range(top + 1):
                c = self._best(w, level, now, groups, allow_met=True)
                if c is not None:
                    return self._take(w, c, Level(level))
        return None

    def _minute_groups(self, minutes: int) -> list[tuple[int, ...]]:
        """The balances waiting, in the order a searcher with `minutes` left tries them:
        closest first, and of two equally close the larger (the longer call). Without the
        minutes rule, one group: every balance alike, the oldest ticket wins."""
        groups = self._groups.get(minutes)
        if groups is None:
            present = tuple(self._minutes)
            if not self._by_minutes or len(present) == 1:
                groups = [present]
            else:
                groups = [(m,) for m in sorted(present, key=lambda m: (abs(m - minutes), -m))]
            self._groups[minutes] = groups
        return groups

    def _take(self, w: Waiting, c: Waiting, level: Level) -> Pairing:
        self.discard(c.ticket_id)
        first, second = (c, w) if c.since <= w.since else (w, c)
        return Pairing(first, second, level)

    def _anyone_new(self, w: Waiting) -> bool:
        """Is anyone waiting whom `w` may talk to and has not talked to today?"""
        for key in (("A", True), ("A", False)):
            for heap in self._heaps.get(key, {}).values():
                if self._first(heap, w, allow_met=False) is not None:
                    return True
        return False

    def _best(
        self,
        w: Waiting,
        level: int,
        now: float,
        groups: list[tuple[int, ...]],
        allow_met: bool,
    ) -> Waiting | None:
        """The candidate at exactly this level that accepts it, or None: from the first
        group of balances that has one, the oldest."""
        oldest_ok = now - self._thresholds[level]  # a stricter candidate must be this old
        heaps = self._heaps
        for group in groups:
            best: Waiting | None = None
            for key, needs_age in w.searches[level]:
                by_minutes = heaps.get(key)
                if by_minutes is None:
                    continue
                for m in group:
                    heap = by_minutes.get(m)
                    if heap is None:
                        continue
                    c = self._first(heap, w, allow_met)
                    if c is None or (needs_age and c.since > oldest_ok):
                        continue
                    if best is None or c.key < best.key:
                        best = c
            if best is not None:
                return best
        return None

    def _first(self, heap: Heap, w: Waiting, allow_met: bool) -> Waiting | None:
        """The oldest ticket in `heap` that `w` may be paired with. Entries of tickets that
        left are dropped on the way; the ones `w` may not take are put back."""
        items = heap.items
        user, avoid, met = w.user_id, w.avoid, w.met
        live = self._live
        skipped: list[int] | None = None
        found = None
        while items:
            c = live.get(items[0])
            if c is None:
                heapq.heappop(items)
                continue
            if c.user_id != user and c.user_id not in avoid and user not in c.avoid:
                if allow_met or not (c.user_id in met or user in c.met):
                    found = c
                    break
                self._met_skipped = True
            if skipped is None:
                skipped = []
            skipped.append(heapq.heappop(items))
        if skipped:
            for key in skipped:
                heapq.heappush(items, key)
        return found

    def round(self, now: float, oldest_since: float | None = None) -> list[Pairing]:
        """Pair everyone who can be paired now, longest waiting first: each ticket in turn,
        oldest first, takes its best partner among those still here. Everyone who reads the
        same waiting set plans the same round, so instances that plan at once agree on the
        pairs instead of all reaching for the oldest ticket. `oldest_since`: only tickets
        waiting since then or earlier take a turn (all stay partners). The pools are emptied
        of every ticket that took a turn or was taken.

        Partners first, never forced: the round that prefers them stands only if it pairs at
        least as many people as the round without the preference and leaves nobody waiting
        in place of someone who came after them (the k-th longest-waiting person it leaves
        came no earlier than the k-th the other round leaves); otherwise that round stands."""
        everyone = sorted(self._tickets.values(), key=lambda t: t.key)
        if not (self._by_partners and self._partners_waiting()):
            return self._round(everyone, now, oldest_since)
        preferred, turns = self._plan(everyone, now, oldest_since)
        self._refill(everyone)
        self._by_partners = False
        try:
            base = self._round(everyone, now, oldest_since)
        finally:
            self._by_partners = True
        if not no_one_passed_over(everyone, paired(preferred), paired(base)):
            return base  # the pools already hold what that round left
        chosen = paired(preferred)
        self._refill(everyone)
        for w in everyone:
            if w.ticket_id in chosen or w.ticket_id in turns:
                self.discard(w.ticket_id)
        return preferred

    def _partners_waiting(self) -> bool:
        by_user, tickets = self._by_user, self._tickets
        return any(p in by_user for t in self._partnered for p in tickets[t].partners)

    def _round(
        self, everyone: list[Waiting], now: float, oldest_since: float | None
    ) -> list[Pairing]:
        """A round with the minutes rule and its fallback (see `round`)."""
        pairings, turns = self._plan(everyone, now, oldest_since)
        if not self._by_minutes or len({w.minutes for w in everyone}) < 2:
            return pairings  # one balance for all: the minutes rule changes nothing
        # Minutes choose partners, they never cost anyone a pair: if the plain oldest-first
        # round pairs someone this one leaves waiting, that round stands.
        chosen = paired(pairings)
        self._refill(everyone)
        self._by_minutes, self._groups = False, {}
        try:
            plain, _ = self._plan(everyone, now, oldest_since)
        finally:
            self._by_minutes, self._groups = True, {}
        if not paired(plain) <= chosen:
            return plain  # the pools already hold what that round left
        self._refill(everyone)
        for w in everyone:
            if w.ticket_id in chosen or w.ticket_id in turns:
                self.discard(w.ticket_id)
        return pairings

    def _plan(
        self, everyone: list[Waiting], now: float, oldest_since: float | None
    ) -> tuple[list[Pairing], set[str]]:
        """One round (see `round`): the pairs, and the tickets that took a turn."""
        pairings: list[Pairing] = []
        turns: set[str] = set()
        for w in everyone:
            if oldest_since is not None and w.since > oldest_since:
                break
            if w.ticket_id not in self._tickets:
                continue  # taken by an older ticket in this round
            turns.add(w.ticket_id)
            pairing = self.find(w, now)
            if pairing is not None:
                pairings.append(pairing)
        return pairings, turns

    def _refill(self, everyone: list[Waiting]) -> None:
        """Back to the start of a round: exactly `everyone`, in the same order."""
        for w in list(self._tickets.values()):
            self.discard(w.ticket_id)
        for w in everyone:
            self.add(w)
