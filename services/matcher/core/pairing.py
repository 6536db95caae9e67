"""Who should talk to whom: the pools of waiting tickets, and the choice of a partner.

Pure: no I/O and no clock (callers pass `now` in epoch seconds). What a good pair is lives
in `waiting` (the ladder: a fitting tandem, peers, a tandem, one-sided, anyone); here is how to
find the best one fast. A searcher's *partner* (both said "talk again"), if one waits whom it
may take now, comes first, whatever the level; then, within the best level both tickets
accept, the partner whose minutes left are closest wins (a session lasts the smaller balance:
close balances make long calls), then the oldest waiting ticket. Blocked pairs are never
formed; two people who already talked today are paired again only when nobody else is waiting
for either of them (partners too: a partner met today is not preferred). Preferences decide
who talks with whom, never who gets to talk: a round (`Pools.round`) that would leave someone
waiting whom the plain choice pairs falls back to that choice (see `round` for levels and
partners).

Every waiting ticket sits in a few heaps ordered by waiting time, keyed by what it offers
(`Waiting.keys`; `Waiting.tandems` and `Waiting.searches` name the heaps holding its partners):

- ``("T", s, l, w, k)``  speaks s and learns l, welcomes learners from level w, is at level k
  in l (unrated: A1). The heaps of one (s, l) are a *family*: a tandem search walks the
  family's heaps present (usually one or two: most people welcome everyone) and takes those
  whose (w, k) fit it, or, one level down, those that do not
- ``("P", l, k)``  rated themselves k in l, which they learn (peers of learners of l at k±1)
- ``("S", s, b)``  speaks s; ``("L", l, b)`` learns l (one-sided partners), b = its base level
- ``("A", b == ANYONE)``  everyone

and within each of those, one heap per number of minutes left (balances are small numbers:
at most the session length), so the closest balance is found without scanning.
Joining, leaving and matching are O(log n) per heap, and a ticket is in
1 + |speaks| + |learns| + |rated| + |speaks|·|learns| heaps (languages are capped at 8 each).
Leaving is lazy: a heap entry whose ticket left is dropped when it reaches the top, and a heap
that is mostly such entries is rebuilt (amortised O(1) per leave). Finding a partner skips at
most the candidates the searcher has blocked or met today.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator

from services.matcher.core.heaps import Heap, ticket_key
from services.matcher.core.preference import Pairing, no_one_passed_over, paired, waiting_partner
from services.matcher.core.waiting import Level, Relax, Waiting, compatibility

__all__ = ["Pairing", "Pools"]

_FIT, _UNFIT, _ANY_TANDEM = 0, 1, 2  # which heaps of a tandem family a search takes
_ONE_SIDED = Level.ONE_SIDED
_RELAXED = (Level.ONE_SIDED, Level.ANYONE)  # the levels a ticket accepts only after a wait
Key = tuple[object, ...]
# What each round planner returns: its pairs, and whether the pools hold what they leave (the
# last plan made was theirs); `round` puts the pools right otherwise.
Planned = tuple[list[Pairing], bool]


class Pools:
    """Every waiting ticket this matcher knows of, indexed for partner search."""

    def __init__(
        self,
        relax: Relax | None = None,
        *,
        by_minutes: bool = True,
        by_partners: bool = True,
        by_levels: bool = True,
    ) -> None:
        self.relax = relax or Relax()
        # Whether closeness of minutes left breaks ties within a level (off: oldest first).
        self._by_minutes = by_minutes
        self._by_partners = by_partners  # whether a waiting partner comes first
        # Whether the ladder starts with fitting tandems and peers (off: as before levels).
        self._by_levels = by_levels
        self._partnered: set[str] = set()  # tickets whose person has partners
        # Heap key → minutes left → the tickets filed there with that many minutes.
        self._heaps: dict[Key, dict[int, Heap]] = {}
        # Tandem family ("T", s, l) → the keys of its heaps present (see the module).
        self._families: dict[Key, dict[Key, None]] = {}
        self._minutes: dict[int, int] = {}  # minutes left → tickets waiting with as many
        self._groups: dict[int, list[tuple[int, ...]]] = {}  # `_minute_groups`, until it changes
        self._ranks: dict[int, dict[int, int]] = {}  # the same as minutes → place in that order
        self._tickets: dict[str, Waiting] = {}
        self._by_user: dict[str, Waiting] = {}
        self._seq = itertools.count()
        self._live: dict[int, Waiting] = {}  # heap key → ticket, for tickets in the pools
        self._thresholds = tuple(self.relax.threshold(level) for level in Level)
        self._met_skipped = False
        self._unfit_seen = False  # whether the last fitting-tandem search passed others
        self._fresh: list[Waiting] | None = None  # what the pools hold, if untouched since

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
                if key[0] == "T":
                    self._families.setdefault(key[:3], {})[key] = None
            heap = by_minutes.get(m)
            if heap is None:
                heap = by_minutes[m] = Heap()
            heapq.heappush(heap.items, w.key)
            heap.live += 1
        if m not in self._minutes:
            self._minutes[m] = 0
            self._groups.clear()
            self._ranks.clear()
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
                    if key[0] == "T":
                        family = self._families[key[:3]]
                        del family[key]
                        if not family:
                            del self._families[key[:3]]
            elif len(heap.items) > 2 * heap.live + 32:
                heap.compact(self._live)
        self._minutes[m] -= 1
        if not self._minutes[m]:
            del self._minutes[m]
            self._groups.clear()
            self._ranks.clear()
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
            c = waiting_partner(
                w, top, now, self._by_user, self._thresholds, self._by_minutes, self._by_levels
            )
            if c is not None:
                return self._take(w, c, compatibility(w, c, self._by_levels))
        groups = self._minute_groups(w.minutes)
        found = self._search(w, top, now, groups, allow_met=False)
        # Today's partners only if they were in the way and nobody new waits at all.
        if found is None and self._met_skipped and not self._anyone_new(w):
            found = self._search(w, top, now, groups, allow_met=True)
        return None if found is None else self._take(w, *found)

    def _search(
        self, w: Waiting, top: Level, now: float, groups: list[tuple[int, ...]], allow_met: bool
    ) -> tuple[Waiting, Level] | None:
        """The best candidate for `w` up to level `top`, and its level. Every ticket accepts
        the three tandem-tier levels (`waiting`), so only the levels below are checked."""
        if self._by_levels:
            self._unfit_seen = False
            if w.tandems:
                c = self._best_tandem(w, _FIT, groups, allow_met)
                if c is not None:
                    return c, Level.TANDEM_FIT
            if w.rated:
                c = self._best(w, Level.PEERS, now, groups, allow_met)
                if c is not None:
                    return c, Level.PEERS
            if self._unfit_seen:  # only the heaps the fitting search passed by are left
                c = self._best_tandem(w, _UNFIT, groups, allow_met)
                if c is not None:
                    return c, Level.TANDEM
        elif w.tandems:
            c = self._best_tandem(w, _ANY_TANDEM, groups, allow_met)
            if c is not None:
                return c, Level.TANDEM
        if top < _ONE_SIDED:  # the usual fresh ticket: tandem-tier levels only
            return None
        for level in _RELAXED:
            if level > top:
                break
            c = self._best(w, level, now, groups, allow_met)
            if c is not None:
                return c, level
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
            self._ranks[minutes] = {m: i for i, group in enumerate(groups) for m in group}
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
        """The candidate at exactly this level (peers and below) that accepts it, or None:
        from the first group of balances that has one, the oldest."""
        searches = w.searches[level]
        oldest_ok = now - self._thresholds[level]  # a stricter candidate must be this old
        heaps = self._heaps
        for group in groups:
            best: Waiting | None = None
            for key, needs_age in searches:
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

    def _best_tandem(
        self, w: Waiting, which: int, groups: list[tuple[int, ...]], allow_met: bool
    ) -> Waiting | None:
        """`_best` for the tandem levels: the heaps of `w`'s tandem families whose tickets
        fit it (`_FIT`), do not (`_UNFIT`), or all of them. Every ticket in a tandem heap
        accepts tandems from the start, so none needs to be old enough."""
        # A family may hold many heaps (welcome x level x minutes, most of them small): each
        # present one is ranked by its balance's place in the searcher's order (`groups`) and
        # its oldest entry (a bound on what it can offer), and they are asked best first,
        # until none left can beat the candidate found.
        heaps, families, welcomes = self._heaps, self._families, w.welcomes
        ranks = self._ranks[w.minutes] if len(groups) > 1 else None
        found: list[tuple[int, int, int, Heap]] = []
        for family, mine in w.tandems:
            keys = families.get(family)
            if keys is None:
                continue
            for key in keys:
                if which != _ANY_TANDEM:
                    # (their welcome, their level) = key[3], key[4]: see the module.
                    fit = key[3] <= mine and key[4] >= welcomes  # type: ignore[operator]
                    if fit != (which == _FIT):
                        self._unfit_seen = True
                        continue
                for m, heap in heaps[key].items():
                    rank = 0 if ranks is None else ranks[m]
                    found.append((rank, heap.items[0], len(found), heap))
        if len(found) < 2:
            return self._first(found[0][3], w, allow_met) if found else None
        found.sort()
        best: Waiting | None = None
        best_rank = 0
        for rank, oldest, _, heap in found:
            if best is not None and (rank > best_rank or oldest >= best.key):
                if rank > best_rank:
                    break
                continue
            c = self._first(heap, w, allow_met)
            if c is not None and (best is None or (rank, c.key) < (best_rank, best.key)):
                best, best_rank = c, rank
        return best

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

        Preferences never cost anyone their place. Levels: the round with the level ladder
        stands only if it leaves nobody waiting in place of someone who came after them
        against the round planned as before levels (the k-th longest-waiting person it leaves
        came no earlier than the k-th that round leaves: `preference.no_one_passed_over`);
        otherwise that round stands, and whoever it leaves may still pair on levels among
        themselves (peers, who had nobody before levels). Partners, within either: the round
        that prefers them stands on the same test against the round without the preference.
        Minutes, within those: the closest-minutes round stands only if it pairs everyone the
        plain oldest-first round pairs."""
        everyone = sorted(self._tickets.values(), key=lambda t: t.key)
        self._fresh = everyone
        pairings, settled = self._with_levels(everyone, now, oldest_since)
        if not settled:
            chosen = paired(pairings)
            self._refill(everyone)
            turns = True  # as in `_plan`: every ticket up to the first too new had a turn
            for w in everyone:
                turns = turns and (oldest_since is None or w.since <= oldest_since)
                if turns or w.ticket_id in chosen:
                    self.discard(w.ticket_id)
        self._fresh = None
        return pairings

    def _with_levels(
        self, everyone: list[Waiting], now: float, oldest_since: float | None
    ) -> Planned:
        if not (self._by_levels and any(w.levelled for w in everyone)):
            return self._with_partners(everyone, now, oldest_since)  # levels change nothing
        preferred, _ = self._with_partners(everyone, now, oldest_since)
        self._by_levels = False
        try:
            base, _ = self._with_partners(everyone, now, oldest_since)
        finally:
            self._by_levels = True
        if no_one_passed_over(everyone, paired(preferred), paired(base)):
            return preferred, False
        # The round as before levels stands; those it leaves may still pair as peers.
        chosen = paired(base)
        rest = [w for w in everyone if w.ticket_id not in chosen]
        more, settled = self._with_partners(rest, now, oldest_since)
        return base + more, settled

    def _with_partners(
        self, people: list[Waiting], now: float, oldest_since: float | None
    ) -> Planned:
        self._load(people)
        if not (self._by_partners and self._partners_waiting()):
            return self._with_minutes(people, now, oldest_since)
        preferred = self._plan(people, now, oldest_since)
        self._by_partners = False
        try:
            base, settled = self._with_minutes(people, now, oldest_since)
        finally:
            self._by_partners = True
        if not no_one_passed_over(people, paired(preferred), paired(base)):
            return base, settled
        return preferred, False

    def _partners_waiting(self) -> bool:
        by_user, tickets = self._by_user, self._tickets
        return any(p in by_user for t in self._partnered for p in tickets[t].partners)

    def _with_minutes(
        self, people: list[Waiting], now: float, oldest_since: float | None
    ) -> Planned:
        pairings = self._plan(people, now, oldest_since)
        if not self._by_minutes or len({w.minutes for w in people}) < 2:
            return pairings, True  # one balance for all: the minutes rule changes nothing
        # Minutes choose partners, they never cost anyone a pair: if the plain oldest-first
        # round pairs someone this one leaves waiting, that round stands.
        self._by_minutes, self._groups, self._ranks = False, {}, {}
        try:
            plain = self._plan(people, now, oldest_since)
        finally:
            self._by_minutes, self._groups, self._ranks = True, {}, {}
        if not paired(plain) <= paired(pairings):
            return plain, True
        return pairings, False

    def _plan(self, people: list[Waiting], now: float, oldest_since: float | None) -> list[Pairing]:
        """One round over exactly `people` (see `round`)."""
        self._load(people)
        self._fresh = None
        pairings: list[Pairing] = []
        for w in people:
            if oldest_since is not None and w.since > oldest_since:
                break
            if w.ticket_id not in self._tickets:
                continue  # taken by an older ticket in this round
            pairing = self.find(w, now)
            if pairing is not None:
                pairings.append(pairing)
        return pairings

    def _load(self, people: list[Waiting]) -> None:
        """The pools as at the start of a round over exactly `people`, in the same order."""
        if self._fresh is not people:
            self._refill(people)
            self._fresh = people

    def _refill(self, people: list[Waiting]) -> None:
        for w in list(self._tickets.values()):
            self.discard(w.ticket_id)
        for w in people:
            self.add(w)
