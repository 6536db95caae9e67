"""Reports about people (table `gateway-reports`, written only by the gateway), and the
operator's command to read and close them:

    python -m services.gateway.safety.reports list [--all] [--limit N]
    python -m services.gateway.safety.reports resolve REPORT_ID [--note TEXT]

It reads the same `PARLEY_*` settings as the gateway (the table name comes from the prefix).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from services.gateway.people.views import parse_iso, participants
from services.runtime.dynamo import from_item, is_condition_failure, to_item
from services.wire.events import derive_id
from services.wire.tables.gateway import REPORTS

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

OPEN, RESOLVED = "open", "resolved"
# A report speaks of a conversation: only the two who had it, and only for this long after it.
REPORT_WINDOW = timedelta(hours=24)


def report_id_for(reporter: str, reported: str, session_id: str) -> str:
    """One report per reporter, person and conversation: a second one has the same id."""
    return derive_id("report", reporter, reported, session_id)


def together_until(session: Mapping[str, Any], now: datetime) -> datetime | None:
    """When the session's two people were last in it together: its end, or now while live."""
    ended = parse_iso(session.get("endedAt"))
    if ended is not None:
        return ended
    ends = parse_iso(session.get("endsAt"))
    if session.get("status") == "live":
        return min(now, ends) if ends is not None else now
    return ends


def may_report(
    session: Mapping[str, Any] | None, reporter: str, reported: str, now: datetime
) -> str | None:
    """Why this session does not let `reporter` report `reported` (None: it does):
    "no-shared-session" unless both were in it, "report-window-closed" once it is too old."""
    people = participants(session) if session else []
    if reporter not in people or reported not in people:
        return "no-shared-session"
    until = together_until(session or {}, now)
    if until is None or now - until > REPORT_WINDOW:
        return "report-window-closed"
    return None


@dataclass(frozen=True)
class Report:
    report_id: str
    reporter_id: str
    reported_user_id: str
    reason: str
    note: str
    session_id: str | None
    created_at: str
    status: str
    resolved_at: str | None = None
    resolution: str | None = None

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> Report:
        return cls(
            report_id=str(item["reportId"]),
            reporter_id=str(item["reporterId"]),
            reported_user_id=str(item["reportedUserId"]),
            reason=str(item.get("reason", "")),
            note=str(item.get("note", "")),
            session_id=item.get("sessionId"),
            created_at=str(item.get("createdAt", "")),
            status=str(item.get("status", OPEN)),
            resolved_at=item.get("resolvedAt"),
            resolution=item.get("resolution"),
        )


class ReportRecords:
    def __init__(self, dynamodb: DynamoDBClient, prefix: str) -> None:
        self._db = dynamodb
        self.table = REPORTS.name(prefix)

    async def file(self, report: Report) -> bool:
        """Stores a new report; False if this id was stored before (a retried request)."""
        item = {
            "reportId": report.report_id,
            "reporterId": report.reporter_id,
            "reportedUserId": report.reported_user_id,
            "reason": report.reason,
            "note": report.note,
            "createdAt": report.created_at,
            "status": OPEN,
        }
        if report.session_id:
            item["sessionId"] = report.session_id
        try:
            await self._db.put_item(
                TableName=self.table,
                Item=to_item(item),
                ConditionExpression="attribute_not_exists(reportId)",
            )
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    async def get(self, report_id: str) -> Report | None:
        resp = await self._db.get_item(
            TableName=self.table, Key={"reportId": {"S": report_id}}, ConsistentRead=True
        )
        return Report.from_item(from_item(resp["Item"])) if "Item" in resp else None

    async def listed(self, status: str = OPEN, limit: int = 50) -> list[Report]:
        """Reports with `status`, oldest first (the queue the team works through)."""
        resp = await self._db.query(
            TableName=self.table,
            IndexName="byStatus",
            KeyConditionExpression="#s = :s",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": {"S": status}},
            Limit=limit,
        )
        return [Report.from_item(from_item(i)) for i in resp.get("Items", [])]

    async def resolve(self, report_id: str, note: str, now_iso: str) -> Report | None:
        """Marks a report resolved (again is harmless); None if there is no such report."""
        try:
            resp = await self._db.update_item(
                TableName=self.table,
                Key={"reportId": {"S": report_id}},
                UpdateExpression="SET #s = :resolved, resolvedAt = if_not_exists(resolvedAt, :now),"
                " resolution = :note",
                ConditionExpression="attribute_exists(reportId)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":resolved": {"S": RESOLVED},
                    ":now": {"S": now_iso},
                    ":note": {"S": note},
                },
                ReturnValues="ALL_NEW",
            )
        except Exception as exc:
            if is_condition_failure(exc):
                return None
            raise
        return Report.from_item(from_item(resp["Attributes"]))


# ---- the operator's command ----------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m services.gateway.safety.reports")
    sub = p.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="open reports, oldest first (one JSON object a line)")
    ls.add_argument("--all", action="store_true", help="resolved ones too")
    ls.add_argument("--limit", type=int, default=50)
    rs = sub.add_parser("resolve", help="close a report")
    rs.add_argument("report_id")
    rs.add_argument("--note", default="", help="what was done (kept with the report)")
    return p


async def run(argv: Sequence[str], records: ReportRecords, out: Any = sys.stdout) -> int:
    args = _parser().parse_args(argv)
    if args.command == "list":
        statuses = (OPEN, RESOLVED) if args.all else (OPEN,)
        for status in statuses:
            for r in await records.listed(status, args.limit):
                out.write(json.dumps(asdict(r)) + "\n")
        return 0
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    done = await records.resolve(args.report_id, args.note, now)
    if done is None:
        sys.stderr.write(f"no report {args.report_id}\n")
        return 1
    out.write(json.dumps(asdict(done)) + "\n")
    return 0


async def _main(argv: Sequence[str]) -> int:
    from services.gateway.settings import GatewaySettings
    from services.runtime.aws import Aws
    from services.runtime.settings import load

    settings = load(GatewaySettings)
    async with Aws(settings) as aws:
        return await run(argv, ReportRecords(aws.dynamodb, settings.name_prefix))


if __name__ == "__main__":
    raise SystemExit(asyncio.run(_main(sys.argv[1:])))
