"""The pairing core: who is paired with whom, and when."""

from __future__ import annotations

import pytest

from services.matcher.core.pairing import Pools
from services.matcher.core.waiting import Level, Relax, Waiting, base_level, compatibility
from tests.unit.matcher.tickets import RELAX, t


def pools(*waiting: Waiting) -> Pools:
    p = Pools(RELAX)
    for w in waiting:
        p.add(w)
    return p


def partner(p: Pools, w: Waiting, now: float) -> str | None:
    pairing = p.find(w, now)
    if pairing is None:
        return None
    other = pairing.second if pairing.first is w else pairing.first
    return other.user_id


def test_languages_decide_the_best_level_a_pair_can_reach() -> None:
    en_es, es_en = t("a", "en", "es"), t("b", "es", "en")
    en_fr, only_learns_en = t("c", "en", "fr"), t("d", "", "en")
    # Nobody rated a level and everyone welcomes A1: every tandem fits.
    assert compatibility(en_es, es_en) == Level.TANDEM_FIT
    assert compatibility(en_es, es_en, levels=False) == Level.TANDEM
    assert compatibility(en_es, only_learns_en) == Level.ONE_SIDED
    assert compatibility(en_es, en_fr) == Level.ANYONE
    assert base_level((), ()) == Level.ANYONE
    assert base_level(("en",), ()) == Level.ONE_SIDED


def test_a_tandem_partner_is_preferred_to_an_older_one_sided_partner() -> None:
    old_one_sided = t("old", "es", "", since=0)  # speaks what the joiner learns, nothing else
    tandem = t("tandem", "es", "en", since=50)
    p = pools(old_one_sided, tandem)
    assert partner(p, t("me", "en", "es", since=60), now=60) == "tandem"


def test_the_oldest_tandem_partner_goes_first() -> None:
    p = pools(t("newer", "es", "en", since=5), t("older", "es", "en", since=1))
    assert partner(p, t("me", "en", "es", since=9), now=9) == "older"


def test_a_fresh_ticket_takes_only_a_tandem_partner() -> None:
    p = pools(t("long-waiter", "en", "fr", since=0))
    me = t("me", "en", "es", since=100)
    assert partner(p, me, now=100) is None
    assert "long-waiter" in {w.user_id for w in p}


def test_one_sided_pairs_open_when_both_have_waited_long_enough() -> None:
    learner = t("learner", "", "en", since=0)  # gave only what they learn: one-sided is its best
    me = t("me", "en", "es", since=0)
    p = pools(learner)
    assert partner(p, me, now=9) is None  # I am still fresh
    assert partner(p, me, now=10) == "learner"


def test_a_stricter_partner_must_have_waited_too_the_newest_ticket_decides() -> None:
    fresh_tandem_seeker = t("fresh", "fr", "en", since=95)  # I speak en, it learns en
    me = t("me", "en", "es", since=0)
    p = pools(fresh_tandem_seeker)
    assert partner(p, me, now=100) is None  # I accept one-sided; they do not yet
    p.add(me)
    assert partner(p, fresh_tandem_seeker, now=105) == "me"  # now both have waited 10 s


def test_anyone_is_paired_after_the_anyone_threshold() -> None:
    a, b = t("a", "en", "es", since=0), t("b", "de", "fr", since=0)
    p = pools(a)
    assert partner(p, b, now=29) is None
    p.add(b)
    assert partner(p, b, now=30) == "a"


def test_people_without_languages_are_paired_at_once() -> None:
    p = pools(t("a", since=0))
    assert partner(p, t("b", since=0), now=0) == "a"


def test_a_blocked_pair_is_never_formed_even_when_nobody_else_waits() -> None:
    p = pools(t("bob", "es", "en", since=0))
    p.block("alice", "bob")
    me = t("alice", "en", "es", since=0)
    me.avoid_user("bob")
    assert partner(p, me, now=1000) is None


def test_blocks_learned_while_waiting_are_honoured_from_the_next_pairing() -> None:
    bob, carol = t("bob", "es", "en", since=0), t("carol", "es", "en", since=1)
    p = pools(bob, carol)
    p.block("bob", "alice")
    assert partner(p, t("alice", "en", "es", since=2), now=2) == "carol"


