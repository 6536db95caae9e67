"""Partners through the bus: the matcher learns who is whose partner from `partner.changed`
and prefers a waiting partner when it pairs people (never at anyone's expense)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.runtime.aws import Aws
from services.wire.events.gateway import PartnershipChanged
from services.wire.tables import matcher as tables
from tests.conftest import Stack
from tests.integration.bus.helpers import eventually
from tests.integration.matcher.helpers import Matcher, join, matcher, settings_for, users_of

# Ana speaks English and learns Spanish; Carol speaks Spanish (a one-sided fit for Ana); Ben
# has nothing in common with Ana: a pair only once both accept anyone. Thresholds are far
# away (QUIET): the test moves the matcher's clock past them, so all three are there at once.
ANA = ("ana", "ta", ("en",), ("es",))
BEN = ("ben", "tb", ("de",), ("ja",))
CAROL = ("carol", "tc", ("es",), ())


async def _all_wait(m: Matcher) -> None:
    for user, ticket, speaks, learns in (ANA, BEN, CAROL):  # in this order: Carol is newest
        await m.send(*join(user, ticket, speaks, learns))
        await m.notifier.wait_for("ticket.waiting", ticket_id=ticket)


async def _waiting_partners(m: Matcher, ticket: str) -> set[str]:
    items = [i for i in await m.scan(tables.WAITING) if i["ticketId"] == ticket]
    return set(items[0].get("partners", ())) if items else set()


async def test_ana_waiting_with_her_partner_ben_and_a_stranger_carol_talks_with_ben(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        await m.send(PartnershipChanged(user_id="ben", other_user_id="ana", partners=True))

        async def recorded() -> bool:
            row = await m.item(tables.PAIRS, userId="ana", otherUserId="#partner#ben")
            return bool(row and row.get("partner"))

        await eventually(recorded)
        await _all_wait(m)
        assert await _waiting_partners(m, "ta") == {"ben"}  # carried from the pair rows
        # Everyone now accepts anyone: without the preference Ana would take Carol (a better
        # level); Carol, who came last, waits instead of Ben, who came before her.
        m.clock.advance(3001)
        (started,) = await m.notifier.wait_for("session.started")

    assert users_of(started.participants) == {"ana", "ben"}
    assert await m.state("carol") == "waiting"


async def test_a_partnership_ended_while_waiting_is_forgotten_and_an_older_yes_stays_history(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack)) as m:
        await _all_wait(m)
        now = datetime.now(UTC)
        await m.send(PartnershipChanged(user_id="ana", other_user_id="ben", partners=True))

        async def learned(expected: set[str]) -> bool:
            return await _waiting_partners(m, "ta") == expected

        await eventually(lambda: learned({"ben"}))  # formed while both wait: the items learn
        assert await _waiting_partners(m, "tb") == {"ana"}
        await m.send(PartnershipChanged(user_id="ben", other_user_id="ana", partners=False))
        await eventually(lambda: learned(set()))
        # A yes from before the removal, arriving after it (another person's group).
        stale = PartnershipChanged(
            user_id="ana",
            other_user_id="ben",
            partners=True,
            occurred_at=now - timedelta(seconds=1),
        )
        # Then, in the same group (so after it), one the test can see handled.
        marker = PartnershipChanged(user_id="ana", other_user_id="dave", partners=True)
        await m.send(stale, marker)

        async def handled() -> bool:
            return bool(await m.item(tables.PAIRS, userId="dave", otherUserId="#partner#ana"))

        await eventually(handled)
        assert await _waiting_partners(m, "ta") == {"dave"}  # not Ben again
        m.clock.advance(3001)
        (started,) = await m.notifier.wait_for("session.started")

    assert users_of(started.participants) == {"ana", "carol"}
    assert await m.state("ben") == "waiting"
    row = await m.item(tables.PAIRS, userId="ben", otherUserId="#partner#ana") or {}
    assert row.get("partner") is False
