"""Moderation: bans that follow the person, the review queue of automatic suspensions, and
the audit log of every action. Used by the operator routes (`/v1/admin/*`, routes_admin.py)
and by the operator's command:

    python -m services.gateway.safety.moderation queue
    python -m services.gateway.safety.moderation ban (--email E | --user ID | --person KEY)
        [--until 7d | 2027-01-31T00:00:00Z | forever] --reason TEXT [--by NAME]
    python -m services.gateway.safety.moderation lift (--email E | --user ID | --person KEY)
        --reason TEXT
    python -m services.gateway.safety.moderation resolve KEY --action ban|clear|warn --reason TEXT
        [--until …]
    python -m services.gateway.safety.moderation log [--limit N] [--person KEY]

It reads the same `PARLEY_*` settings as the gateway; locally it signs as the local admin
(the README's tool credentials) and closes sockets through the gateway's loopback
`@connections` API. A ban is by identity (federated people included, whatever account they
come back with): it signs the person out of Cognito everywhere, closes their sockets, ends
their conversation (a Stop of theirs at the ban's moment: the partner is told and pays nothing
after), takes them out of the queue, and their next request is refused (403 `banned`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog

from services.gateway.people.readmodels import ReadModels
from services.gateway.people.views import iso
from services.gateway.safety.core import REPORT, email_key, parse_until, safety_key
from services.gateway.safety.effects import (
    Closer,
    close_sockets,
    live_session_of,
    sign_out,
    stop_for,
    withdraw,
)
from services.gateway.safety.records import SafetyRecords, oldest_age_s
from services.gateway.safety.reports import ReportRecords
from services.gateway.settings import GatewaySettings
from services.runtime.logs import metric

if TYPE_CHECKING:
    from services.runtime.aws import Aws
    from services.runtime.publisher import Publisher

ACTIONS = ("ban", "clear", "warn")
_log = structlog.get_logger()


class NotFound(LookupError):
    """Nobody is known by that account, email or key."""


@dataclass(frozen=True)
class Target:
    """A person as moderation sees them: their identity keys (primary first) and the account
    they are signed in as now, if any."""

    keys: tuple[str, ...]
    user_id: str | None = None
    username: str = ""
    standing: dict[str, Any] = field(default_factory=dict)


@dataclass
class Moderation:
    aws: Aws
    settings: GatewaySettings
    publisher: Publisher
    closer: Closer | None = None
    idp: Any = None  # a cognito-idp client, for the global sign-out
    # The gateway's cached standing, forgotten after an action (routes in the same task).
    forget: Callable[[str | None], None] | None = None

    @property
    def records(self) -> SafetyRecords:
        return SafetyRecords(self.aws.dynamodb, self.settings.name_prefix)

    async def find(
        self, *, user_id: str | None = None, email: str | None = None, key: str | None = None
    ) -> Target:
        records = self.records
        if user_id:
            keys = await records.keys_of(user_id)
        elif email:
            secret = self.settings.pseudonym_key
            if secret is None:
                raise NotFound("no pseudonym secret is configured")
            by_email = email_key(safety_key(secret), email)
            linked = await records.user_of(by_email)
            keys = await records.keys_of(linked) if linked else [by_email]
        elif key:
            linked = await records.user_of(key)
            keys = await records.keys_of(linked) if linked else [key]
            if not linked and not await records.standings([key]):
                raise NotFound(f"no one is known by {key}")
        else:
            raise NotFound("name the person: an account id, an email or a key")
        if not keys:
            raise NotFound("no one is known by that account")
        standings = await records.standings(keys)
        first = standings.get(keys[0], {})
        user = next((str(s["userId"]) for s in standings.values() if s.get("userId")), None)
        return Target(tuple(keys), user, str(first.get("username") or ""), first)

    async def ban(self, target: Target, until: str, reason: str, by: str) -> dict[str, Any]:
        """Ban by identity and end whatever the person is doing now."""
        now = datetime.now(UTC)
        records = self.records
        await records.ban(target.keys, until, reason, by, now)
        if target.standing.get("suspendedAt"):
            await records.reviewed(target.keys, now)  # a ban decides a pending review
            await self._close_reports(target, f"ban: {reason}", now)
        await records.audit(
            "ban", target.keys[0], by, reason, now, self.settings.audit_log_days, until=until
        )
        done: dict[str, Any] = {"person": target.keys[0], "until": until}
        if target.user_id:
            done |= await self._stand_down(target, now)
        self._forget(target.user_id)
        metric("Bans")
        _log.info("moderation.banned", **{k: v for k, v in done.items() if k != "person"})
        return done

    async def _stand_down(self, target: Target, now: datetime) -> dict[str, Any]:
        user = target.user_id or ""
        cause = f"ban:{iso(now)}"
        session = await live_session_of(ReadModels(self.aws), user, now)
        if session is not None:
            await stop_for(self.publisher, str(session["sessionId"]), user, now, cause)
        done: dict[str, Any] = {"sessionEnded": session is not None}
        done |= await withdraw(self.aws, self.publisher, user, now, cause)
        done["sockets"] = await close_sockets(self.aws, self.closer, user)
        pool = self.settings.cognito_user_pool_id
        done["signedOut"] = await sign_out(self.idp, pool, target.username)
        return done

    async def lift(self, target: Target, reason: str, by: str) -> dict[str, Any]:
        now = datetime.now(UTC)
        await self.records.lift_ban(target.keys)
        await self.records.audit("lift", target.keys[0], by, reason, now, self._keep)
        self._forget(target.user_id)
        return {"person": target.keys[0], "lifted": True}

    async def resolve(
        self, key: str, action: str, reason: str, by: str, until: str | None = None
    ) -> dict[str, Any]:
        """Decide a suspension: ban, clear (nothing was wrong), or warn (kept on record)."""
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
        target = await self.find(key=key)
        if not target.standing.get("suspendedAt"):
            raise NotFound(f"{key} is not awaiting review")
        if action == "ban":
            return await self.ban(target, until or "forever", reason, by)
        now = datetime.now(UTC)
        await self.records.reviewed(target.keys, now)
        await self._close_reports(target, f"{action}: {reason}", now)
        await self.records.audit(action, target.keys[0], by, reason, now, self._keep)
        self._forget(target.user_id)
        metric("SuspensionsResolved", action=action)
        return {"person": target.keys[0], "action": action}

    async def queue(self) -> list[dict[str, Any]]:
        """People suspended pending review, oldest first, with the reports about them (never
        who filed them: only how many different people did)."""
        now = datetime.now(UTC)
        reports = ReportRecords(self.aws.dynamodb, self.settings.name_prefix)
        out: list[dict[str, Any]] = []
        for item in await self.records.queue():
            key = str(item["pk"])
            rows = await self.records.rows(key, REPORT, now)
            stored = await asyncio.gather(*(reports.get(r.report_id) for r in rows))
            listed = [
                {
                    "reportId": r.report_id,
                    "reason": r.reason,
                    "at": r.at,
                    "note": s.note if s else "",
                    "sessionId": s.session_id if s else None,
                }
                for r, s in zip(rows, stored, strict=True)
            ]
            out.append(
                {
                    "person": key,
                    "userId": item.get("userId"),
                    "suspendedAt": str(item["suspendedAt"]),
                    "waitedS": round(oldest_age_s([item], now)),
                    "reporters": len({r.other for r in rows}),
                    "reports": sorted(listed, key=lambda r: str(r["at"])),
                }
            )
        return out

    async def log(self, limit: int = 100, key: str | None = None) -> list[dict[str, Any]]:
        items = await self.records.audit_log(datetime.now(UTC), limit, key)
        return [{k: v for k, v in i.items() if k not in ("month", "expiresAt")} for i in items]

    async def _close_reports(self, target: Target, note: str, now: datetime) -> None:
        reports = ReportRecords(self.aws.dynamodb, self.settings.name_prefix)
        for row in await self.records.rows(target.keys[0], REPORT, now):
            await reports.resolve(row.report_id, note, iso(now))

    @property
    def _keep(self) -> int:
        return self.settings.audit_log_days

    def _forget(self, user_id: str | None) -> None:
        if self.forget is not None:
            self.forget(user_id)


async def queue_age_forever(records: SafetyRecords, every_s: float) -> None:
    """`ModerationQueueAge`: how long the oldest suspension has waited for an operator (0 when
    none waits), every `every_s`; alarmed in infra (docs/runbook.md, moderation-queue)."""
    while True:
        try:
            age = oldest_age_s(await records.queue(1), datetime.now(UTC))
            metric("ModerationQueueAge", age, "Seconds")
        except Exception:
            _log.warning("moderation.queue_age_failed", exc_info=True)
        await asyncio.sleep(every_s)


# ---- the operator's command ----------------------------------------------------------------


class ModerationSettings(GatewaySettings):
    """The gateway's settings, for a tool: its AWS calls are the operator's, not the task's."""


