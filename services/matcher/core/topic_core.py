"""Conversation prompts: which language and level a session's prompts are in, and which
prompt comes next. Pure: the prompt library is data (`prompts/<language>.json`, shipped with
the package), the rest is functions of what the handlers read (`topics`).

- **The session's language**: what one of the two learns and the other speaks; a tandem (each
  learns what the other speaks) has two such languages, and a coin derived from the session id
  picks one, so over many sessions each side practises half the time and a redelivery picks the
  same. Otherwise a language both learn (peers practise it together), else one both speak.
  Unknown (nobody said): none.
- **The band**: the CEFR band (A, B, C) of the lower of the two people's levels in that
  language. Someone who speaks it counts as C (they are not the one practising); a learner who
  did not rate it, as B. Levels arrive per person and language (`Speaker.levels`, from the
  ticket's `levels`).
- **The next prompt**: the session's own order of its band's prompts (a hash of the session id
  and the prompt id), scanned from the topic counter on, skipping every prompt either person was
  shown today; only when the whole band is used up does one come back (never the current one).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal

Band = Literal["A", "B", "C"]
BANDS: tuple[Band, ...] = ("A", "B", "C")
DEFAULT_BAND: Band = "B"  # a learner's band while they have not rated the language
SPEAKER_BAND: Band = "C"  # someone who speaks the language: the learner's level decides
FALLBACK_LANGUAGE = "en"  # prompts for a session whose languages have none


@dataclass(frozen=True)
class Prompt:
    id: str
    text: str
    language: str
    band: Band


@dataclass(frozen=True)
class Speaker:
    """One participant as far as prompts care: their languages and levels."""

    user_id: str
    speaks: tuple[str, ...] = ()
    learns: tuple[str, ...] = ()
    # Language learnt → self-rated CEFR level ("A2", "C1") or band ("B").
    levels: Mapping[str, str] = field(default_factory=dict)

    def band(self, language: str) -> Band:
        level = self.levels.get(language)
        if level is None:
            level = next((v for k, v in self.levels.items() if same(k, language)), None)
        if level is None and any(same(s, language) for s in self.speaks):
            return SPEAKER_BAND
        head = (level or "")[:1].upper()
        return next((b for b in BANDS if b == head), DEFAULT_BAND)


def base(code: str) -> str:
    return code.split("-", 1)[0].lower()


def same(a: str, b: str) -> bool:
    """The same language for conversation ("pt" and "pt-BR" are)."""
    return base(a) == base(b)


def _shared(wanted: Iterable[str], offered: Collection[str]) -> list[str]:
    return [w for w in wanted if any(same(w, o) for o in offered)]


def candidates(a: Speaker, b: Speaker, coin: int) -> list[str]:
    """The languages the two could talk in, best first (see the module's rules)."""
    a_practises, b_practises = _shared(a.learns, b.speaks), _shared(b.learns, a.speaks)
    practice = a_practises + b_practises
    if a_practises and b_practises and coin % 2:
        practice = b_practises + a_practises
    spoken = _shared(a.speaks, b.speaks)
    learnt = _shared(a.learns, b.learns)
    return list(dict.fromkeys(practice + learnt + spoken))


def coin_of(session_id: str) -> int:
    return zlib.crc32(session_id.encode())


def lower(a: Band, b: Band) -> Band:
    return min(a, b)


@dataclass(frozen=True)
class Setting:
    """What a session's prompts are: the session's language (None if unknown), the language
    and band the prompts are drawn from."""

    language: str | None
    prompt_language: str
    band: Band


class Library:
    """Every prompt, by language and band."""

    def __init__(self, prompts: Iterable[Prompt]) -> None:
        self._by: dict[tuple[str, Band], list[Prompt]] = {}
        for p in prompts:
            self._by.setdefault((p.language, p.band), []).append(p)

    @property
    def languages(self) -> list[str]:
        return sorted({lang for lang, _ in self._by})

    def band(self, language: str, band: Band) -> list[Prompt]:
        return list(self._by.get((language, band), ()))

    def resolve(self, language: str) -> str | None:
        """The library's language for a code (exact, else the same base language)."""
        if any(lang == language for lang in self.languages):
            return language
        return next((lang for lang in self.languages if same(lang, language)), None)

    def setting(self, session_id: str, a: Speaker, b: Speaker) -> Setting:
        options = candidates(a, b, coin_of(session_id))
        spoken = next((r for r in map(self.resolve, options) if r), None)
        prompt_language = spoken or self.resolve(FALLBACK_LANGUAGE) or self.languages[0]
        language = options[0] if options else None
        basis = options[0] if options else prompt_language
        return Setting(language, prompt_language, lower(a.band(basis), b.band(basis)))


def load(documents: Iterable[str]) -> Library:
    """A library from the JSON documents of the data files."""
    prompts: list[Prompt] = []
    for text in documents:
        doc = json.loads(text)
        language = str(doc["language"])
        for band in BANDS:
            for entry in doc["bands"][band]:
                prompts.append(Prompt(str(entry["id"]), str(entry["text"]), language, band))
    return Library(prompts)


def data_files() -> list[tuple[str, str]]:
    """(file name, text) of every prompt file shipped with the package."""
    folder = resources.files("services.matcher").joinpath("prompts")
    return sorted(
        (f.name, f.read_text(encoding="utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(".json")
    )


@cache
def library() -> Library:
    return load(text for _, text in data_files())


def _order(session_id: str, prompts: Sequence[Prompt]) -> list[Prompt]:
    def key(p: Prompt) -> bytes:
        return hashlib.sha256(f"{session_id}\x1f{p.id}".encode()).digest()

    return sorted(prompts, key=key)


def pick(
    prompts: Sequence[Prompt], session_id: str, n: int, seen: Collection[str], current: str = ""
) -> Prompt:
    """The session's `n`-th prompt: in the session's order, from position n - 1 on, the first
    neither person has seen today; if they have seen them all, the first that is not on the
    screen now."""
    if not prompts:
        raise ValueError("no prompts to pick from")
    order = _order(session_id, prompts)
    start = (n - 1) % len(order)
    rotated = order[start:] + order[:start]
    fresh = next((p for p in rotated if p.id not in seen), None)
    if fresh is not None:
        return fresh
    return next((p for p in rotated if p.id != current), rotated[0])
