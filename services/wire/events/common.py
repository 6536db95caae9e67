"""Shapes shared by several events, and the group keys that order them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from services.wire.events.base import Model

UserId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
EntityId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
# ISO 639-1 style language codes ("en", "es", "pt-BR").
Language = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")]
Languages = Annotated[tuple[Language, ...], Field(max_length=8)]
# A self-rated level on the CEFR scale, per language someone learns (docs/api.md, "Levels").
Cefr = Literal["A1", "A2", "B1", "B2", "C1", "C2"]
CEFR_LEVELS: tuple[Cefr, ...] = ("A1", "A2", "B1", "B2", "C1", "C2")
Levels = Annotated[dict[Language, Cefr], Field(max_length=8)]

RejectReason = Literal["no_points", "already_waiting", "in_session", "busy"]
MediaMode = Literal["livekit", "direct"]


class Profile(Model):
    """What other people may see of someone: a display name and languages."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    speaks: Languages = ()
    learns: Languages = ()


class Participant(Model):
    """One person in a session and the hold in the ledger that funds their minutes."""

    user_id: UserId
    hold_id: EntityId
    minutes: Annotated[int, Field(ge=1, le=600)]


def user_group(user_id: str) -> str:
    return f"user#{user_id}"


def session_group(session_id: str) -> str:
    return f"session#{session_id}"


def invite_group(invite_id: str) -> str:
    return f"invite#{invite_id}"


def pool_key(speaks: tuple[str, ...], learns: tuple[str, ...]) -> str:
    """The matching pool a ticket belongs to: the person's first practice pair, or "any".

    A tandem partner (speaks what I learn, learns what I speak) lands in the same pool,
    because the pair is written in sorted order.
    """
    if speaks and learns:
        a, b = sorted((speaks[0], learns[0]))
        return f"{a}-{b}"
    return "any"


def accept_hold_id(invite_id: str, attempt_id: str | None = None) -> str:
    """The ledger hold that funds the invitee once they accept an invite.

    Each press of Accept is an attempt with a hold of its own: a refused attempt (no points,
    busy for a moment) keeps its refusal, and the next one is decided afresh. Events from
    before attempts existed carry none and name the invite's single hold.
    """
    return f"{invite_id}.accept" if attempt_id is None else f"{invite_id}.accept.{attempt_id}"


def parse_accept_hold(hold_id: str) -> tuple[str, str | None]:
    """(invite id, attempt id) of an accept hold: the inverse of `accept_hold_id`."""
    invite_id, _, attempt = hold_id.rpartition(".accept")
    if not invite_id:
        raise ValueError(f"not an accept hold: {hold_id}")
    return invite_id, attempt.removeprefix(".") or None
