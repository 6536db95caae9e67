"""Properties of the pairing core, checked against a plain O(n) model of the same rules.

The model says what the rules mean in the most direct way (look at everybody); the indexed
core must choose exactly the same partner after any sequence of joins, leaves, relaxed
searches, blocks, meetings and partnerships. A round (everyone in turn, oldest first) is
checked against the plain oldest-first round: minutes left may change who talks with whom,
never who gets to talk; partners may also change who waits, but never leave anyone waiting in
place of someone who came after them, nor cost a pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import example, given, settings
from hypothesis import strategies as st

from services.matcher.core.pairing import Pools
from services.matcher.core.preference import no_one_passed_over
from services.matcher.core.waiting import Level, Relax, Waiting, compatibility

RELAX = Relax(one_sided_s=10, anyone_s=30)
LANGS = ("en", "es", "fr")
USERS = tuple(f"u{i}" for i in range(5))
MINUTES = (1, 2, 4, 14, 15)


@dataclass
class Model:
    """Everybody waiting, in the order they (re)joined; pairs known to be blocked or met."""

    waiting: list[Waiting] = field(default_factory=list)
    blocked: set[frozenset[str]] = field(default_factory=set)
    met: set[frozenset[str]] = field(default_factory=set)
    partners: set[frozenset[str]] = field(default_factory=set)

    def find(self, w: Waiting, now: float) -> Waiting | None:
        top = w.accepts(now, RELAX)
        others = [
            c
            for c in self.waiting
            if c.user_id != w.user_id and frozenset((c.user_id, w.user_id)) not in self.blocked
        ]

        def allowed(c: Waiting) -> bool:
            level = compatibility(w, c)
            return level <= top and level <= c.accepts(now, RELAX)

        def met(c: Waiting) -> bool:
            return frozenset((c.user_id, w.user_id)) in self.met

        def best(cands: list[Waiting]) -> Waiting | None:
            """A partner (as `w`'s ticket knows them) not met today first; then the best
            level, then the closest balance (the larger of two equally close), then the
            oldest."""
            order = {id(c): i for i, c in enumerate(self.waiting)}

            def rank(c: Waiting) -> tuple[int, ...]:
                closeness = (abs(c.minutes - w.minutes), -c.minutes)
                stranger = c.user_id not in w.partners or met(c)
                level = compatibility(w, c)
                return (stranger, level, *closeness, int(c.since * 1000), order[id(c)])

            return min(cands, key=rank, default=None)

        found = best([c for c in others if allowed(c) and not met(c)])
        if found is None and not any(not met(c) for c in others):
            found = best([c for c in others if allowed(c)])
        return found


join = st.tuples(
    st.just("join"),
    st.sampled_from(USERS),
    st.lists(st.sampled_from(LANGS), max_size=2, unique=True),
    st.lists(st.sampled_from(LANGS), max_size=2, unique=True),
    st.sampled_from(MINUTES),
)
leave = st.tuples(st.just("leave"), st.sampled_from(USERS))
relax = st.tuples(st.just("relax"), st.sampled_from(USERS))
block = st.tuples(st.just("block"), st.sampled_from(USERS), st.sampled_from(USERS))
met = st.tuples(st.just("met"), st.sampled_from(USERS), st.sampled_from(USERS))
partner = st.tuples(st.just("partner"), st.sampled_from(USERS), st.sampled_from(USERS))
tick = st.tuples(st.just("tick"), st.integers(min_value=1, max_value=25))
ops = st.lists(
    st.one_of(join, join, join, leave, relax, relax, block, met, partner, tick), max_size=80
)


@settings(max_examples=400, deadline=None)
@given(ops)
# Today's partner waits and so does someone new who is not a partner yet: no rematch.
@example(
    [
        ("join", "u1", ["es"], ["en"], 15),
        ("met", "u0", "u1"),
        ("join", "u2", ["fr"], ["en"], 15),
        ("join", "u0", ["en"], ["es"], 15),
    ]
)
# Today's partner is the only one waiting: a rematch.
@example(
    [("join", "u1", ["es"], ["en"], 15), ("met", "u0", "u1"), ("join", "u0", ["en"], ["es"], 15)]
)
# An older 2-minute and a newer 14-minute candidate: the 15-minute searcher takes the 14.
@example(
    [
        ("join", "u1", ["en"], ["es"], 2),
        ("tick", 1),
        ("join", "u2", ["en"], ["es"], 14),
        ("join", "u0", ["es"], ["en"], 15),
    ]
)
# A partner waits beside an older tandem stranger: the partner (anyone level, accepted).
@example(
    [
        ("partner", "u0", "u2"),
        ("join", "u1", ["es"], ["en"], 15),
        ("join", "u2", ["fr"], ["de"], 15),
        ("tick", 25),
        ("tick", 25),
        ("join", "u0", ["en"], ["es"], 15),
        ("tick", 25),
        ("tick", 25),
        ("relax", "u0"),
    ]
)
def test_the_indexed_core_chooses_what_the_plain_rules_say(steps: list[tuple[object, ...]]) -> None:
    pools, model = Pools(RELAX), Model()
    now, n = 0.0, 0
    sessions: list[tuple[str, str]] = []

    def pair(w: Waiting, in_pool: bool) -> None:
        if in_pool:
            model.waiting.remove(w)
        expected = model.find(w, now)
        got = pools.find(w, now)
        got_partner = None
        if got is not None:
            got_partner = got.second if got.first is w else got.first
        assert got_partner is expected, (w.user_id, now, steps)
        if got_partner is None:
            pools.add(w)
            model.waiting.append(w)
            return
        model.waiting.remove(got_partner)
        model.met.add(frozenset((w.user_id, got_partner.user_id)))
        pools.met(w.user_id, got_partner.user_id)
        w.met_user(got_partner.user_id)
        got_partner.met_user(w.user_id)
        sessions.append((w.user_id, got_partner.user_id))

    for step in steps:
        kind = step[0]
        if kind == "tick":
            now += float(step[1])  # type: ignore[arg-type]
        elif kind == "join":
            user = str(step[1])
            if pools.of_user(user) is not None:
                continue
            n += 1
            w = Waiting(
                f"t{n}",
                user,
                tuple(step[2]),  # type: ignore[arg-type]
                tuple(step[3]),  # type: ignore[arg-type]
                since=now,
                minutes=int(step[4]),  # type: ignore[call-overload]
            )
            for pair_ in model.blocked | model.met | model.partners:
                if user in pair_ and len(pair_) == 2:
                    (other,) = pair_ - {user}
                    if pair_ in model.blocked:
                        w.avoid_user(other)
                    if pair_ in model.met:
                        w.met_user(other)
                    if pair_ in model.partners:  # learned when the ticket is funded
                        w.partners = w.partners | {other}
            pair(w, in_pool=False)
        elif kind == "leave":
            w_ = pools.of_user(str(step[1]))
            if w_ is not None:
                pools.discard(w_.ticket_id)
                model.waiting.remove(w_)
        elif kind == "relax":
            w_ = pools.of_user(str(step[1]))
            if w_ is not None:
                pair(w_, in_pool=True)
        elif kind == "block":
            a, b = str(step[1]), str(step[2])
            if a != b:
                model.blocked.add(frozenset((a, b)))
                pools.block(a, b)
        elif kind == "met":  # they talked earlier today (learned from the pairs table)
            a, b = str(step[1]), str(step[2])
            if a != b:
                model.met.add(frozenset((a, b)))
                pools.met(a, b)
        elif kind == "partner":  # both said "talk again": their next tickets carry it
            a, b = str(step[1]), str(step[2])
            if a != b:
                model.partners.add(frozenset((a, b)))

    assert sorted(w.ticket_id for w in pools) == sorted(w.ticket_id for w in model.waiting)
    assert all(a != b for a, b in sessions)
    users = [w.user_id for w in pools]
    assert len(users) == len(set(users))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(USERS), st.booleans()), max_size=80))
def test_a_ticket_leaves_the_pools_at_most_once(moves: list[tuple[str, bool]]) -> None:
    """Whatever the mix of joins and searches, every ticket is paired at most once, and a
    paired ticket is never still waiting."""
    pools = Pools(Relax(0, 0))
    seen: set[str] = set()
    n = 0
    for user, search in moves:
        n += 1
        w = Waiting(f"t{n}", user, (), (), since=float(n))
        if search:
            found = pools.find(w, float(n))
            if found is not None:
                for x in (found.first, found.second):
                    assert x.ticket_id not in seen
                    seen.add(x.ticket_id)
                assert found.level == Level.ANYONE
                continue
        pools.add(w)
    assert not seen & {w.ticket_id for w in pools}


# One waiting person: languages, minutes left, waiting since (s), whom they blocked.
person = st.tuples(
    st.lists(st.sampled_from(LANGS), max_size=2, unique=True),
    st.lists(st.sampled_from(LANGS), max_size=2, unique=True),
    st.sampled_from(MINUTES),
    st.integers(min_value=0, max_value=60),
    st.sets(st.integers(min_value=0, max_value=7), max_size=2),
)
Person = tuple[list[str], list[str], int, int, set[int]]


def _tickets(
    people: list[Person], partners: frozenset[frozenset[int]] = frozenset()
) -> list[Waiting]:
    """Fresh tickets for one pool (the pools keep their heap positions in them)."""
    out = []
    for i, (speaks, learns, minutes, since, blocked) in enumerate(people):
        avoid = {f"p{j}" for j in blocked if j != i}
        avoid |= {f"p{j}" for j, other in enumerate(people) if i in other[4] and j != i}
        mine = frozenset(f"p{j}" for pair in partners if i in pair for j in pair if j != i)
        out.append(
            Waiting(
                f"t{i}",
                f"p{i}",
                tuple(speaks),
                tuple(learns),
                since=float(since),
                minutes=minutes,
                avoid=frozenset(avoid),
                partners=mine,
            )
        )
    return out


def _round(
    people: list[Person],
    now: float,
    oldest_since: float | None,
    by_minutes: bool,
    partners: frozenset[frozenset[int]] = frozenset(),
    by_partners: bool = True,
) -> tuple[list[tuple[Waiting, Waiting, Level]], set[str], set[str]]:
    pools = Pools(RELAX, by_minutes=by_minutes, by_partners=by_partners)
    for w in _tickets(people, partners):
        pools.add(w)
    pairs = [(p.first, p.second, p.level) for p in pools.round(now, oldest_since)]
    paired = {w.user_id for a, b, _ in pairs for w in (a, b)}
    return pairs, paired, {w.user_id for w in pools}


@settings(max_examples=400, deadline=None)
@given(
    st.lists(person, max_size=8),
    st.integers(min_value=0, max_value=90),
    st.one_of(st.none(), st.integers(min_value=0, max_value=60)),
)
# b (2 min) can talk only to a: a taking c (14, closer) would strand b and d.
@example(
    [
        ([], [], 15, 0, set()),
        ([], [], 2, 1, {2, 3}),
        ([], [], 14, 2, set()),
        ([], [], 14, 3, set()),
    ],
    4,
    None,
)
def test_minutes_change_who_talks_with_whom_never_who_gets_to_talk(
    people: list[Person],
    now_offset: int,
    oldest: int | None,
) -> None:
    now = 60.0 + now_offset
    oldest_since = None if oldest is None else float(oldest)
    pairs, paired, left = _round(people, now, oldest_since, by_minutes=True)
    _, plain_paired, _ = _round(people, now, oldest_since, by_minutes=False)
    # Nobody the oldest-first round pairs is left waiting.
    assert plain_paired <= paired
    # Every pair is one both accept, nobody twice, never a blocked pair.
    seen: set[str] = set()
    for a, b, level in pairs:
        assert {a.user_id, b.user_id}.isdisjoint(seen)
        seen |= {a.user_id, b.user_id}
        assert a.since <= b.since  # the one who waited longer offers
        assert b.user_id not in a.avoid
        assert a.user_id not in b.avoid
        assert compatibility(a, b) <= level <= min(a.accepts(now, RELAX), b.accepts(now, RELAX))
    # The pools keep exactly those who neither took a turn nor were taken.
    everyone = _tickets(people)
    turned = {w.user_id for w in everyone if oldest_since is None or w.since <= oldest_since}
    assert left == {w.user_id for w in everyone} - paired - turned
    # A full round leaves no two people waiting who could talk now.
    if oldest_since is None:
        waiting = [w for w in everyone if w.user_id not in paired]
        for a in waiting:
            for b in waiting:
                if a is b or b.user_id in a.avoid:
                    continue
                level = compatibility(a, b)
                assert level > min(a.accepts(now, RELAX), b.accepts(now, RELAX)), (a, b)


@settings(max_examples=200, deadline=None)
@given(st.lists(person, max_size=8), st.integers(min_value=0, max_value=90))
def test_with_one_balance_for_all_a_round_is_the_oldest_first_round(
    people: list[Person], now_offset: int
) -> None:
    same = [(s, lr, 15, since, b) for s, lr, _, since, b in people]
    now = 60.0 + now_offset
    with_minutes, _, _ = _round(same, now, None, by_minutes=True)
    plain, _, _ = _round(same, now, None, by_minutes=False)
    ids = [(a.user_id, b.user_id, lv) for a, b, lv in with_minutes]
    assert ids == [(a.user_id, b.user_id, lv) for a, b, lv in plain]


partnerships = st.frozensets(
    st.frozensets(st.integers(min_value=0, max_value=7), min_size=2, max_size=2), max_size=4
)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(person, max_size=8),
    partnerships,
    st.integers(min_value=0, max_value=90),
    st.one_of(st.none(), st.integers(min_value=0, max_value=60)),
)
# ana (p0) and her partner ben (p1) and carol (p2), newest and a better level for ana.
@example(
    [(["en"], ["es"], 15, 0, set()), (["de"], ["ja"], 15, 1, set()), (["es"], [], 15, 2, set())],
    frozenset({frozenset({0, 1})}),
    0,
    None,
)
def test_partners_never_leave_anyone_waiting_in_place_of_someone_newer(
    people: list[Person],
    partners: frozenset[frozenset[int]],
    now_offset: int,
    oldest: int | None,
) -> None:
    now = 60.0 + now_offset
    oldest_since = None if oldest is None else float(oldest)
    pairs, paired, left = _round(people, now, oldest_since, True, partners)
    _, base_paired, _ = _round(people, now, oldest_since, True, partners, by_partners=False)
    everyone = sorted(_tickets(people), key=lambda w: (w.since, int(w.ticket_id[1:])))
    ids = {w.user_id: w.ticket_id for w in everyone}
    assert no_one_passed_over(everyone, {ids[u] for u in paired}, {ids[u] for u in base_paired}), (
        paired,
        base_paired,
    )
    seen: set[str] = set()
    for a, b, level in pairs:
        assert {a.user_id, b.user_id}.isdisjoint(seen)
        seen |= {a.user_id, b.user_id}
        assert a.since <= b.since
        assert b.user_id not in a.avoid
        assert a.user_id not in b.avoid
        assert compatibility(a, b) <= level <= min(a.accepts(now, RELAX), b.accepts(now, RELAX))
    turned = {w.user_id for w in everyone if oldest_since is None or w.since <= oldest_since}
    assert left == {w.user_id for w in everyone} - paired - turned
    if oldest_since is None:  # a full round leaves no two people who could talk now
        waiting = [w for w in everyone if w.user_id not in paired]
        for a in waiting:
            for b in waiting:
                if a is not b and b.user_id not in a.avoid:
                    level = compatibility(a, b)
                    assert level > min(a.accepts(now, RELAX), b.accepts(now, RELAX))
    if not partners:
        assert paired == base_paired


def test_the_example_prefers_the_partner() -> None:
    """The example above is one where the preference decides (not only allowed)."""
    people: list[Person] = [
        (["en"], ["es"], 15, 0, set()),
        (["de"], ["ja"], 15, 1, set()),
        (["es"], [], 15, 2, set()),
    ]
    pairs, _, _ = _round(people, 60.0, None, True, frozenset({frozenset({0, 1})}))
    assert [{a.user_id, b.user_id} for a, b, _ in pairs] == [{"p0", "p1"}]
    plain, _, _ = _round(people, 60.0, None, True)
    assert [{a.user_id, b.user_id} for a, b, _ in plain] == [{"p0", "p2"}]
