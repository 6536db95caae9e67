"""Blocks and reports: never match me with this person again; tell the team about them."""

from __future__ import annotations

from services.gateway.models import BlockIn, ReportFiled, ReportIn
from services.gateway.problems import field_error
from services.gateway.spec import Call, Operation
from services.runtime.logs import metric
from services.wire.events import derive_id, new_id
from services.wire.events.gateway import UserBlocked, UserReported


async def block(call: Call) -> None:
    body: BlockIn = call.body
    uid = call.me.user_id
    if body.user_id == uid:
        raise field_error("userId", "you cannot block yourself")
    # Same pair, same event id: a double click is one block.
    await call.ctx.publisher.publish(
        UserBlocked(
            id=derive_id("user.blocked", uid, body.user_id),
            user_id=uid,
            blocked_user_id=body.user_id,
        )
    )


async def report(call: Call) -> ReportFiled:
    body: ReportIn = call.body
    uid = call.me.user_id
    if body.user_id == uid:
        raise field_error("userId", "you cannot report yourself")
    report_id = new_id()
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
        description="Publishes `user.blocked`; the matcher keeps the pair apart from now on.",
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
        description="Publishes `user.reported`.",
    ),
)