def test_todays_partner_is_skipped_while_anyone_else_waits() -> None:
    bob, carol = t("bob", "es", "en", since=0), t("carol", "de", "fr", since=1)
    p = pools(bob, carol)
    me = t("alice", "en", "es", since=2)
    me.met_user("bob")
    p.met("alice", "bob")
    # Carol is not a partner yet (nobody has waited long enough), but she waits: no rematch.
    assert partner(p, me, now=2) is None


def test_todays_partner_is_paired_again_when_nobody_else_waits() -> None:
    bob = t("bob", "es", "en", since=0)
    p = pools(bob)
    me = t("alice", "en", "es", since=2)
    me.met_user("bob")
    assert partner(p, me, now=2) == "bob"


def test_nobody_is_paired_with_themselves() -> None:
    p = pools(t("alice"))
    assert partner(p, t("alice"), now=100) is None


def test_one_person_waits_with_one_ticket_at_most() -> None:
    first, second = t("alice", since=0), t("alice", since=1)
    p = pools(first, second)
    assert len(p) == 1
    assert p.of_user("alice") is second


def test_a_found_pair_leaves_the_pools_and_the_older_ticket_offers() -> None:
    older = t("older", "es", "en", since=0)
    p = pools(older)
    me = t("me", "en", "es", since=5)
    pairing = p.find(me, now=5)
    assert pairing is not None
    assert (pairing.first, pairing.second, pairing.level) == (older, me, Level.TANDEM_FIT)
    assert len(p) == 0


def test_leaving_removes_a_ticket_and_many_leaves_keep_the_heaps_small() -> None:
    p = pools(*(t(f"u{i}", "en", "es", since=i) for i in range(1000)))
    for w in list(p)[:-1]:
        p.discard(w.ticket_id)
    assert len(p) == 1
    heaps = [h for by_minutes in p._heaps.values() for h in by_minutes.values()]
    assert all(len(h.items) <= 2 * h.live + 32 for h in heaps)
    assert partner(p, t("me", "es", "en", since=2000), now=2000) == "u999"


def test_relax_steps_follow_the_thresholds_above_the_base_level() -> None:
    assert t("a", "en", "es", since=100).relax_steps(RELAX) == [
        (110, Level.ONE_SIDED),
        (130, Level.ANYONE),
    ]
    assert t("b", "", "es", since=100).relax_steps(RELAX) == [(130, Level.ANYONE)]
    assert t("c", since=100).relax_steps(RELAX) == []


def test_thresholds_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="relax thresholds"):
        Relax(one_sided_s=40, anyone_s=30)


def _pairs(p: Pools, now: float, oldest_since: float | None = None) -> set[frozenset[str]]:
    return {frozenset((x.first.user_id, x.second.user_id)) for x in p.round(now, oldest_since)}


def test_a_round_pairs_everyone_it_can_longest_waiting_first() -> None:
    # ann waited longest; her tandem partner bea is the best for her even though cid (anyone)
    # waited longer than bea. Then cid and dan, the people without languages.
    p = pools(
        t("ann", "en", "es", since=0),
        t("cid", since=1),
        t("bea", "es", "en", since=2),
        t("dan", since=3),
        t("eve", "de", "fr", since=4),  # nobody suits her yet
    )
    assert _pairs(p, now=5) == {frozenset({"ann", "bea"}), frozenset({"cid", "dan"})}


def test_everyone_who_reads_the_same_waiting_set_plans_the_same_round() -> None:
    people = [t(f"p{i}", since=i / 10) for i in range(20)]
    first = _pairs(pools(*people), now=10)
    again = [t(w.user_id, since=w.since) for w in reversed(people)]
    assert _pairs(pools(*again), now=10) == first
    assert len(first) == 10


def test_a_round_gives_turns_only_to_tickets_old_enough_but_any_may_be_taken() -> None:
    p = pools(t("old", since=0), t("new", since=9), t("newer", since=9.5))
    assert _pairs(p, now=10, oldest_since=5) == {frozenset({"old", "new"})}
    assert _pairs(pools(t("new", since=9), t("newer", since=9.5)), 10, oldest_since=5) == set()


# Minutes left: a session lasts the smaller balance, so close balances make long calls.


