"""Leaving Parley (`DELETE /v1/me`): the gateway's part of erasing a person.

- The pseudonym: `anon-` + hex HMAC-SHA256(pseudonym secret, the person's id). One-way for
  whoever lacks the secret, and the same for the same person, so the reports kept about (or
  by) an erased person still read as one person to the team handling abuse.
- The gateway's own tables: profile, presence, connections, rate-limit windows, blocks and
  partners (both directions of each pair) are deleted; reports by or about the person keep
  the pseudonym in place of their id, for `erased_reports_days`. The safety records, kept by
  identity rather than account (`gateway-safety`, safety_records.py `left`), lose the account
  id and are kept for `safety_retention_days`: someone who signs up again gets their blocks
  and bans back (safety.py).
- Sign-in: Cognito's AdminUserGlobalSignOut revokes the person's refresh tokens, then the user
  is deleted; their ID tokens stay valid by signature until they expire, so a marker keyed by
  the pseudonym (`gateway-erased`) makes sign-in refuse them until the longest lifetime is past.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog
from botocore.exceptions import ClientError

from services.runtime.erasure import by_key, delete_all, key_of, pseudonymise, query_all

if TYPE_CHECKING:
    from services.gateway.http.auth import Identity
    from services.gateway.settings import GatewaySettings
    from services.runtime.aws import Aws

ERASED = "gateway-erased"
_log = structlog.get_logger()


def pseudonym(key: bytes, user_id: str) -> str:
    return "anon-" + hmac.new(key, user_id.encode(), hashlib.sha256).hexdigest()


class ErasedMarkers:
    """Whether a person was erased: the markers this process wrote, and the table's answer
    cached for `recheck_s` (another gateway task's erasure is seen within that time)."""

    def __init__(self, aws: Aws, settings: GatewaySettings) -> None:
        self._aws = aws
        self._settings = settings
        self._local: set[str] = set()
        self._checked: dict[str, float] = {}  # user id -> when the table said "not erased"
        self._idp: Any = None

    def noted(self, user_id: str) -> None:
        """Refuse the person in this process from now on (before their erasure is done)."""
        self._local.add(user_id)

    def retry_allowed(self, user_id: str) -> None:
        """An erasure failed part way: the person may sign in to try again."""
        self._local.discard(user_id)

    async def erased(self, user_id: str) -> bool:
        if user_id in self._local:
            return True
        key = self._settings.pseudonym_key
        checked = self._checked.get(user_id)
        if key is None or (
            checked and time.monotonic() - checked < self._settings.erased_recheck_s
        ):
            return False
        resp = await self._aws.dynamodb.get_item(
            TableName=self._aws.table(ERASED),
            Key={"pseudonym": {"S": pseudonym(key, user_id)}},
            ConsistentRead=True,
        )
        item = resp.get("Item")
        if item and int(item["expiresAt"]["N"]) > time.time():
            self._local.add(user_id)
            return True
        if len(self._checked) > 100_000:
            self._checked.clear()
        self._checked[user_id] = time.monotonic()
        return False

    async def mark(self, pseudo: str, now: datetime) -> None:
        until = now + timedelta(seconds=self._settings.erased_marker_s)
        await self._aws.dynamodb.put_item(
            TableName=self._aws.table(ERASED),
            Item={
                "pseudonym": {"S": pseudo},
                "erasedAt": {"S": now.isoformat()},
                "expiresAt": {"N": str(int(until.timestamp()))},
            },
        )

    async def end_sign_in(self, me: Identity) -> bool:
        """Revoke the person's refresh tokens and delete them from the user pool. False when
        there is no user pool to ask (a gateway without Cognito, as in some tests)."""
        settings = self._settings
        if not (settings.cognito_user_pool_id and me.username):
            return False
        if self._idp is None:
            self._idp = await self._aws.client("cognito-idp")
        pool, user = settings.cognito_user_pool_id, me.username
        for call in (self._idp.admin_user_global_sign_out, self._idp.admin_delete_user):
            try:
                await call(UserPoolId=pool, Username=user)
            except ClientError as exc:
                # A retry after a partial erasure: the user is already gone.
                if exc.response.get("Error", {}).get("Code") != "UserNotFoundException":
                    raise
        return True


async def erase_gateway_tables(
    aws: Aws, settings: GatewaySettings, user_id: str, pseudo: str, now: datetime
) -> tuple[dict[str, int], list[str]]:
    """Erase the person from the gateway's tables: how many items each table lost or kept
    pseudonymised, and the ids of the connections they had open (to close)."""
    db, t = aws.dynamodb, aws.table
    done: dict[str, int] = {}
    me = {"userId": {"S": user_id}}
    for logical in ("gateway-profiles", "gateway-presence"):
        done[logical] = await delete_all(db, t(logical), [me])
    conns = await query_all(db, **by_key(t("gateway-connections"), "userId", user_id, "byUser"))
    done["gateway-connections"] = await delete_all(
        db, t("gateway-connections"), [key_of(c, ["connectionId"]) for c in conns]
    )
    windows = await query_all(db, **by_key(t("gateway-ratelimits"), "userId", user_id))
    done["gateway-ratelimits"] = await delete_all(
        db, t("gateway-ratelimits"), [key_of(w, ["userId", "window"]) for w in windows]
    )
    # One row per direction: mine, and the other person's row about me.
    for logical in ("gateway-blocks", "gateway-partners"):
        rows = await query_all(db, **by_key(t(logical), "userId", user_id))
        keys = [key_of(r, ["userId", "otherUserId"]) for r in rows]
        keys += [{"userId": k["otherUserId"], "otherUserId": k["userId"]} for k in keys]
        done[logical] = await delete_all(db, t(logical), keys)
    reports = t("gateway-reports")
    found = await query_all(db, **by_key(reports, "reporterId", user_id, "byReporter"))
    found += await query_all(db, **by_key(reports, "reportedUserId", user_id, "byReported"))
    keep_until = now + timedelta(days=settings.erased_reports_days)
    extra: dict[str, Any] = {"expiresAt": {"N": str(int(keep_until.timestamp()))}}
    kept = 0
    for item in found:
        kept += await pseudonymise(db, reports, ["reportId"], item, user_id, pseudo, extra)
    done["gateway-reports"] = kept
    return done, [c["connectionId"]["S"] for c in conns]
