"""An invite expires when the inviter was told it would, however late its funding comes.

The gateway answers `POST /v1/invites` with `expiresAt` = when it took the invite plus the
invite timeout. If the ledger funds it only later (it was down, its message held by an
instance that died), the matcher must not open the invite then with a fresh deadline: that
would show the invitee an invite its sender was told had expired, and keep the sender busy
and their point held. A funding that comes after the deadline opens nothing and releases the
hold at once.
"""

from __future__ import annotations

from datetime import timedelta

from services.matcher.clock import ShiftedClock
from services.matcher.context import Matcher
from services.matcher.flows import invites
from services.matcher.rooms import NoRooms
from services.matcher.service import build
from services.runtime.aws import Aws
from services.wire.events import REGISTRY, Event
from services.wire.events.common import Profile
from services.wire.events.ledger import InviteFunded
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.matcher.helpers import settings_for

TIMEOUT_S = 6


async def _core(stack: Stack, aws: Aws) -> Matcher:
    return await build(
        aws, settings_for(stack, invite_timeout_s=TIMEOUT_S), ShiftedClock(), NoRooms()
    )


def _funded(m: Matcher, requested_s_ago: float) -> InviteFunded:
    return InviteFunded(
        invite_id="i1",
        from_user_id="alice",
        to_user_id="bob",
        from_profile=Profile(name="Alice"),
        minutes=15,
        requested_at=m.now() - timedelta(seconds=requested_s_ago),
    )


async def _published_to(aws: Aws, service: Service) -> list[Event]:
    url = await aws.queue_url(aws.topology.inbox(service).name)
    resp = await aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    return [REGISTRY.parse(msg["Body"]) for msg in resp.get("Messages", [])]


async def test_a_funding_that_comes_after_the_invites_deadline_opens_nothing_and_releases(
    stack: Stack, aws: Aws
) -> None:
    m = await _core(stack, aws)
    late = _funded(m, requested_s_ago=30)  # told at the time: it expires 6 s after

    await invites.on_funded(m, late)
    await invites.on_funded(m, late)  # a redelivery changes nothing more

    item = await m.store.invite("i1")
    assert item is not None
    assert item.status == "expired"
    assert (await m.store.person("alice")).state == "free"
    assert (await m.store.person("bob")).state == "free"
    to_ledger = await _published_to(aws, Service.LEDGER)
    assert [(e.TYPE, getattr(e, "invite_id", None)) for e in to_ledger] == [
        ("invite.expired", "i1")  # the ledger releases the inviter's hold on it
    ]
    told = await _published_to(aws, Service.NOTIFIER)
    assert "invite.opened" not in {e.TYPE for e in told}  # the invitee never sees it


async def test_an_invite_funded_in_time_expires_when_the_inviter_was_told(
    stack: Stack, aws: Aws
) -> None:
    m = await _core(stack, aws)
    funded = _funded(m, requested_s_ago=2)

    await invites.on_funded(m, funded)

    item = await m.store.invite("i1")
    assert item is not None
    assert item.status == "pending"
    assert funded.requested_at is not None
    assert item.expires_at == funded.requested_at + timedelta(seconds=TIMEOUT_S)
    assert (await m.store.person("alice")).state == "inviting"