def _who(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--email", help="the person's verified email")
    g.add_argument("--user", help="the person's account id (Cognito sub)")
    g.add_argument("--person", help="the person's key, as the queue and the log show it")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m services.gateway.safety.moderation")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("queue", help="suspensions awaiting review, oldest first (JSON lines)")
    ban = sub.add_parser("ban", help="ban a person (by identity), ending what they are doing")
    _who(ban)
    ban.add_argument("--until", default="forever", help="7d, 12h, an ISO time, or forever")
    ban.add_argument("--reason", required=True)
    ban.add_argument("--by", default="")
    lift = sub.add_parser("lift", help="lift a ban")
    _who(lift)
    lift.add_argument("--reason", required=True)
    lift.add_argument("--by", default="")
    rs = sub.add_parser("resolve", help="decide a suspension")
    rs.add_argument("person")
    rs.add_argument("--action", choices=ACTIONS, required=True)
    rs.add_argument("--reason", required=True)
    rs.add_argument("--until", default=None, help="for --action ban")
    rs.add_argument("--by", default="")
    lg = sub.add_parser("log", help="the audit log, newest first (JSON lines)")
    lg.add_argument("--limit", type=int, default=100)
    lg.add_argument("--person", default=None)
    return p


async def run(argv: Sequence[str], mod: Moderation, out: Any = sys.stdout) -> int:
    args = _parser().parse_args(argv)
    by = f"cli:{getattr(args, 'by', '') or getpass.getuser()}"
    try:
        if args.command == "queue":
            rows = await mod.queue()
        elif args.command == "log":
            rows = await mod.log(args.limit, args.person)
        elif args.command == "resolve":
            until = parse_until(args.until, datetime.now(UTC)) if args.until else None
            rows = [await mod.resolve(args.person, args.action, args.reason, by, until)]
        else:
            target = await mod.find(user_id=args.user, email=args.email, key=args.person)
            if args.command == "ban":
                until = parse_until(args.until, datetime.now(UTC))
                rows = [await mod.ban(target, until, args.reason, by)]
            else:
                rows = [await mod.lift(target, args.reason, by)]
    except (NotFound, ValueError) as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    for row in rows:
        out.write(json.dumps(row, default=str) + "\n")
    return 0


async def _main(argv: Sequence[str]) -> int:
    import aioboto3

    from services.gateway.live.socket_expiry import ApiGatewayCloser
    from services.runtime.aws import Aws
    from services.runtime.bus import publisher
    from services.runtime.settings import load
    from services.wire.names import Service

    settings = load(ModerationSettings)
    async with Aws(settings) as aws, contextlib.AsyncExitStack() as stack:
        # The sockets' holder: API Gateway's @connections API in AWS, the gateway's own
        # loopback one locally.
        endpoint = settings.connections_endpoint_url or (
            "" if settings.behind_api_gateway else f"http://127.0.0.1:{settings.http_port}"
        )
        closer = None
        if endpoint:
            session = aioboto3.Session(region_name=settings.aws_region)
            api = await stack.enter_async_context(
                session.client("apigatewaymanagementapi", endpoint_url=endpoint)
            )
            closer = ApiGatewayCloser(api)
        idp = await aws.client("cognito-idp") if settings.cognito_user_pool_id else None
        mod = Moderation(aws, settings, publisher(aws, Service.GATEWAY), closer, idp)
        return await run(argv, mod)


if __name__ == "__main__":
    raise SystemExit(asyncio.run(_main(sys.argv[1:])))
