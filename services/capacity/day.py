"""The simulated day: people arrive by the hour of their time zone, join the queue (or invite
someone), and the real pairing core (`pairing.Pools`, `waiting.Waiting`: the levels, the
relaxation, the minutes rule, today's partners) decides who talks with whom and when.

Discrete events on one clock (epoch seconds from 00:00 UTC): a join looks for a partner at
once, as `tickets.on_funded` does; a ticket that waits is looked at again when its search
widens (the sweep wakes then, `leftovers.sweep_forever`); someone who waits longer than their
patience gives up. Every step books what the code's access patterns cost (`costs`) in the
second it happens; the waiting set's reads are booked from the number waiting in each shard
at that moment, as the code reads them (every shard, every look, every sweep).

`Window` simulates a slice of the day (a peak hour, say): only people whose first join falls
in it arrive, and the caller scales what it counts.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections import defaultdict, deque
from dataclasses import dataclass, field
from functools import partial

from services.capacity import costs
from services.capacity.assumptions import Assumptions
from services.capacity.meter import Compiled, Meter
from services.gateway.live.presence_sizing import (
    LISTING_FRESH_PER_S,
    MAX_LISTED,
    PER_SHARD,
    SHARDS,
    renewal_period_s,
    shard_of,
)
from services.gateway.settings import GatewaySettings
from services.matcher.core.pairing import Pairing, Pools
from services.matcher.core.waiting import Level, Relax, Waiting
from services.matcher.tables.waiting_layout import Layout
from services.wire.events.common import pool_key

DAY_S = 86_400
CONNECT_S = 5.0  # from session.started to both connected
ARRIVE, RELAX, ABANDON, END, INVITE_EXPIRE, CLOSE = range(6)
TOP_OF_HOUR = (0.15, 300.0)  # 15 % of an hour's first joins in its first 5 minutes [A]
# The waiting set's splits a stack needs: one per this many people a day, in powers of two.
# Simulated [Sim]: at 10 M with 4 the busiest waiting-set partition takes 22 % of its limit
# (a home shard's writes), at 1 M with 1 about 17 %: 2.5 M people a split keeps each near a
# quarter, half with the top-of-hour burst twice the model's (`PARLEY_WAITING_PARTITIONS`).
PEOPLE_PER_WAITING_SPLIT = 2_500_000


def waiting_layout_for(people: int) -> Layout:
    splits = 1
    while splits * PEOPLE_PER_WAITING_SPLIT < people:
        splits *= 2
    return Layout(splits)


@dataclass(frozen=True)
class Window:
    start_s: float = 0.0
    end_s: float = DAY_S

    @property
    def seconds(self) -> float:
        return self.end_s - self.start_s


@dataclass(slots=True, eq=False)
class Person:
    uid: str
    speaks: tuple[str, ...]
    learns: tuple[str, ...]
    pool: str
    presence_shard: str
    left: int  # participations still to come today
    used: float = 0.0  # minutes talked today
    met: frozenset[str] = frozenset()
    front: tuple[float, float] | None = None  # (since, until): first in line after a no-show
    page_open: float | None = None


@dataclass(slots=True, eq=False)
class Ticket:
    w: Waiting
    person: Person
    joined: float
    shard: str


@dataclass
class Outcomes:
    people: int = 0
    joins: int = 0
    matched_joins: int = 0
    abandoned: int = 0
    sessions: int = 0
    invites: int = 0
    invites_expired: int = 0
    no_shows: int = 0
    talk_minutes: float = 0.0
    widenings: int = 0
    looks: int = 0
    look_entrants: int = 0  # waiting-set items read across all looks (the matcher's CPU)
    waits: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    levels: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    max_waiting: int = 0


class Day:
    """One simulated day (or a window of it) of `a.people` people."""

    def __init__(
        self,
        a: Assumptions,
        *,
        window: Window = Window(),
        waiting: Layout | None = None,
        presence_shards: int = SHARDS,
        presence_ttl_s: float = GatewaySettings.model_fields["connection_ttl_s"].default,
        matcher_instances: int = 4,
        design: str = "today",
        seed: int = 1,
    ) -> None:
        if design not in ("today", "offers"):
            raise ValueError(f"unknown waiting-set design {design!r}")
        self.a = a
        self.design = design
        # "offers": how many waiting tickets each partner heap holds (`Waiting.keys`).
        self._offers: dict[tuple[object, ...], int] = defaultdict(int)
        self._keyed: dict[tuple[str, str, int, tuple[str, ...]], Compiled] = {}
        self.window = window
        # The waiting set split as a stack of this size is (`waiting_layout_for`).
        self.layout = waiting or waiting_layout_for(a.people)
        self.shards = self.layout.homes
        self.presence_shards = presence_shards
        # A person's presence is renewed by the first ping a minute after the last renewal.
        self.presence_period_s = renewal_period_s(presence_ttl_s, a.ping_s)
        self.instances = matcher_instances
        self.rng = random.Random(seed)
        self.meter = Meter(DAY_S)
        self.out = Outcomes()
        self.pools = Pools(Relax(a.relax_one_sided_s, a.relax_anyone_s))
        self._tickets: dict[str, Ticket] = {}
        self.waiting = dict.fromkeys(self.shards, 0)
        # Per second: how many wait in each shard, sockets open per presence shard, people
        # waiting or talking, rooms live.
        self.waiting_series = {s: [0] * DAY_S for s in self.shards}
        self._sockets = [[0] * (DAY_S + 1) for _ in range(presence_shards)]
        self._busy = [0] * (DAY_S + 1)
        self._rooms = [0] * (DAY_S + 1)
        self._clock = -1
        self._events: list[tuple[float, int, int, object]] = []
        self._seq = itertools.count()
        self._ids = itertools.count()
        self._invites: deque[tuple[float, Person]] = deque()

    # -- the day ------------------------------------------------------------------------

    def run(self) -> Day:
        self._arrivals()
        events = self._events
        while events:
            t, _, kind, obj = heapq.heappop(events)
            if t >= DAY_S:
                break
            self._tick(t)
            if kind == ARRIVE:
                self._arrive(obj, t)  # type: ignore[arg-type]
            elif kind == RELAX:
                self._relax(obj, t)  # type: ignore[arg-type]
            elif kind == ABANDON:
                self._abandon(obj, t)  # type: ignore[arg-type]
            elif kind == END:
                self._end(obj, t)  # type: ignore[arg-type]
            elif kind == INVITE_EXPIRE:
                self._invite_expired(obj, t)  # type: ignore[arg-type]
            else:
                self._close(obj, t)  # type: ignore[arg-type]
        self._tick(DAY_S - 1)
        return self

    def _at(self, t: float, kind: int, obj: object) -> None:
        heapq.heappush(self._events, (t, next(self._seq), kind, obj))

    def _tick(self, t: float) -> None:
        """Record how many wait in each shard for every second the clock passed."""
        sec = int(t)
        if sec <= self._clock:
            return
        for s in self.shards:
            series, n = self.waiting_series[s], self.waiting[s]
            for i in range(self._clock + 1, sec + 1):
                series[i] = n
        self._clock = sec

    def _arrivals(self) -> None:
        """Everyone's first join: per region, the local hour's share of the day."""
        a, rng, (lo, hi) = self.a, self.rng, (self.window.start_s, self.window.end_s)
        weights = a.utc_hours()
        cumulative = list(itertools.accumulate(p.share for p in a.profiles))
        mean_extra = a.participations - 1.0
        spike_share, spike_s = TOP_OF_HOUR
        for hour, share in enumerate(weights):
            begin = hour * 3600.0
            if begin + 3600 <= lo or begin >= hi:
                continue
            expected = a.people * share
            for _ in range(_poisson(rng, expected)):
                if rng.random() < spike_share:
                    t = begin + rng.random() * spike_s
                else:
                    t = begin + spike_s + rng.random() * (3600 - spike_s)
                if not lo <= t < hi:
                    continue
                profile = a.profiles[_pick(cumulative, rng.random())]
                n = next(self._ids)
                uid = f"u{n}"
                person = Person(
                    uid=uid,
                    speaks=profile.speaks,
                    learns=profile.learns,
                    pool=pool_key(profile.speaks, profile.learns),
                    presence_shard=shard_of(uid, self.presence_shards),
                    left=1 + _poisson(rng, mean_extra),
                )
                self.out.people += 1
                self._at(t, ARRIVE, person)

    # -- a participation -------------------------------------------------------------------

    def _arrive(self, p: Person, t: float) -> None:
        if p.page_open is None:
            # Opened a little before the first join (or then, at the start of a window).
            p.page_open = t - self.a.page_before_s
            if p.page_open < self.window.start_s:
                p.page_open = t
            self._add(self._sockets[int(p.presence_shard[7:])], p.page_open, DAY_S, 1)
            self.meter.count("visit", int(p.page_open), costs.visit)
            # Into the index (2 writes if a lapsed entry of theirs was still in it).
            self.meter.add(f"wcu:gateway-presence.online/{p.presence_shard}", int(p.page_open), 2)
        if self.rng.random() < self.a.invite_share:
            self._invite(p, t)
        else:
            self._join(p, t)

    def _join(self, p: Person, t: float) -> None:
        out, m, sec = self.out, self.meter, int(t)
        out.joins += 1
        m.add("count:joins", sec, 1)
        since = t
        if p.front is not None and t < p.front[1]:
            since = min(t, p.front[0])
        p.front = None
        n = next(self._ids)
        w = Waiting(
            ticket_id=f"t{n}",
            user_id=p.uid,
            speaks=p.speaks,
            learns=p.learns,
            since=since,
            minutes=max(1, math.ceil(self.a.daily_minutes - p.used)),
            pool=p.pool,
            met=p.met,
        )
        ticket = Ticket(w, p, t, self.layout.home_of(w.ticket_id))
        m.count("request", sec, costs.request)
        self._look(sec, w, t)
        pairing = self.pools.find(w, t)
        if pairing is not None:
            self._matched(pairing, ticket, t, fresh=True)
            return
        # Into the waiting set, then the second look (it reads the new item too).
        self.pools.add(w)
        self._tickets[w.ticket_id] = ticket
        self.waiting[ticket.shard] += 1
        out.max_waiting = max(out.max_waiting, len(self.pools))
        m.count("wait", sec, costs.wait)
        self._in_or_out(ticket, sec, filed=1)
        self._look(sec, w, t)
        self._add(self._busy, t, DAY_S, 1)
        for at, _level in w.relax_steps(self.pools.relax):
            # The sweep wakes when a search is due to widen, a little after.
            self._at(at + self.rng.uniform(0.02, 0.2), RELAX, ticket)
        self._at(t + self.rng.expovariate(1 / self.a.patience_mean_s), ABANDON, ticket)

    def _look(self, sec: int, w: Waiting, t: float) -> None:
        """One look for `w`: today, a read of the whole waiting set (every shard, strongly
        consistent); "offers", the oldest page of each partner heap `w` may take now."""
        self.out.looks += 1
        m = self.meter
        m.count("look", sec, costs.look)
        if self.design == "offers":
            top = w.accepts(t, self.pools.relax)
            keys = {key for level in range(top + 1) for key, _ in w.searches[level]}
            for key in keys:
                n = self._offers.get(key, 0)
                parts = costs.offer_partitions(key)
                head = min(n, costs.OFFER_PAGE * parts)
                self.out.look_entrants += head
                units = costs.offer_read(n, parts)
                m.add(f"rcu:matcher-waiting/{costs.offer_name(key)}", sec, units)
                m.add("count:waiting-rcu", sec, units * parts)
                m.add("cpu:matcher-entrants", sec, head)
                m.add("calls:matcher", sec, parts)
            return
        # A look reads the oldest page of each partition its partners are in (the code's
        # `waitlist.searched`), each at most `LOOK_PAGE` items, however many wait.
        n = sum(self.waiting.values())
        accepts = w.accepts(t, self.pools.relax)
        for part, _ in self.layout.searched(w.speaks, w.learns, accepts, t, self.pools.relax):
            units = costs.waiting_read(n)
            self.out.look_entrants += min(n, costs.LOOK_PAGE)
            m.add(f"rcu:matcher-waiting/{part}", sec, units)
            m.add("count:waiting-rcu", sec, units)
            m.add("cpu:matcher-entrants", sec, min(n, costs.LOOK_PAGE))

    def _in_or_out(self, ticket: Ticket, sec: int, claims: int = 0, filed: int = -1) -> None:
        """Its waiting item(s) written or deleted (`filed` +1 into the set, -1 out of it, 0 a
        widening's claims)."""
        if claims:
            filed = 0
        if self.design == "today":
            copies = tuple(self.layout.copies(ticket.w.ticket_id, ticket.w.speaks, ticket.w.learns))
            kept = (ticket.w.pool, ticket.shard, claims, copies)
            compiled = self._keyed.get(kept)
            if compiled is None:
                compiled = self._keyed[kept] = self.meter.step(
                    ("in_or_out", *kept), partial(costs.in_or_out, *kept)
                )
            self.meter.book(compiled, sec)
            return
        w = ticket.w
        self.meter.add(f"wcu:matcher-tickets.waiting/{w.pool}", sec, 1)
        if claims:  # the claim: a conditional write on the ticket's `A` item (split 8 ways)
            anyone = w.keys[-1]
            name = costs.offer_name(anyone)
            self.meter.add(
                f"wcu:matcher-waiting/{name}", sec, claims / costs.offer_partitions(anyone)
            )
            return
        for key in w.keys:
            self._offers[key] += filed
            name = costs.offer_name(key)
            self.meter.add(f"wcu:matcher-waiting/{name}", sec, 2 / costs.offer_partitions(key))

    def _leave(self, ticket: Ticket, t: float) -> None:
        """Out of the waiting set (matched, cancelled)."""
        del self._tickets[ticket.w.ticket_id]
        self.waiting[ticket.shard] -= 1
        self._add(self._busy, t, DAY_S, -1)

    def _relax(self, ticket: Ticket, t: float) -> None:
        w = ticket.w
        if self.pools.get(w.ticket_id) is not w:
            return  # matched or gone meanwhile
        if self.design == "offers":
            self._look(int(t), w, t)  # the sweep's look for it, at its wider level
        pairing = self.pools.find(w, t)
        if pairing is None:
            # Still nobody: the sweep tells them their search widened.
            self.pools.add(w)
            self.out.widenings += 1
            # Told by the sweeping instance: one claim, one announcement.
            self.meter.count("widen", int(t), lambda: costs.widen(SWEEPERS))
            self._in_or_out(ticket, int(t), claims=SWEEPERS)
            return
        self._leave(ticket, t)
        self._matched(pairing, ticket, t, fresh=False)

    def _abandon(self, ticket: Ticket, t: float) -> None:
        w, p = ticket.w, ticket.person
        if self.pools.get(w.ticket_id) is not w:
            return
        self.pools.discard(w.ticket_id)
        self._leave(ticket, t)
        self.out.abandoned += 1
        self.meter.count("cancel", int(t), costs.cancel)
        self._in_or_out(ticket, int(t))
        self._next(p, t)

    # -- sessions ------------------------------------------------------------------------

    def _matched(self, pairing: Pairing, mine: Ticket, t: float, *, fresh: bool) -> None:
        other_w = pairing.second if pairing.first is mine.w else pairing.first
        other = self._tickets[other_w.ticket_id]
        self._leave(other, t)
        out, m = self.out, self.meter
        out.matched_joins += 2
        out.levels[pairing.level.looking_for] += 1
        for tk in (mine, other):
            out.waits[tk.w.pool].append(t - tk.joined)
        m.count(("match", fresh), int(t), lambda: costs.match(fresh))
        for tk in (other,) if fresh else (mine, other):
            self._in_or_out(tk, int(t))
        self._session(mine.person, other.person, t, (mine.w, other_w))

    def _session(
        self, a: Person, b: Person, t: float, tickets: tuple[Waiting, Waiting] | None
    ) -> None:
        out, rng = self.out, self.rng
        out.sessions += 1
        a.met, b.met = a.met | {b.uid}, b.met | {a.uid}
        if tickets is not None and rng.random() < self.a.no_show_share:
            # One never connects: the session ends free at the no-show deadline and the one
            # who came is first in line again (`front`).
            out.no_shows += 1
            came, gone = (a, b) if rng.random() < 0.5 else (b, a)
            w_came = tickets[0] if came is a else tickets[1]
            end = t + self.a.no_show_s
            self._at(end, END, (came, gone, 0.0, t))
            came.front = (w_came.since, end + 120.0)
            return
        balance = min(self.a.daily_minutes - a.used, self.a.daily_minutes - b.used)
        talk = min(rng.expovariate(1 / self.a.talk_mean_min), max(1.0, balance))
        self._at(t + CONNECT_S + talk * 60, END, (a, b, talk, t))

    def _end(self, session: tuple[Person, Person, float, float], t: float) -> None:
        a, b, talk, began = session
        m = self.meter
        m.count("end", int(t), costs.end)
        self._add(self._rooms, began, t, 1)
        self._add(self._busy, began, t, 2)
        if talk == 0.0:  # no-show: `a` came and joins again at once, `b` is gone for now
            self._at(t + self.rng.uniform(2, 15), ARRIVE, a)
            self._next(b, t)
            return
        self.out.talk_minutes += 2 * talk
        for p in (a, b):
            p.used += talk
            self._next(p, t)

    def _next(self, p: Person, t: float) -> None:
        """A participation is over (talked, gave up): the next one, or the page closes."""
        p.left -= 1
        if p.left > 0 and p.used < self.a.daily_minutes - 1:
            self._at(t + self.rng.expovariate(1 / self.a.regroup_s), ARRIVE, p)
        else:
            self._at(t + self.a.page_after_s, CLOSE, p)

    def _close(self, p: Person, t: float) -> None:
        if p.page_open is not None:
            self._add(self._sockets[int(p.presence_shard[7:])], t, DAY_S, -1)
            # The last close: the count goes down (1 index write), then out of the index (1).
            self.meter.add(f"wcu:gateway-presence.online/{p.presence_shard}", int(t), 2)
            p.page_open = None

    # -- invites -------------------------------------------------------------------------

    def _invite(self, p: Person, t: float) -> None:
        """An invite: paired with the next person who wants to invite (an invite is sent to
        someone online who accepts it); one nobody accepts expires."""
        pending = self._invites
        while pending and pending[0][0] + self.a.invite_wait_s < t:
            pending.popleft()
        if pending and pending[0][1] is not p:
            _, other = pending.popleft()
            self.out.invites += 1
            self.meter.count("invite", int(t), costs.invite)
            self._session(other, p, t, None)
            return
        pending.append((t, p))
        self._at(t + self.a.invite_wait_s, INVITE_EXPIRE, (t, p))

    def _invite_expired(self, entry: tuple[float, Person], t: float) -> None:
        if entry in self._invites:
            self._invites.remove(entry)
            self.out.invites_expired += 1
            self._next(entry[1], t)

    # -- per-second series -----------------------------------------------------------------

    @staticmethod
    def _add(diff: list[int], start: float, end: float, n: int) -> None:
        diff[max(0, int(start))] += n
        diff[min(DAY_S, int(end))] -= n

    def sockets(self, shard: int) -> list[int]:
        return list(itertools.accumulate(self._sockets[shard][:DAY_S]))

    def online(self) -> list[int]:
        """Open sockets (one per person) per second, all shards together."""
        shards = [self.sockets(i) for i in range(self.presence_shards)]
        return [sum(col) for col in zip(*shards, strict=True)]

    def listings(self) -> list[float]:
        """`GET /v1/presence` per second: everyone on Home re-reads it every 10 s."""
        return [
            max(0, o - b) / costs.LISTING_EVERY_S
            for o, b in zip(self.online(), self.busy(), strict=True)
        ]

    def book_listing_index(self, gateway_tasks: int) -> None:
        """The listings' fresh reads of the `online` index: each gateway task reads it at
        most `LISTING_FRESH_PER_S` times a second, whatever the crowd polling it."""
        step = self.meter.step(("listing-index", self.presence_shards), self.listing_index_ops)
        cap = gateway_tasks * LISTING_FRESH_PER_S
        online, busy = self.online(), self.busy()
        for sec, n in enumerate(self.listings()):
            if n:
                self.meter.book(step, sec, min(n, cap))
                # The lookups of who is listed (33 people a batch until 50 who can talk are
                # found) go with the fresh reads: the listings sharing a read share them.
                free = max(1, online[sec] - busy[sec]) / max(1, online[sec])
                candidates = min(online[sec], SHARDS * PER_SHARD, math.ceil(MAX_LISTED / free))
                batches = max(1, math.ceil(candidates / costs.LISTING_BATCH))
                lookups = self.meter.step(
                    ("listing-lookups", batches), partial(costs.listing_lookups, batches)
                )
                self.meter.book(lookups, sec, min(n, cap))

    def listing_index_ops(self) -> list[costs.Op]:
        return costs.listing_index(self.presence_shards)

    def busy(self) -> list[int]:
        return list(itertools.accumulate(self._busy[:DAY_S]))

    def rooms(self) -> list[int]:
        return list(itertools.accumulate(self._rooms[:DAY_S]))

    def book_background(self) -> None:
        """What runs on clocks rather than on events: pings, the SPA's re-reads, every
        instance's sweep of the waiting set and its reconciler's index queries."""
        m, a = self.meter, self.a
        m.expand()
        per_ping = a.ping_s
        for shard in range(self.presence_shards):
            name = f"online#{shard}"
            with_presence = m.step(("ping", name, True), partial(costs.ping, name, True))
            lease_only = m.step(("ping", name, False), partial(costs.ping, name, False))
            share = per_ping / self.presence_period_s  # of pings that renew presence and lease
            for sec, n in enumerate(self.sockets(shard)):
                if n:
                    m.book(with_presence, sec, n / per_ping * share)
                    m.book(lease_only, sec, n / per_ping * (1 - share))
                    m.add("api:connection-seconds", sec, n)
        # No periodic re-read of `/v1/me` while waiting or talking: what it guarded (a ban, a
        # block or report that ends the call, a deleted account) is pushed on the socket. The
        # SPA re-reads every 30 s only while its socket is down, which this day leaves out.
        # The presence list, re-read every 10 s by everyone on Home (online, neither waiting
        # nor talking): each listing reads the viewer's blocks and partners; the index read
        # and the lookups of who is listed are booked per fresh read (`book_listing_index`).
        own = m.step(("listing",), costs.listing)
        for sec, listings in enumerate(self.listings()):
            if listings:
                m.book(own, sec, listings)
        if self.design == "offers":
            # Each instance's sweep reads, per `A` heap partition, the tickets whose search
            # widened since its last sweep (a range of `sinceMs`): a page at most.
            for anyone in (True, False):
                name = costs.offer_name(("A", anyone))
                for sec in range(DAY_S):
                    m.add(f"rcu:matcher-waiting/{name}", sec, float(self.instances))
                    m.add("count:waiting-rcu", sec, float(self.instances * costs.OFFER_SUBSHARDS))
                    m.add("calls:matcher", sec, self.instances * costs.OFFER_SUBSHARDS)
        # The sweep: one instance at a time reads the whole waiting set each second (the
        # lease holder, `sweep_lease`); the others read the lease (consistent: one unit) and
        # the holder renews it.
        sweepers = SWEEPERS
        for sec in range(DAY_S):
            m.add("rcu:matcher-waiting/lease", sec, float(self.instances - sweepers))
            m.add("wcu:matcher-waiting/lease", sec, float(sweepers))
            m.add("calls:matcher", sec, self.instances)
        for s in self.shards if self.design == "today" else ():
            where = f"rcu:matcher-waiting/{s}"
            for sec, n in enumerate(self.waiting_series[s]):
                m.add(where, sec, sweepers * costs.whole_set_read(n))
                m.add("count:waiting-rcu", sec, sweepers * costs.whole_set_read(n))
                m.add("calls:matcher", sec, sweepers)
                m.add("cpu:matcher-entrants", sec, sweepers * n)
        # Reconciler, per instance every 10 s: its sparse indexes, every shard of each, a page
        # at most (`costs.RECONCILER_QUERIES`), and the
        # TTL refresher's read of the waiting set (`ttl.refresh_waiting`: all of it today;
        # filed by offers, a range of old tickets per `A` partition).
        for sec in range(0, DAY_S, 10):
            m.add(
                "rcu:matcher (reconciler indexes)",
                sec,
                0.5 * costs.RECONCILER_QUERIES * self.instances,
            )
            if self.design == "offers":
                m.add("count:waiting-rcu", sec, 2.0 * costs.OFFER_SUBSHARDS * self.instances)
                continue
            for s in self.shards:  # the TTL refresher runs on the sweeping instance only
                units = SWEEPERS * costs.whole_set_read(self.waiting_series[s][sec])
                m.add(f"rcu:matcher-waiting/{s}", sec, units)
                m.add("count:waiting-rcu", sec, units)
                m.add("cpu:matcher-entrants", sec, SWEEPERS * self.waiting_series[s][sec])


# Instances that read the whole waiting set at once: the sweep lease's holder (two only for
# the moments a lapsed lease changes hands, which a second's peak does not see).
SWEEPERS = 1


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, prod = math.exp(-mean), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


def _pick(cumulative: list[float], u: float) -> int:
    u *= cumulative[-1]
    for i, c in enumerate(cumulative):
        if u < c:
            return i
    return len(cumulative) - 1


LEVELS = tuple(level.looking_for for level in Level)
