"""The gateway's side of safety that follows the person (docs/privacy.md, "Safety records").

Every signed-in request (and every socket) asks `SafetyGate.admit`:
- a person banned under any of their identity keys is refused (403 `banned`), whichever
  account they come back with;
- a person suspended pending review may not join the queue or send or accept invites
  (403 `suspended`); presence and invites treat them as offline (blocklist.py);
- the first request of an account its identity keys were not signed in as (a new account, or
  someone back after deleting theirs) links the keys to it and gives them back their blocks,
  both ways: the rows in `gateway-blocks` and `user.blocked` for the matcher. Nothing else of
  theirs comes back.
Standing is read (strongly consistent) at most every `standing_recheck_s` per account in one
gateway task; an operator's action in this task forgets what it cached.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import structlog

from services.gateway.http.problems import Problem
from services.gateway.people.views import iso, parse_iso
from services.gateway.safety.blocklist import BlockList
from services.gateway.safety.core import (
    BLOCK,
    BLOCKED_BY,
    REPORT,
    Standing,
    identity_keys,
    safety_key,
    should_suspend,
)
from services.gateway.safety.effects import withdraw
from services.gateway.safety.records import SafetyRecords
from services.runtime.logs import metric
from services.wire.events import derive_id
from services.wire.events.gateway import UserBlocked

if TYPE_CHECKING:
    from services.gateway.http.auth import Identity
    from services.gateway.settings import GatewaySettings
    from services.runtime.aws import Aws
    from services.runtime.publisher import Publisher

# What a suspended person may not do until an operator decides (operation ids).
NOT_WHILE_SUSPENDED = frozenset({"joinQueue", "createInvite", "acceptInvite"})
# Who acted, in the audit log, when nobody did: the automatic suspension.
AUTOMATIC = "parley:auto"
_log = structlog.get_logger()


class SafetyGate:
    def __init__(self, aws: Aws, settings: GatewaySettings, publisher: Publisher) -> None:
        self._aws = aws
        self._settings = settings
        self._publisher = publisher
        self.records = SafetyRecords(aws.dynamodb, settings.name_prefix)
        key = settings.pseudonym_key
        self._key = safety_key(key) if key is not None else None
        self._seen: dict[str, tuple[float, Standing]] = {}
        self._idp: Any = None

    async def idp(self) -> Any:
        """A Cognito client for an operator's ban (the global sign-out), or None without a
        user pool."""
        if not self._settings.cognito_user_pool_id:
            return None
        if self._idp is None:
            self._idp = await self._aws.client("cognito-idp")
        return self._idp

    def keys(self, me: Identity) -> tuple[str, ...]:
        """The person's identity keys, primary first (none where no secret is configured)."""
        if self._key is None:
            return ()
        return identity_keys(
            self._key,
            provider_subject=me.provider_subject,
            username=me.username,
            email=me.email,
            federated=self._settings.auth_mode == "hosted",
        )

    def forget(self, user_id: str | None = None) -> None:
        """Read standing afresh (after an operator's action in this task)."""
        if user_id is None:
            self._seen.clear()
        else:
            self._seen.pop(user_id, None)

    async def standing(self, me: Identity, now: datetime) -> Standing:
        cached = self._seen.get(me.user_id)
        if cached and time.monotonic() - cached[0] < self._settings.standing_recheck_s:
            return cached[1]
        keys = self.keys(me)
        if not keys:
            return Standing()
        items = await self.records.standings(keys)
        if any(items.get(k, {}).get("userId") != me.user_id for k in keys):
            await self._arrived(me, keys, now)
        standing = Standing.of(items.values(), now)
        if len(self._seen) > 100_000:
            self._seen.clear()
        self._seen[me.user_id] = (time.monotonic(), standing)
        return standing

    async def admit(self, me: Identity, operation: str | None, now: datetime) -> None:
        standing = await self.standing(me, now)
        if standing.banned(now):
            until = "" if standing.ban_until == "forever" else f" until {standing.ban_until}"
            raise Problem(403, "banned", f"this account is banned from Parley{until}")
        if standing.suspended and operation in NOT_WHILE_SUSPENDED:
            raise Problem(
                403,
                "suspended",
                "you cannot join or invite while your account is under review",
            )

    async def _arrived(self, me: Identity, keys: tuple[str, ...], now: datetime) -> None:
        """Link the keys to this account, and give the person back their blocks both ways."""
        records, uid, primary = self.records, me.user_id, keys[0]
        await records.link(keys, uid, me.username, now)
        restored = 0
        for prefix in (BLOCK, BLOCKED_BY):
            for row in await records.rows(primary, prefix, now):
                other = await records.user_of(row.other)
                if other is None or other == uid:
                    continue  # they left too: theirs comes back when they do
                blocker, blocked = (uid, other) if prefix == BLOCK else (other, uid)
                await self._restore(blocker, blocked, row.at or iso(now))
                await records.kept(primary, row.other)
                restored += 1
        if restored:
            metric("BlocksRestored", restored)
        _log.info("safety.linked", restored=restored)

    async def _restore(self, blocker: str, blocked: str, at: str) -> None:
        blocks = BlockList(self._aws.dynamodb, self._settings.name_prefix)
        since = await blocks.block(blocker, blocked, at)
        await self._publisher.publish(
            UserBlocked(
                id=derive_id(UserBlocked.TYPE, blocker, blocked, since),
                user_id=blocker,
                blocked_user_id=blocked,
            )
        )

    # ---- what people do ------------------------------------------------------------------

    async def blocked(self, me: Identity, other: str, at: str) -> None:
        """Keep my block of `other` by identity too (it outlives both accounts)."""
        mine, theirs = self.keys(me), await self._keys_of(other)
        if mine and theirs:
            await self.records.block(mine[0], theirs[0], at)

    async def unblocked(self, me: Identity, other: str) -> None:
        mine, theirs = self.keys(me), await self._keys_of(other)
        if mine and theirs:
            await self.records.unblock(mine[0], theirs[0])

    async def reported(
        self, me: Identity, reported: str, report_id: str, reason: str, now: datetime
    ) -> bool:
        """Keep the report by identity; suspend the reported person once enough different
        people reported them. True if this report suspended them."""
        s = self._settings
        mine, theirs = self.keys(me), await self._keys_of(reported)
        if not mine or not theirs:
            return False
        target = theirs[0]
        await self.records.add_report(target, report_id, mine[0], iso(now), reason)
        rows = await self.records.rows(target, REPORT, now)
        standing = (await self.records.standings([target])).get(target, {})
        reports = [(r.other, at) for r in rows if (at := parse_iso(r.at)) is not None]
        if not should_suspend(
            reports,
            now,
            threshold=s.suspend_after_reporters,
            window=timedelta(days=s.suspend_window_days),
            reviewed_at=parse_iso(standing.get("reviewedAt")),
        ):
            return False
        if not await self.records.suspend(theirs, now):
            return False  # already waiting for review
        why = (
            f"reported by {s.suspend_after_reporters} people within {s.suspend_window_days:g} days"
        )
        await self.records.audit("suspend", target, AUTOMATIC, why, now, s.audit_log_days)
        await withdraw(self._aws, self._publisher, reported, now, f"suspend:{target}:{iso(now)}")
        self.forget(reported)
        metric("Suspensions")
        _log.info("safety.suspended", reported_user_id=reported)
        return True

    async def _keys_of(self, user_id: str) -> list[str]:
        return await self.records.keys_of(user_id) if self._key is not None else []
