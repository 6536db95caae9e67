"""Blocks and reports: never match me with this person again; tell the team about them.

The gateway keeps what it accepted (`gateway-blocks`, `gateway-reports`) before it publishes,
so presence hides blocked people at once and a report is on record even before the matcher
reads its event. A retried request writes the same rows and the same event id.
"""

from __future__ import annotations

from services.gateway.blocklist import BlockList
from services.gateway.bodies import path_id
from services.gateway.models import BlockIn, PersonRef, ReportFiled, ReportIn, View
from services.gateway.problems import Problem, field_error
from services.gateway.reports import OPEN, Report, ReportRecords
from services.gateway.spec import Call, Operation
from services.gateway.views import iso, person_ref
from services.runtime.logs import metric
from services.wire.events import derive_id, new_id
from services.wire.events.gateway import UserBlocked, UserReported, UserUnblocked


class BlockedPeople(View):
    people: list[PersonRef]


def _blocks(call: Call) -> BlockList:
    return BlockList(call.ctx.aws.dynamodb, call.ctx.settings.name_prefix)


async def block(call: Call) -> None:
    body: BlockIn = call.body
    uid = call.me.user_id
    if body.user_id == uid:
        raise field_error("userId", "you cannot block yourself")
    since = await _blocks(call).block(uid, body.user_id, iso(call.now))
    # Same block, same event id: a double click is one block; a block after an unblock is new.
    await call.ctx.publisher.publish(
        UserBlocked(
            id=derive_id("user.blocked", uid, body.user_id, since),
            user_id=uid,
            blocked_user_id=body.user_id,
        )
    )


async def list_blocked(call: Call) -> BlockedPeople:
    rows = await _blocks(call).blocked_by(call.me.user_id)
    names = await call.ctx.reads.profiles(r.other for r in rows)
    return BlockedPeople(people=[person_ref(r.other, names) for r in rows])


async def unblock(call: Call) -> None:
    uid = call.me.user_id
    other = path_id(call.request, "block")
    blocks = _blocks(call)
    row = await blocks.get(uid, other)
    if row is None or not row.i_blocked:
        raise Problem(404, "not-found", "you have not blocked this person")
    # Published before the rows change: a retry after a failure finds the block and sends the
    # same event id again (one unblock per block, whatever the retries).
    await call.ctx.publisher.publish(
        UserUnblocked(
            id=derive_id("user.unblocked", uid, other, row.blocked_at),
            user_id=uid,
            unblocked_user_id=other,
        )
    )
    await blocks.unblock(uid, other)
    metric("PairsUnblocked")


async def report(call: Call) -> ReportFiled:
    body: ReportIn = call.body
    uid = call.me.user_id
    if body.user_id == uid:
        raise field_error("userId", "you cannot report yourself")
    report_id = new_id()
    await ReportRecords(call.ctx.aws.dynamodb, call.ctx.settings.name_prefix).file(
        Report(
            report_id=report_id,
            reporter_id=uid,
            reported_user_id=body.user_id,
            reason=body.reason,
            note=body.note,
            session_id=body.session_id,
            created_at=iso(call.now),
            status=OPEN,
        )
    )
    # A report also blocks the pair (the matcher does the same on `user.reported`).
    await _blocks(call).block(uid, body.user_id, iso(call.now))
    await call.ctx.publisher.publish(
        UserReported(
            id=derive_id("user.reported", report_id),
            report_id=report_id,
            user_id=uid,
            reported_user_id=body.user_id,
            reason=body.reason,
            session_id=body.session_id,
            note=body.note,
        )
    )
    metric("ReportsFiled", reason=body.reason)
    return ReportFiled(report_id=report_id)


OPERATIONS = (
    Operation(
        "POST",
        "/v1/blocks",
        "Never match me with this person again",
        "safety",
        "blockPerson",
        handler=block,
        body=BlockIn,
        status=202,
        rule="safety",
        description="Publishes `user.blocked`; the matcher keeps the pair apart from now on, "
        "and neither sees the other in presence.",
    ),
    Operation(
        "GET",
        "/v1/blocks",
        "People I blocked, newest first",
        "safety",
        "listBlocked",
        handler=list_blocked,
        reply=BlockedPeople,
        rule="read",
    ),
    Operation(
        "DELETE",
        "/v1/blocks/{id}",
        "Unblock someone I blocked",
        "safety",
        "unblockPerson",
        handler=unblock,
        status=202,
        rule="safety",
        problems=((404, "not-found"),),
        description="Publishes `user.unblocked`. A block the other person made stays.",
    ),
    Operation(
        "POST",
        "/v1/reports",
        "Report someone (this also blocks them)",
        "safety",
        "reportPerson",
        handler=report,
        body=ReportIn,
        reply=ReportFiled,
        status=202,
        rule="safety",
        description="Stores the report for the team, blocks the pair, publishes `user.reported`.",
    ),
)
