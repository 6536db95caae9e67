"""Partners first, never forced: the pairing core prefers a waiting partner (both said "talk
again") to any stranger it may take, and a round keeps the preference only when nobody waits
in place of someone who came after them."""

from __future__ import annotations

from services.matcher.core.pairing import Pools
from services.matcher.core.waiting import Level, Waiting
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
    return (pairing.second if pairing.first is w else pairing.first).user_id


def rounds(p: Pools, now: float) -> set[frozenset[str]]:
    return {frozenset((x.first.user_id, x.second.user_id)) for x in p.round(now)}


def test_a_waiting_partner_is_taken_before_an_older_stranger() -> None:
    p = pools(t("carol", since=0), t("ben", since=1))
    assert partner(p, t("ana", since=2, partners=("ben",)), now=2) == "ben"


def test_a_partner_beats_a_better_language_level_both_accept() -> None:
    p = pools(t("carol", "es", "en", since=0), t("ben", "de", "ja", since=0))
    ana = t("ana", "en", "es", since=0, partners=("ben",))
    assert partner(p, ana, now=60) == "ben"


def test_a_partner_beats_closer_minutes() -> None:
    p = pools(t("carol", since=0, minutes=15), t("ben", since=1, minutes=3))
    assert partner(p, t("ana", since=2, minutes=15, partners=("ben",)), now=2) == "ben"


def test_a_partner_at_a_level_not_accepted_yet_is_not_preferred() -> None:
    # Ana has waited 5 s: tandem only. Ben is no tandem for her; Carol is.
    p = pools(t("carol", "es", "en", since=0), t("ben", "de", "ja", since=0))
    ana = t("ana", "en", "es", since=0, partners=("ben",))
    assert partner(p, ana, now=5) == "carol"


def test_the_partner_too_must_accept_the_level() -> None:
    # Ana accepts anyone, but Ben (tandem-minded, fresh) does not yet.
    p = pools(t("ben", "de", "ja", since=50))
    ana = t("ana", "en", "es", since=0, partners=("ben",))
    assert partner(p, ana, now=55) is None


def test_a_blocked_partner_is_never_taken() -> None:
    ben = t("ben", since=0, partners=("ana",))
    ben.avoid_user("ana")
    p = pools(ben, t("carol", since=1))
    assert partner(p, t("ana", since=2, partners=("ben",)), now=2) == "carol"


def test_a_partner_met_today_is_not_preferred_while_someone_new_waits() -> None:
    p = pools(t("ben", since=0), t("carol", since=1))
    ana = t("ana", since=2, partners=("ben",))
    ana.met_user("ben")
    assert partner(p, ana, now=2) == "carol"


def test_a_partner_met_today_is_still_paired_when_nobody_else_waits() -> None:
    ana = t("ana", since=2, partners=("ben",))
    ana.met_user("ben")
    assert partner(pools(t("ben", since=0)), ana, now=2) == "ben"


def test_of_two_waiting_partners_the_better_level_then_the_oldest_wins() -> None:
    p = pools(t("old", since=0), t("tandem", "es", "en", since=5), t("new", since=1))
    ana = t("ana", "en", "es", since=0, partners=("old", "new", "tandem"))
    pairing = p.find(ana, now=40)
    assert pairing is not None
    assert pairing.level == Level.TANDEM_FIT  # nobody rated: every tandem fits
    p2 = pools(t("old", since=0), t("new", since=1))
    assert partner(p2, t("ana", since=0, partners=("old", "new")), now=40) == "old"


def test_a_round_pairs_partners_when_everyone_is_paired_either_way() -> None:
    # Oldest first would pair ana-carol and ben-dan; with the preference, ana-ben and
    # carol-dan: the same people talk, partners together.
    p = pools(
        t("ana", since=0, partners=("ben",)),
        t("carol", since=1),
        t("ben", since=2, partners=("ana",)),
        t("dan", since=3),
    )
    assert rounds(p, now=4) == {frozenset({"ana", "ben"}), frozenset({"carol", "dan"})}
    assert len(p) == 0


def test_a_round_never_leaves_someone_waiting_in_place_of_a_newer_person() -> None:
    # Carol waited longer than Ben: the preference would leave her for him, so oldest first.
    p = pools(
        t("ana", since=0, partners=("ben",)), t("carol", since=1), t("ben", since=2, partners=())
    )
    assert rounds(p, now=3) == {frozenset({"ana", "carol"})}
    assert len(p) == 0


def test_a_round_may_leave_a_newer_stranger_waiting_in_place_of_an_older_partner() -> None:
    # Without the preference ana takes carol (one-sided, newest) and ben waits; with it, ana
    # takes ben and carol, who came last, waits: nobody waits in place of someone newer.
    p = pools(
        t("ana", "en", "es", since=0, partners=("ben",)),
        t("ben", "de", "ja", since=1),
        t("carol", "es", "", since=2),
    )
    assert rounds(p, now=40) == {frozenset({"ana", "ben"})}
    assert [w.user_id for w in p] == []


def test_a_round_never_costs_a_pair_for_a_partner() -> None:
    # dan can talk only to ana: ana taking ben would leave dan and carol without anyone, so
    # the round without the preference stands (it pairs all four).
    dan = t("dan", since=1)
    for other in ("ben", "carol"):
        dan.avoid_user(other)
    p = pools(
        t("ana", since=0, partners=("ben",)),
        dan,
        t("ben", since=2),
        t("carol", since=3),
    )
    for other in ("ben", "carol"):
        p.block("dan", other)
    assert rounds(p, now=4) == {frozenset({"ana", "dan"}), frozenset({"ben", "carol"})}


def test_without_partners_waiting_the_round_is_the_round_without_the_preference() -> None:
    people = [
        t(f"p{i}", since=i, minutes=(15, 3, 14, 2)[i % 4], partners=("gone",)) for i in range(8)
    ]
    a = rounds(pools(*people), now=10)
    again = [t(w.user_id, since=w.since, minutes=w.minutes) for w in people]
    assert rounds(pools(*again), now=10) == a
