"""The gateway's own table of people: display name, email, languages, and recent intents.

A profile is created the first time someone signs in, so that others see a name in presence
and invites: the first word of their given name (or their email's local part), never the full
name from the ID token, which they did not choose to show strangers (`names.starting_name`).
The gateway also remembers the last ticket and invite it minted for a person: until the
matcher has recorded them, that is the only place they exist, and Leave / Withdraw pressed
within that instant must still find them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from services.gateway.http.auth import Identity
from services.gateway.models import PreferencesIn
from services.gateway.people.names import starting_name
from services.gateway.people.readmodels import PROFILES, Item
from services.gateway.people.views import levels_for
from services.runtime.dynamo import from_item, is_condition_failure, to_item

if TYPE_CHECKING:
    from services.runtime.aws import Aws


def first_name(me: Identity) -> str:
    """What a person is called until they choose a display name."""
    return starting_name(me.given_name, me.email)


class Profiles:
    def __init__(self, aws: Aws) -> None:
        self._db = aws.dynamodb
        self._name = aws.table(PROFILES)

    async def get(self, user_id: str) -> Item | None:
        resp = await self._db.get_item(
            TableName=self._name, Key=to_item({"userId": user_id}), ConsistentRead=True
        )
        item = resp.get("Item")
        return from_item(item) if item else None

    async def ensure(self, me: Identity, now_iso: str) -> Item:
        """The person's profile, created from the ID token on first sight."""
        item = await self.get(me.user_id)
        if item is not None:
            return item
        fresh = {
            "userId": me.user_id,
            "email": me.email,
            "name": first_name(me),
            "speaks": [],
            "learns": [],
            "updatedAt": now_iso,
        }
        try:
            await self._db.put_item(
                TableName=self._name,
                Item=to_item(fresh),
                ConditionExpression="attribute_not_exists(userId)",
            )
        except ClientError as exc:
            if not is_condition_failure(exc):
                raise
            # Another request created it a moment ago: theirs wins.
            return await self.get(me.user_id) or fresh
        return fresh

    async def save_preferences(self, me: Identity, prefs: PreferencesIn, now_iso: str) -> Item:
        names = {"#n": "name"}
        vals: dict[str, Any] = {
            ":s": prefs.speaks,
            ":l": prefs.learns,
            ":e": me.email,
            ":u": now_iso,
            ":name": prefs.name or first_name(me),
        }
        name_update = "#n = :name" if prefs.name else "#n = if_not_exists(#n, :name)"
        fields = f"speaks = :s, learns = :l, email = :e, updatedAt = :u, {name_update}"
        if prefs.ui_language:
            fields += ", uiLanguage = :ui"
            vals[":ui"] = prefs.ui_language
        # Levels sent replace the kept ones (the route refused any for a language not
        # learnt); left out, the kept ones stay for the languages still learnt. Read, then
        # written with the learns they belong to: the two never disagree, last writer wins.
        sent = prefs.levels
        kept = sent if sent is not None else ((await self.get(me.user_id)) or {}).get("levels")
        fields += ", levels = :lv"
        vals[":lv"] = levels_for(prefs.learns, kept)
        if prefs.welcomes_from:
            fields += ", welcomesFrom = :wf"
            vals[":wf"] = prefs.welcomes_from
        resp = await self._db.update_item(
            TableName=self._name,
            Key=to_item({"userId": me.user_id}),
            UpdateExpression=f"SET {fields}",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_item(vals),
            ReturnValues="ALL_NEW",
        )
        return from_item(resp.get("Attributes", {}))

    async def remember(self, user_id: str, kind: str, entity_id: str, now_iso: str) -> None:
        """Note the ticket or invite just minted (`kind` = "Ticket" | "Invite")."""
        await self._db.update_item(
            TableName=self._name,
            Key=to_item({"userId": user_id}),
            UpdateExpression=f"SET last{kind}Id = :id, last{kind}At = :at",
            ExpressionAttributeValues=to_item({":id": entity_id, ":at": now_iso}),
        )
