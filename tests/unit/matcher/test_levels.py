"""Levels that matter: a fitting tandem first, then peers at adjacent levels, then any tandem;
waiting time still decides when someone may talk, and what they are told they look for."""

from __future__ import annotations

from services.matcher.core.pairing import Pools
from services.matcher.core.waiting import Level, Waiting, compatibility, fits, peers
from tests.unit.matcher.tickets import RELAX, t


def pools(*waiting: Waiting, by_levels: bool = True) -> Pools:
    p = Pools(RELAX, by_levels=by_levels)
    for w in waiting:
        p.add(w)
    return p


def partner(p: Pools, w: Waiting, now: float) -> tuple[str, Level] | None:
    pairing = p.find(w, now)
    if pairing is None:
        return None
    other = pairing.second if pairing.first is w else pairing.first
    return other.user_id, pairing.level


def rounds(p: Pools, now: float) -> set[frozenset[str]]:
    return {frozenset((x.first.user_id, x.second.user_id)) for x in p.round(now)}


# The rules.


def test_a_tandem_fits_when_each_learner_is_at_least_at_the_level_the_other_welcomes() -> None:
    ana = t("ana", "en", "es", welcomes="B1", es="B2")
    assert fits(ana, t("ben", "es", "en", welcomes="B2", en="B1"))
    assert fits(ana, t("ben", "es", "en", welcomes="A1", en="C2"))
    assert not fits(ana, t("ben", "es", "en", welcomes="C1", en="C1"))  # ana is below C1
    assert not fits(ana, t("ben", "es", "en", en="A2"))  # ben is below what ana welcomes


def test_an_unrated_language_fits_only_someone_who_welcomes_every_learner() -> None:
    unrated = t("ana", "en", "es")
    assert fits(unrated, t("ben", "es", "en"))
    assert fits(unrated, t("ben", "es", "en", en="C1"))
    assert not fits(unrated, t("ben", "es", "en", welcomes="A2"))


def test_peers_learn_the_same_language_and_rated_it_at_most_a_step_apart() -> None:
    b1 = t("ana", "en", "es", es="B1")
    assert peers(b1, t("ben", "de", "es", es="B2"))
    assert peers(b1, t("ben", "de", "es", es="A2"))
    assert peers(b1, t("ben", "", "es", es="B1"))
    assert not peers(b1, t("ben", "de", "es", es="C1"))  # two steps
    assert not peers(b1, t("ben", "de", "es"))  # unrated: no claim to compare
    assert not peers(b1, t("ben", "de", "fr", fr="B1"))  # another language
    assert not peers(b1, t("ben", "es-MX", "es-AR", **{"es-AR": "B1"}))  # codes match exactly


def test_the_ladder_a_fitting_tandem_then_peers_then_any_tandem() -> None:
    ana = t("ana", "en", "es", welcomes="B1", es="B1")
    assert compatibility(ana, t("ben", "es", "en", en="B1")) == Level.TANDEM_FIT
    assert compatibility(ana, t("ben", "de", "es", es="B2")) == Level.PEERS
    assert compatibility(ana, t("ben", "es", "en", en="A1")) == Level.TANDEM
    # A tandem that does not fit but whose two learn a language alike: peers.
    both = t("ben", "es", "en es", en="A1", es="A2")
    assert compatibility(ana, both) == Level.PEERS
    assert compatibility(ana, both, levels=False) == Level.TANDEM
    assert compatibility(ana, t("ben", "de", "es", es="B2"), levels=False) == Level.ANYONE


# Who is chosen.


def test_a_fitting_tandem_is_chosen_over_an_older_one_that_does_not_fit() -> None:
    p = pools(t("old", "es", "en", since=0, en="A1"), t("fit", "es", "en", since=5, en="B2"))
    ana = t("ana", "en", "es", since=9, welcomes="B1", es="B1")
    assert partner(p, ana, now=9) == ("fit", Level.TANDEM_FIT)


