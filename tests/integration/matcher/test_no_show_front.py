"""After a no-show, the one who came is told so and is first in line when they join again."""

from __future__ import annotations

from services.runtime.aws import Aws
from services.wire.events.gateway import MediaParticipantJoined, UserBlocked
from tests.conftest import Stack
from tests.integration.matcher.helpers import join, matcher, settings_for, users_of


async def test_who_came_to_a_no_show_joins_again_at_the_front_of_the_queue(
    stack: Stack, aws: Aws
) -> None:
    async with matcher(aws, settings_for(stack, no_show_s=5, reconcile_s=0.5)) as m:
        await m.send(*join("ana", "t1"))
        (first_wait,) = await m.notifier.wait_for("ticket.waiting", ticket_id="t1")
        await m.send(*join("bob", "t2"))
        (started,) = await m.notifier.wait_for("session.started")
        # Ana connects; Bob never does.
        await m.send(MediaParticipantJoined(session_id=started.session_id, user_id="ana"))
        (ended,) = await m.notifier.wait_for("session.ended", timeout_s=20)
        # Meanwhile Carol (who blocked Ana, so the two are never paired) has been waiting.
        await m.send(UserBlocked(user_id="carol", blocked_user_id="ana"))
        await m.send(*join("carol", "t3"))
        (carol_wait,) = await m.notifier.wait_for("ticket.waiting", ticket_id="t3")
        # Ana joins again at once: her new ticket keeps her first ticket's waiting start.
        await m.send(*join("ana", "t4"))
        (again,) = await m.notifier.wait_for("ticket.waiting", ticket_id="t4")
        # The next person is paired with whoever waited longest: Ana, not Carol.
        await m.send(*join("dave", "t5"))
        second = await m.notifier.wait_for("session.started", count=2)

    assert (ended.reason, ended.showed_up) == ("cancelled", ("ana",))
    assert again.waiting_since == first_wait.waiting_since
    assert again.waiting_since < carol_wait.waiting_since
    assert users_of(second[1].participants) == {"ana", "dave"}
