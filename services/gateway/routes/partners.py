"""Partners to come back to: after a conversation each person may say "talk again?"; when
both said yes they are partners (table `gateway-partners`), shown first in presence with a
one-tap invite, until either removes the other. Each change is told to the matcher
(`partner.changed`), which prefers a waiting partner when it pairs people.

Each answer is written before the other side's row is read (strongly consistent), so when
both answer at once at least one of them sees the other's yes and marks both rows; marking
is idempotent, so both doing it is harmless.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.gateway.http.bodies import path_id
from services.gateway.http.problems import Problem
from services.gateway.http.spec import Call, Operation
from services.gateway.models import Body, EntityIdIn, PersonRef, View
from services.gateway.people.views import iso, participants, partner_of, person_ref
from services.gateway.safety.blocklist import BlockList
from services.runtime.dynamo import from_item
from services.runtime.logs import metric
from services.wire.events.gateway import PartnershipChanged
from services.wire.tables.gateway import PARTNERS

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

MAX_PARTNERS = 200


class TalkAgainIn(Body):
    session_id: EntityIdIn


class TalkAgain(View):
    partner: PersonRef
    # True once the other person said yes too.
    mutual: bool


class Partners(View):
    people: list[PersonRef]


class PartnerRecords:
    def __init__(self, dynamodb: DynamoDBClient, prefix: str) -> None:
        self._db = dynamodb
        self.table = PARTNERS.name(prefix)

    def _key(self, user: str, other: str) -> dict[str, Any]:
        return {"userId": {"S": user}, "otherUserId": {"S": other}}

    async def say_yes(self, user: str, other: str, session_id: str, now_iso: str) -> bool:
        """Records my yes; True if we are partners now (the other said yes before or now)."""
        await self._db.update_item(
            TableName=self.table,
            Key=self._key(user, other),
            UpdateExpression="SET wantsAgain = :yes, sessionId = :s, answeredAt = :at",
            ExpressionAttributeValues={
                ":yes": {"BOOL": True},
                ":s": {"S": session_id},
                ":at": {"S": now_iso},
            },
        )
        theirs = await self._db.get_item(
            TableName=self.table, Key=self._key(other, user), ConsistentRead=True
        )
        if not from_item(theirs.get("Item") or {}).get("wantsAgain"):
            return False
        for a, b in ((user, other), (other, user)):
            await self._db.update_item(
                TableName=self.table,
                Key=self._key(a, b),
                UpdateExpression="SET partner = :yes,"
                " partnersSince = if_not_exists(partnersSince, :at)",
                ExpressionAttributeValues={":yes": {"BOOL": True}, ":at": {"S": now_iso}},
            )
        return True

    async def remove(self, user: str, other: str) -> None:
        """Ends the partnership both ways; a new "talk again" from both is needed to renew it."""
        for a, b in ((user, other), (other, user)):
            await self._db.update_item(
                TableName=self.table,
                Key=self._key(a, b),
                UpdateExpression="REMOVE partner, partnersSince, wantsAgain",
            )

    async def of(self, user: str) -> list[str]:
        """My partners, the newest partnership first."""
        resp = await self._db.query(
            TableName=self.table,
            KeyConditionExpression="userId = :u",
            FilterExpression="partner = :yes",
            ExpressionAttributeValues={":u": {"S": user}, ":yes": {"BOOL": True}},
            ConsistentRead=True,
            Limit=MAX_PARTNERS,
        )
        rows = [from_item(i) for i in resp.get("Items", [])]
        rows.sort(key=lambda r: str(r.get("partnersSince", "")), reverse=True)
        return [str(r["otherUserId"]) for r in rows]


def _records(call: Call) -> PartnerRecords:
    return PartnerRecords(call.ctx.aws.dynamodb, call.ctx.settings.name_prefix)


async def talk_again(call: Call) -> TalkAgain:
    body: TalkAgainIn = call.body
    me = call.me.user_id
    session = await call.ctx.reads.session(body.session_id)
    other = partner_of(session, me) if session else None
    if session is None or other is None or me not in participants(session):
        raise Problem(404, "not-found", "no such conversation")
    hidden = await BlockList(call.ctx.aws.dynamodb, call.ctx.settings.name_prefix).hidden_from(me)
    names = await call.ctx.reads.profiles([other])
    if other in hidden:
        # Said neutrally: a person who blocked me is not revealed by this answer.
        return TalkAgain(partner=person_ref(other, names), mutual=False)
    mutual = await _records(call).say_yes(me, other, body.session_id, iso(call.now))
    if mutual:
        # Every yes that finds both is told (a retry too): the matcher's record is idempotent.
        await call.ctx.publisher.publish(
            PartnershipChanged(user_id=me, other_user_id=other, partners=True)
        )
        metric("PartnersMade")
    return TalkAgain(partner=person_ref(other, names), mutual=mutual)


async def list_partners(call: Call) -> Partners:
    ids = await _records(call).of(call.me.user_id)
    names = await call.ctx.reads.profiles(ids)
    return Partners(people=[person_ref(u, names) for u in ids])


async def remove_partner(call: Call) -> None:
    me, other = call.me.user_id, path_id(call.request, "partner")
    await _records(call).remove(me, other)
    # After the rows: a retry after a failed publish removes again and tells again.
    await call.ctx.publisher.publish(
        PartnershipChanged(user_id=me, other_user_id=other, partners=False)
    )


OPERATIONS = (
    Operation(
        "POST",
        "/v1/partners",
        "Talk again? My yes after a conversation; partners once both said yes",
        "partners",
        "talkAgain",
        handler=talk_again,
        body=TalkAgainIn,
        reply=TalkAgain,
        rule="safety",
        problems=((404, "not-found"),),
        description="`mutual` tells whether the other person has said yes too.",
    ),
    Operation(
        "GET",
        "/v1/partners",
        "My partners, newest first",
        "partners",
        "listPartners",
        handler=list_partners,
        reply=Partners,
        rule="read",
    ),
    Operation(
        "DELETE",
        "/v1/partners/{id}",
        "Stop being partners (both ways)",
        "partners",
        "removePartner",
        handler=remove_partner,
        status=202,
        rule="safety",
        problems=((404, "not-found"),),  # an id that cannot be one
    ),
)
