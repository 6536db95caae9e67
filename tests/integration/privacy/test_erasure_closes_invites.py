"""An account deleted while an invite to or from it is pending (it reached the person after the
gateway looked) closes that invite as if nobody had answered: the other person is told it
expired, nothing more, and nobody is left "inviting" with a hold that never goes back."""

from __future__ import annotations

from typing import Any

from services.runtime.aws import Aws
from services.wire.events import REGISTRY
from services.wire.events.common import Profile
from services.wire.events.gateway import InviteRequested, TicketRequested, UserErased
from services.wire.events.ledger import InviteFunded
from services.wire.names import Service
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.bus.helpers import drain, eventually
from tests.integration.ledger.helpers import running_ledger, send, until_summary
from tests.integration.matcher.helpers import Matcher, matcher, settings_for

PSEUDO = "anon-" + "cd" * 32


async def _told(aws: Aws) -> list[Any]:
    msgs = await drain(aws, aws.topology.inbox(Service.NOTIFIER).name, wait_s=0, rounds=2)
    return [REGISTRY.parse(m["Body"]) for m in msgs]


async def _inviting(m: Matcher, who: str, invite_id: str, *, ledger: bool = True) -> None:
    """`who` invites Bo: through the ledger, or (no ledger running) as the ledger funds it."""
    ids = {"invite_id": invite_id, "from_user_id": who, "to_user_id": "bo"}
    profile = Profile(name="A")
    if ledger:
        await send(m.aws, InviteRequested(**ids, from_profile=profile))
    else:
        await m.send(InviteFunded(**ids, from_profile=profile, minutes=15))

    async def opened() -> bool:
        return await m.state(who) == "inviting"

    await eventually(opened)


async def test_the_invitee_leaving_parley_expires_the_invite_and_frees_the_inviter(
    stack: Stack, aws: Aws
) -> None:
    async with (
        running_ledger(stack),
        matcher(aws, settings_for(stack, invite_timeout_s=600), watch=False) as m,
    ):
        await _inviting(m, "ana", "i-1")
        await until_summary(aws, "ana", held=15)
        await send(aws, UserErased(user_id="bo", pseudonym=PSEUDO))

        async def free() -> bool:
            return await m.state("ana") == "free"

        await eventually(free)
        await until_summary(aws, "ana", held=0)
        assert await m.item(tables.INVITES, inviteId="i-1") is None
        # She can Join at once (a person still marked inviting would be cancelled `person_busy`).
        await send(aws, TicketRequested(ticket_id="t-ana", user_id="ana"))

        async def waiting() -> bool:
            return await m.state("ana") == "waiting"

        await eventually(waiting)
    closes = [
        e for e in await _told(aws) if e.TYPE.startswith("invite.") and e.TYPE != "invite.opened"
    ]
    # Told exactly what an unanswered invite tells: it expired, no reason given.
    assert [(e.TYPE, e.invite_id, e.from_user_id) for e in closes] == [
        ("invite.expired", "i-1", "ana")
    ]


async def test_the_inviter_leaving_parley_expires_the_invite_for_the_invitee(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack, invite_timeout_s=600)) as m:
        await _inviting(m, "cy", "i-2", ledger=False)
        await m.send(UserErased(user_id="cy", pseudonym=PSEUDO))
        (expired,) = await m.notifier.wait_for("invite.expired", invite_id="i-2")
        assert expired.to_user_id == "bo"
        # The ledger hears the close too: the hold of the one who left goes back with them.
        await m.ledger.wait_for("invite.expired", invite_id="i-2")

        async def erased() -> bool:
            return await m.item(tables.PEOPLE, userId="cy") is None

        await eventually(erased)
        assert await m.item(tables.INVITES, inviteId="i-2") is None
        assert await m.state("bo") == "free"