def test_a_fitting_tandem_is_found_whatever_heap_it_is_filed_in() -> None:
    # Candidates in several (welcome, level) heaps of one family: the oldest that fits wins.
    p = pools(
        t("too-strict", "es", "en", since=0, welcomes="C2", en="C2"),
        t("too-low", "es", "en", since=1, welcomes="A1", en="A2"),
        t("fits", "es", "en", since=2, welcomes="B1", en="C1"),
        t("fits-later", "es", "en", since=3, welcomes="A1", en="B1"),
    )
    ana = t("ana", "en", "es", since=9, welcomes="B1", es="B2")
    assert partner(p, ana, now=9) == ("fits", Level.TANDEM_FIT)
    assert partner(p, t("bob", "en", "es", since=9, welcomes="B1", es="B2"), 9) == (
        "fits-later",
        Level.TANDEM_FIT,
    )
    # Nobody fits now: the oldest tandem all the same, at once.
    assert partner(p, t("cid", "en", "es", since=9, welcomes="C1", es="B2"), 9) == (
        "too-strict",
        Level.TANDEM,
    )


def test_peers_talk_at_once_and_come_before_a_tandem_that_does_not_fit() -> None:
    p = pools(t("tandem", "es", "en", since=0, en="A1"), t("peer", "de", "es", since=1, es="B2"))
    ana = t("ana", "en", "es", since=2, welcomes="B1", es="B1")
    assert partner(p, ana, now=2) == ("peer", Level.PEERS)


def test_a_fitting_tandem_comes_before_peers() -> None:
    p = pools(t("peer", "de", "es", since=0, es="B1"), t("tandem", "es", "en", since=1, en="B1"))
    ana = t("ana", "en", "es", since=2, welcomes="B1", es="B1")
    assert partner(p, ana, now=2) == ("tandem", Level.TANDEM_FIT)


def test_peers_further_apart_than_a_step_wait_as_before() -> None:
    p = pools(t("far", "de", "es", since=0, es="C2"))
    ana = t("ana", "en", "es", since=0, es="B1")
    assert partner(p, ana, now=0) is None
    p.add(ana)
    # After `anyone_s` they may talk, as any two people may.
    assert partner(p, ana, now=30) == ("far", Level.ANYONE)


def test_someone_who_only_learns_meets_peers_at_once() -> None:
    p = pools(t("peer", "de", "ja", since=0, ja="A2"))
    assert partner(p, t("ana", "", "ja", since=0, ja="A1"), now=0) == ("peer", Level.PEERS)


def test_without_levels_the_pairs_are_the_ones_before_levels() -> None:
    # Nobody rated, everyone welcomes every learner: every tandem fits, and nobody is a peer.
    p = pools(t("old", "es", "en", since=0), t("new", "es", "en", since=1))
    assert partner(p, t("ana", "en", "es", since=2), now=2) == ("old", Level.TANDEM_FIT)
    p2 = pools(t("learner", "de", "es", since=0))
    assert partner(p2, t("ana", "en", "es", since=0), now=0) is None


def test_with_levels_off_the_oldest_tandem_wins_and_peers_wait() -> None:
    old = t("old", "es", "en", since=0, en="A1")
    p = pools(old, t("fit", "es", "en", since=5, en="B2"), by_levels=False)
    ana = t("ana", "en", "es", since=9, welcomes="B1", es="B1")
    assert partner(p, ana, now=9) == ("old", Level.TANDEM)
    p2 = pools(t("peer", "de", "es", since=0, es="B1"), by_levels=False)
    assert partner(p2, t("bob", "en", "es", since=0, es="B1"), now=0) is None


