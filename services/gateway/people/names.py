"""Display names: what a person may call themselves, and what they are called until they choose.

Pure functions, no I/O. A name is shown to strangers (presence, invites, the call), so it must
be visible text that does not pass for Parley itself:
- NFKC first, so look-alike compatibility forms (full-width letters, ligatures) become plain;
- control characters are refused; invisible ones (zero-width spaces and joiners, bidi
  overrides and isolates, soft hyphens, the BOM...) are removed, and what is left must not
  be empty;
- names that impersonate the service (a small list: parley, admin, moderator, support,
  safety team, official...) or carry a check mark are refused.
The first name comes from the identity provider's given name (its first word), or the email's
local part when there is none; never the full name, which the person did not choose to show.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHARS = 64
FALLBACK = "someone"

# Unicode's format (Cf) characters are all invisible: zero-width space/joiners, bidi marks,
# embeddings, overrides (U+202A-202E) and isolates (U+2066-2069), the BOM, soft hyphen...
# Control (Cc), private-use (Co) and unassigned (Cn) code points show nothing readable either.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs"})
# Blank characters outside Cf that render as nothing (Hangul fillers, braille blank, ...).
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
_SPACES = re.compile(r"\s+")

# Words that make a name read as Parley speaking. Whole words, so "Radmina" stays fine.
_STAFF_WORDS = frozenset(
    {
        "admin",
        "admins",
        "administrator",
        "moderator",
        "moderators",
        "moderation",
        "mods",
        "support",
        "official",
        "staff",
        "verified",
        "system",
        "helpdesk",
    }
)
# Runs of letters that impersonate wherever they appear, spaces and dots removed.
_STAFF_RUNS = ("parley", "safetyteam", "trustandsafety", "trustsafety", "supportteam")
# Digits and signs used as letters, and the commonest Cyrillic/Greek look-alikes.
_LOOKALIKES = str.maketrans(
    {
        "0": "o",
        "1": "l",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "@": "a",
        "$": "s",
        "|": "l",
        "!": "i",
        "\uab62": "p",  # cherokee small letter tli (the case-folded look-alike of a P)
        "\u13e2": "p",  # cherokee letter tli
        "\u0430": "a",  # cyrillic small letter a
        "\u0435": "e",  # cyrillic small letter ie
        "\u043e": "o",  # cyrillic small letter o
        "\u0440": "p",  # cyrillic small letter er
        "\u0441": "c",  # cyrillic small letter es
        "\u0443": "y",  # cyrillic small letter u
        "\u0445": "x",  # cyrillic small letter ha
        "\u0456": "i",  # cyrillic small letter byelorussian-ukrainian i
        "\u04cf": "l",  # cyrillic small letter palochka
        "\u0501": "d",  # cyrillic small letter komi de
        "\u0442": "t",  # cyrillic small letter te
        "\u043c": "m",  # cyrillic small letter em
        "\u03b1": "a",  # greek small letter alpha
        "\u03bf": "o",  # greek small letter omicron
        "\u03c1": "p",  # greek small letter rho
        "\u03b5": "e",  # greek small letter epsilon
        "\u03b9": "i",  # greek small letter iota
        "\u03c4": "t",  # greek small letter tau
        "\u03bd": "v",  # greek small letter nu
    }
)


class NameRefused(ValueError):
    """The name cannot be shown; the message says why (safe to show the person)."""


def _visible(ch: str) -> bool:
    return unicodedata.category(ch) not in _INVISIBLE_CATEGORIES and ch not in _BLANKS


def _is_check_mark(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return "CHECK MARK" in name or "BALLOT BOX WITH CHECK" in name or ch == "\u221a"


def impersonates(name: str) -> bool:
    """Does the name pass for Parley's own staff (or carry a 'verified' check mark)?

    Judged on what a stranger sees, not on code points: accents and other combining marks are
    dropped, look-alike letters mapped, and a capital I is read both as i and as l (in a
    sans-serif font "ParIey" is "Parley")."""
    if any(_is_check_mark(ch) for ch in name):
        return True
    bare = "".join(
        ch for ch in unicodedata.normalize("NFKD", name) if unicodedata.category(ch) != "Mn"
    )
    return any(_reads_as_staff(variant) for variant in (bare, bare.replace("I", "l")))


def _reads_as_staff(text: str) -> bool:
    folded = text.casefold().translate(_LOOKALIKES)
    words = re.findall(r"[^\W\d_]+", folded)
    if any(w in _STAFF_WORDS for w in words):
        return True
    letters = "".join(words)
    return any(run in letters for run in _STAFF_RUNS)


def clean(raw: str) -> str:
    """The name as it will be shown, or NameRefused."""
    text = unicodedata.normalize("NFKC", raw)
    # Control characters (NUL, escapes, line breaks) are no typing mistake: refused, as ever.
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise NameRefused("may not contain control characters")
    text = "".join(ch for ch in text if _visible(ch))
    text = _SPACES.sub(" ", text).strip()
    if not text:
        raise NameRefused("must contain visible characters")
    if len(text) > MAX_CHARS:
        raise NameRefused(f"may be at most {MAX_CHARS} characters")
    if impersonates(text):
        raise NameRefused("may not look like Parley's own staff or carry a check mark")
    return text


def starting_name(given_name: str, email: str) -> str:
    """What a new person is called until they choose: the first word of their given name, or
    their email's local part; a neutral word when neither makes an acceptable name."""
    given = unicodedata.normalize("NFKC", given_name).split()
    candidate = given[0] if given else email.partition("@")[0]
    try:
        return clean(candidate[:MAX_CHARS])
    except NameRefused:
        return FALLBACK
