"""Partners (`partner.changed` from the gateway): two people who both said "talk again".

The pairing core prefers a waiting partner (never forced: `preference`). The matcher keeps
one row per partner among the person's `matcher-pairs` rows (other = `#partner#<id>`), both
ways, because a join reads those rows anyway: knowing partners costs the critical path
nothing. Changes of one pair may come from either person, so out of order: a row takes a
change only if it is newer than the one it holds (`partnerAtMs`); an ended partnership stays
as an expiring tombstone for that comparison. A change also reaches the person's waiting
item, if they wait, so the next look already knows it.
"""

from __future__ import annotations

from datetime import timedelta

from services.matcher.clock import epoch
from services.matcher.context import Matcher, component_log
from services.matcher.tables.records import PARTNER
from services.runtime.dynamo import is_condition_failure, to_item, values
from services.runtime.logs import metric
from services.wire.events.gateway import PartnershipChanged

# An ended partnership's row outlives any message about it (inbox retention is 4 days).
TOMBSTONE = timedelta(days=5)

log = component_log("partners")


def partner_row(other: str) -> str:
    return PARTNER + other


async def on_changed(m: Matcher, event: PartnershipChanged) -> None:
    a, b = event.user_id, event.other_user_id
    if a == b:
        return
    at_ms = round(event.occurred_at.timestamp() * 1000)
    for me, other in ((a, b), (b, a)):
        if not await _record(m, me, other, event.partners, at_ms):
            continue  # a newer change is recorded: this one is history
        person = await m.store.person(me)
        if person.state == "waiting" and person.ticket_id:
            await m.waitlist.learn_partner(person.ticket_id, other, event.partners)
    metric("PartnershipsChanged", 1, partners=event.partners)
    log.info("partner.changed", user_id=a, other_user_id=b, partners=event.partners)


async def _record(m: Matcher, me: str, other: str, partners: bool, at_ms: int) -> bool:
    if partners:
        update, vals = "SET partner = :p, partnerAtMs = :at REMOVE expiresAt", values()
    else:
        expires = epoch(m.now() + TOMBSTONE)
        update, vals = "SET partner = :p, partnerAtMs = :at, expiresAt = :exp", values(exp=expires)
    try:
        await m.store.db.update_item(
            TableName=m.tables.pairs,
            Key=to_item({"userId": me, "otherUserId": partner_row(other)}),
            UpdateExpression=update,
            # Equal times: the same change again (a redelivery, or both yeses told).
            ConditionExpression="attribute_not_exists(partnerAtMs) OR partnerAtMs <= :at",
            ExpressionAttributeValues=vals | values(p=partners, at=at_ms),
        )
    except Exception as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True