def test_what_someone_is_told_they_look_for_does_not_change_with_levels() -> None:
    ana = t("ana", "en", "es", since=100, welcomes="C1", es="B1")
    assert [ana.accepts(100 + s, RELAX).looking_for for s in (0, 9, 10, 30)] == [
        "tandem",
        "tandem",
        "one_sided",
        "anyone",
    ]
    assert ana.relax_steps(RELAX) == [(110, Level.ONE_SIDED), (130, Level.ANYONE)]
    learner = t("bob", "", "es", since=100, es="A1")
    assert learner.accepts(100, RELAX).looking_for == "one_sided"
    assert learner.relax_steps(RELAX) == [(130, Level.ANYONE)]


def test_blocks_and_todays_meetings_hold_for_fitting_tandems_and_peers() -> None:
    fit, peer = t("fit", "es", "en", since=0, en="B1"), t("peer", "de", "es", since=1, es="B1")
    ana = t("ana", "en", "es", since=2, welcomes="B1", es="B1")
    ana.avoid_user("fit")
    p = pools(fit, peer)
    assert partner(p, ana, now=2) == ("peer", Level.PEERS)
    ana2 = t("ana", "en", "es", since=2, welcomes="B1", es="B1")
    ana2.met_user("fit")
    p2 = pools(t("fit", "es", "en", since=0, en="B1"), t("peer", "de", "es", since=1, es="B1"))
    assert partner(p2, ana2, now=2) == ("peer", Level.PEERS)


# Rounds: levels decide who talks with whom, never who gets to talk.


def test_a_round_pairs_peers_when_nobody_waits_longer_for_it() -> None:
    # Without levels ana takes nina (a tandem; not a fit for ana) and pia waits; with them,
    # ana takes her peer pia and nina, who came last, waits.
    p = pools(
        t("ana", "en", "es", since=0, welcomes="B1", es="B1"),
        t("pia", "en", "es", since=1, es="B2"),
        t("nina", "es", "en", since=2),
    )
    assert rounds(p, now=3) == {frozenset({"ana", "pia"})}


def test_a_newer_peer_never_takes_the_place_of_an_older_tandem_partner() -> None:
    # With levels ana would take pia (peers) and leave nina, who came before pia: the round as
    # before levels stands.
    p = pools(
        t("ana", "en", "es", since=0, welcomes="B1", es="B1"),
        t("nina", "es", "en", since=1),
        t("pia", "en", "es", since=2, es="B2"),
    )
    assert rounds(p, now=3) == {frozenset({"ana", "nina"})}
    assert len(p) == 0  # everyone took a turn


def test_peers_the_round_before_levels_leaves_still_pair() -> None:
    # The round before levels stands (ana with nina), and leaves pia and pam: peers, who pair.
    p = pools(
        t("ana", "en", "es", since=0, welcomes="B1", es="B1"),
        t("nina", "es", "en", since=1),
        t("pia", "en", "es", since=2, es="B2"),
        t("pam", "de", "es", since=3, es="B2"),
    )
    assert rounds(p, now=4) == {frozenset({"ana", "nina"}), frozenset({"pia", "pam"})}


def test_when_several_are_paired_at_once_fitting_tandems_are_formed() -> None:
    # Oldest first without levels: ana takes old (her oldest tandem), bea takes fit. With
    # them ana takes fit, who fits her, and bea old: the same people talk, better matched.
    p = pools(
        t("ana", "en", "es", since=0, welcomes="B1", es="B1"),
        t("bea", "en", "es", since=1),
        t("old", "es", "en", since=2, en="A1"),
        t("fit", "es", "en", since=3, en="B2"),
    )
    assert rounds(p, now=4) == {frozenset({"ana", "fit"}), frozenset({"bea", "old"})}
    before = pools(
        t("ana", "en", "es", since=0, welcomes="B1", es="B1"),
        t("bea", "en", "es", since=1),
        t("old", "es", "en", since=2, en="A1"),
        t("fit", "es", "en", since=3, en="B2"),
        by_levels=False,
    )
    assert rounds(before, now=4) == {frozenset({"ana", "old"}), frozenset({"bea", "fit"})}
