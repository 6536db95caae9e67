"""Waiting tickets for the pairing core's tests, written the way people are described:
`t("ann", "en", "es", since=3, es="B1")` speaks English, learns Spanish at B1."""

from __future__ import annotations

import itertools

from services.matcher.core.waiting import Relax, Waiting

RELAX = Relax(one_sided_s=10, anyone_s=30)
_ids = itertools.count()


def t(
    user: str,
    speaks: str = "",
    learns: str = "",
    since: float = 0.0,
    minutes: int = 15,
    partners: tuple[str, ...] = (),
    welcomes: str = "A1",
    **levels: str,
) -> Waiting:
    """A ticket of `user`'s; `levels`: language learnt → self-rated CEFR level."""
    return Waiting(
        ticket_id=f"t{next(_ids)}-{user}",
        user_id=user,
        speaks=tuple(speaks.split()),
        learns=tuple(learns.split()),
        since=since,
        minutes=minutes,
        partners=frozenset(partners),
        levels=levels,
        welcomes_from=welcomes,
    )
