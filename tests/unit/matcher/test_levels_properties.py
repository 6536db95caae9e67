"""Properties of the level preferences: a round with them never leaves waiting, in place of
someone who came after them, a person the round without them pairs (nor pairs fewer people),
and a single search takes what the plain rules say is best: a fitting tandem, then peers,
then any tandem, … (checked against an O(n) look at everybody)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from services.matcher.core.pairing import Pools
from services.matcher.core.preference import no_one_passed_over
from services.matcher.core.waiting import CEFR, Relax, Waiting, compatibility

RELAX = Relax(one_sided_s=10, anyone_s=30)
LANGS = ("en", "es", "fr")
MINUTES = (3, 14, 15)

# One waiting person: languages, a level for some of what they learn, whom they welcome,
# minutes left, waiting since (s), whom they blocked, their partners.
person = st.tuples(
    st.lists(st.sampled_from(LANGS), max_size=2, unique=True),
    st.lists(st.sampled_from(LANGS), max_size=2, unique=True),
    st.lists(st.one_of(st.none(), st.sampled_from(CEFR)), min_size=2, max_size=2),
    st.sampled_from(CEFR[:4]),
    st.sampled_from(MINUTES),
    st.integers(min_value=0, max_value=40),
    st.sets(st.integers(min_value=0, max_value=7), max_size=1),
    st.sets(st.integers(min_value=0, max_value=7), max_size=1),
)
Person = tuple[list[str], list[str], list[str | None], str, int, int, set[int], set[int]]


def _tickets(people: list[Person]) -> list[Waiting]:
    """Fresh tickets (the pools keep their heap positions in them)."""
    out = []
    for i, (speaks, learns, rated, welcomes, minutes, since, blocked, partners) in enumerate(
        people
    ):
        avoid = {f"p{j}" for j in blocked if j != i}
        avoid |= {f"p{j}" for j, other in enumerate(people) if i in other[6] and j != i}
        mine = {f"p{j}" for j in partners if j != i}
        mine |= {f"p{j}" for j, other in enumerate(people) if i in other[7] and j != i}
        levels = {lang: lv for lang, lv in zip(learns, rated, strict=False) if lv is not None}
        out.append(
            Waiting(
                f"t{i}",
                f"p{i}",
                tuple(speaks),
                tuple(learns),
                since=float(since),
                minutes=minutes,
                avoid=frozenset(avoid),
                partners=frozenset(mine),
                levels=levels,
                welcomes_from=welcomes,
            )
        )
    return out


def _round(people: list[Person], now: float, oldest: float | None, by_levels: bool) -> set[str]:
    pools = Pools(RELAX, by_levels=by_levels)
    for w in _tickets(people):
        pools.add(w)
    pairs = pools.round(now, oldest)
    paired = [w for p in pairs for w in (p.first, p.second)]
    assert len(paired) == len({w.ticket_id for w in paired})  # nobody twice
    for p in pairs:
        a, b = p.first, p.second
        assert a.since <= b.since
        assert b.user_id not in a.avoid
        assert a.user_id not in b.avoid
        both = min(a.accepts(now, RELAX), b.accepts(now, RELAX))
        assert compatibility(a, b, by_levels) <= p.level <= both
    everyone = _tickets(people)
    turned = {w.ticket_id for w in everyone if oldest is None or w.since <= oldest}
    chosen = {w.ticket_id for w in paired}
    assert {w.ticket_id for w in pools} == {w.ticket_id for w in everyone} - chosen - turned
    return chosen


@settings(max_examples=400, deadline=None)
@given(
    st.lists(person, max_size=8),
    st.integers(min_value=0, max_value=50),
    st.one_of(st.none(), st.integers(min_value=0, max_value=40)),
)
def test_levels_never_leave_anyone_waiting_in_place_of_someone_newer(
    people: list[Person], now_offset: int, oldest: int | None
) -> None:
    now = 40.0 + now_offset
    oldest_since = None if oldest is None else float(oldest)
    with_levels = _round(people, now, oldest_since, by_levels=True)
    before = _round(people, now, oldest_since, by_levels=False)
    everyone = sorted(_tickets(people), key=lambda w: (w.since, int(w.ticket_id[1:])))
    assert no_one_passed_over(everyone, with_levels, before), (with_levels, before)
    if oldest_since is None:  # a full round leaves no two people who could talk now
        left = [w for w in everyone if w.ticket_id not in with_levels]
        for a in left:
            for b in left:
                if a is not b and b.user_id not in a.avoid and a.user_id not in b.avoid:
                    both = min(a.accepts(now, RELAX), b.accepts(now, RELAX))
                    assert compatibility(a, b) > both, (a, b)


@settings(max_examples=400, deadline=None)
@given(st.lists(person, min_size=1, max_size=10), person, st.integers(min_value=0, max_value=50))
def test_a_search_takes_the_best_level_then_the_closest_minutes_then_the_oldest(
    people: list[Person], me: Person, now_offset: int
) -> None:
    """The searcher has no partners here (they come first: `test_partner_preference`)."""
    now = 40.0 + now_offset
    waiting = _tickets([(*p[:6], set(), set()) for p in people])
    pools = Pools(RELAX)
    for w in waiting:
        pools.add(w)
    (searcher,) = _tickets([(*me[:5], 40, set(), set())])
    searcher = Waiting(
        "me",
        "me",
        searcher.speaks,
        searcher.learns,
        since=searcher.since,
        minutes=searcher.minutes,
        levels=searcher.levels,
        welcomes_from=searcher.welcomes_from,
    )
    top = searcher.accepts(now, RELAX)

    def rank(c: Waiting) -> tuple[int | float, ...]:
        closeness = (abs(c.minutes - searcher.minutes), -c.minutes)
        return (compatibility(searcher, c), *closeness, c.since, int(c.ticket_id[1:]))

    allowed = [c for c in waiting if compatibility(searcher, c) <= min(top, c.accepts(now, RELAX))]
    expected = min(allowed, key=rank, default=None)
    found = pools.find(searcher, now)
    got = None if found is None else (found.first if found.second is searcher else found.second)
    assert got is expected
    if found is not None:
        assert found.level == compatibility(
            searcher, found.first if got is found.first else found.second
        )
