"""Which language and band a session's prompts are in, and which prompt comes next."""

from __future__ import annotations

from services.matcher.core.topic_core import Library, Prompt, Speaker, candidates, library, pick


def sp(speaks: tuple[str, ...] = (), learns: tuple[str, ...] = (), **levels: str) -> Speaker:
    return Speaker("u", speaks, learns, {k.replace("_", "-"): v for k, v in levels.items()})


def test_what_one_learns_and_the_other_speaks_comes_first() -> None:
    learner, native = sp(("en",), ("es",)), sp(("es", "en"))
    assert candidates(learner, native, 0)[0] == "es"
    assert candidates(native, learner, 0)[0] == "es"


def test_a_tandem_picks_either_practice_language_by_the_sessions_coin() -> None:
    a, b = sp(("en",), ("de",)), sp(("de",), ("en",))
    assert candidates(a, b, 0)[:2] == ["de", "en"]
    assert candidates(a, b, 1)[:2] == ["en", "de"]
    seen = {library().setting(f"s{i}", a, b).language for i in range(40)}
    assert seen == {"de", "en"}  # both sides practise, session by session


def test_without_practice_a_shared_language_then_a_shared_goal() -> None:
    assert candidates(sp(("ja", "en")), sp(("en",)), 0) == ["en"]
    assert candidates(sp(("fr",), ("ar",)), sp(("it",), ("ar",)), 0) == ["ar"]
    assert candidates(sp(), sp(("en",)), 0) == []


def test_regional_codes_meet_their_language_and_its_prompts() -> None:
    setting = library().setting("s", sp(("en",), ("pt",)), sp(("pt-BR",)))
    assert (setting.language, setting.prompt_language) == ("pt", "pt-BR")


def test_a_language_without_prompts_is_kept_but_prompts_fall_back() -> None:
    setting = library().setting("s", sp(("en",), ("fr",)), sp(("fr",)))
    assert (setting.language, setting.prompt_language) == ("fr", "en")
    nobody = library().setting("s", sp(), sp())
    assert (nobody.language, nobody.prompt_language, nobody.band) == (None, "en", "B")


def test_the_band_is_the_lower_level_and_unknown_counts_as_b() -> None:
    lib = library()
    learner, native = sp(("en",), ("es",), es="A2"), sp(("es",))
    assert lib.setting("s", learner, native).band == "A"
    assert lib.setting("s", sp(("en",), ("es",), es="C1"), sp(("es",), es="C2")).band == "C"
    assert lib.setting("s", sp(("en",), ("es",)), native).band == "B"


def test_someone_who_speaks_the_language_leaves_the_band_to_the_learners_level() -> None:
    lib = library()
    native = sp(("es",))
    assert lib.setting("s", sp(("en",), ("es",), es="C1"), native).band == "C"
    assert lib.setting("s", sp(("en",), ("es",), es="B2"), native).band == "B"
    assert lib.setting("s", native, sp(("en",), ("es",), es="A1")).band == "A"


def test_peers_practise_the_language_both_learn_at_the_lower_of_their_levels() -> None:
    a, b = sp(("en",), ("es",), es="B1"), sp(("en",), ("es",), es="A2")
    assert candidates(a, b, 0) == ["es", "en"]
    setting = library().setting("s", a, b)
    assert (setting.language, setting.prompt_language, setting.band) == ("es", "es", "A")


PROMPTS = [Prompt(f"x.B.{i:02d}", f"question {i}?", "x", "B") for i in range(10)]


def test_the_next_prompt_is_deterministic_and_skips_what_either_saw_today() -> None:
    first = pick(PROMPTS, "s1", 1, set())
    assert pick(PROMPTS, "s1", 1, set()) == first
    seen = {p.id for p in PROMPTS[:9]}
    assert pick(PROMPTS, "s1", 1, seen) == PROMPTS[9]
    assert pick(PROMPTS, "s1", 5, seen) == PROMPTS[9]


def test_a_session_walks_through_the_band_without_repeating() -> None:
    shown: list[str] = []
    for n in range(1, 11):
        shown.append(pick(PROMPTS, "s2", n, set(shown)).id)
    assert sorted(shown) == sorted(p.id for p in PROMPTS)
    # Used up: one comes back, never the one on the screen now.
    assert pick(PROMPTS, "s2", 11, set(shown), current=shown[-1]).id != shown[-1]


def test_sessions_start_at_different_prompts() -> None:
    firsts = {pick(PROMPTS, f"s{i}", 1, set()).id for i in range(30)}
    assert len(firsts) > 3


def test_a_library_groups_prompts_by_language_and_band() -> None:
    lib = Library([*PROMPTS, Prompt("y.A.01", "q?", "y", "A")])
    assert lib.languages == ["x", "y"]
    assert lib.band("x", "B") == PROMPTS
    assert lib.band("x", "A") == []
    assert lib.resolve("y-ZZ") == "y"