def test_a_15_minute_person_pairs_with_a_14_minute_candidate_before_an_older_2_minute_one() -> None:
    p = pools(t("two", since=0, minutes=2), t("fourteen", since=1, minutes=14))
    assert partner(p, t("me", since=2, minutes=15), now=2) == "fourteen"


def test_a_short_balance_pairs_with_a_short_balance_and_leaves_the_long_one() -> None:
    p = pools(t("fifteen", since=0, minutes=15), t("three", since=1, minutes=3))
    assert partner(p, t("me", since=2, minutes=4), now=2) == "three"
    assert p.get("fifteen") is None
    assert len(p) == 1


def test_of_two_equally_close_balances_the_longer_call_wins() -> None:
    p = pools(t("six", since=0, minutes=6), t("ten", since=1, minutes=10))
    assert partner(p, t("me", since=2, minutes=8), now=2) == "ten"


def test_equal_balances_go_oldest_first() -> None:
    p = pools(t("old", since=0, minutes=14), t("new", since=1, minutes=14))
    assert partner(p, t("me", since=2, minutes=15), now=2) == "old"


def test_a_better_language_level_beats_closer_minutes() -> None:
    # A tandem partner with 2 minutes is still preferred to anyone with 15.
    p = pools(t("tandem", "es", "en", since=0, minutes=2), t("anyone", since=0, minutes=15))
    me = t("me", "en", "es", since=0, minutes=15)
    assert partner(p, me, now=60) == "tandem"


def test_minutes_never_stand_in_for_a_block_or_todays_partner() -> None:
    close, far = t("close", since=0, minutes=15), t("far", since=1, minutes=1)
    me = t("me", since=2, minutes=15)
    me.avoid_user("close")
    assert partner(pools(close, far), me, now=2) == "far"
    close2, far2 = t("close", since=0, minutes=15), t("far", since=1, minutes=1)
    me2 = t("me", since=2, minutes=15)
    me2.met_user("close")
    assert partner(pools(close2, far2), me2, now=2) == "far"


def test_a_round_pairs_close_balances_when_everyone_is_paired_either_way() -> None:
    p = pools(
        t("a15", since=0, minutes=15),
        t("b2", since=1, minutes=2),
        t("c14", since=2, minutes=14),
        t("d3", since=3, minutes=3),
    )
    assert _pairs(p, now=4) == {frozenset({"a15", "c14"}), frozenset({"b2", "d3"})}
    assert len(p) == 0


def test_a_round_never_leaves_waiting_someone_the_oldest_first_round_pairs() -> None:
    # Three people, one must wait: the newest, as before, not the one with the short balance.
    p = pools(
        t("a15", since=0, minutes=15), t("b2", since=1, minutes=2), t("c14", since=2, minutes=14)
    )
    assert _pairs(p, now=3) == {frozenset({"a15", "b2"})}
    assert [w.user_id for w in p] == []  # everyone took a turn: the pools are emptied


def test_a_closer_choice_that_would_strand_someone_gives_way() -> None:
    # b2 can talk only to a15 (blocks): a15 taking c14 would leave b2 and d14 without anyone,
    # so the oldest-first pairs stand: a15 with b2, c14 with d14.
    b2 = t("b2", since=1, minutes=2)
    b2.avoid_user("c14")
    b2.avoid_user("d14")
    p = pools(t("a15", since=0, minutes=15), b2, t("c14", since=2, minutes=14))
    p.add(t("d14", since=3, minutes=14))
    p.block("b2", "c14")
    p.block("b2", "d14")
    assert _pairs(p, now=4) == {frozenset({"a15", "b2"}), frozenset({"c14", "d14"})}


def test_a_round_leaves_the_tickets_too_new_for_a_turn_in_the_pools() -> None:
    p = pools(
        t("a15", since=0, minutes=15),
        t("b2", since=1, minutes=2),
        t("c14", since=2, minutes=14),
        t("d3", since=9, minutes=3),
        t("e9", since=9.5, minutes=9),
    )
    pairs = _pairs(p, now=10, oldest_since=5)
    assert pairs == {frozenset({"a15", "c14"}), frozenset({"b2", "d3"})}
    assert [w.user_id for w in p] == ["e9"]  # too new for a turn, and nobody took it
