"""Blocks and reports: never match me with this person again; tell the team about them.

A report is about a conversation: only someone who was in it may report the other person,
within `REPORT_WINDOW` of it, once per person and conversation (the report id derives from
the three, so a repeat is recognised whatever the race).

The gateway keeps what it accepted (`gateway-blocks`, `gateway-reports`) before it publishes,
so presence hides blocked people at once and a report is on record even before the matcher
reads its event. A retried request writes the same rows and the same event id.
"""

from __future__ import annotations

from typing import cast

from services.gateway.http.bodies import path_id
from services.gateway.http.problems import Problem, field_error
from services.gateway.http.spec import Call, Operation
from services.gateway.models import (
    BlockIn,
    PersonRef,
    ReportFiled,
    ReportIn,
    ReportReason,
    View,
)
from services.gateway.people.views import iso, person_ref
from services.gateway.safety.blocklist import BlockList
from services.gateway.safety.effects import end_shared_session
from services.gateway.safety.reports import (
    OPEN,
    REPORT_WINDOW,
    Report,
    ReportRecords,
    may_report,
    report_id_for,
)
from services.runtime.logs import metric
from services.wire.events import derive_id
from services.wire.events.gateway import UserBlocked, UserReported, UserUnblocked

# History rows read to find my latest conversation with someone (newest first).
HISTORY_LOOKUP = 50


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
    # Kept by identity too, so it outlives either account (safety.py).
    await call.ctx.safety.blocked(call.me, body.user_id, since)
    # Same block, same event id: a double click is one block; a block after an unblock is new.
    await call.ctx.publisher.publish(
        UserBlocked(
            id=derive_id("user.blocked", uid, body.user_id, since),
            user_id=uid,
            blocked_user_id=body.user_id,
        )
    )
    await _end_call_with(call, body.user_id, f"block:{since}")


async def _end_call_with(call: Call, other: str, cause: str) -> None:
    """Blocking (or reporting) the person I am talking with ends our call for both, as my
    Stop at this moment would: nothing is charged past it."""
    ended = await end_shared_session(
        call.ctx.reads, call.ctx.publisher, call.me.user_id, other, call.now, cause
    )
    if ended is not None:
        metric("CallsEndedBySafety", why=cause.split(":")[0])


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
    await call.ctx.safety.unblocked(call.me, other)
    metric("PairsUnblocked")


_NO_SHARED = "you can report only someone you talked with, about that conversation"
_TOO_LATE = (
    f"reports are taken within {REPORT_WINDOW.total_seconds() / 3600:g} hours of the conversation"
)


async def _reported_session(call: Call, other: str, session_id: str | None) -> str:
    """The conversation the report is about: the one named, or (none named) my latest with
    this person. Refused unless we both were in it, within the report window."""
    uid, reads = call.me.user_id, call.ctx.reads
    if session_id is None:
        rows, _ = await reads.history(uid, HISTORY_LOOKUP)
        named = [str(r["sessionId"]) for r in rows if r.get("partnerId") == other]
        session_id = named[0] if named else None
    session = await reads.session(session_id) if session_id else None
    refused = may_report(session, uid, other, call.now)
    if refused == "report-window-closed":
        raise Problem(409, refused, _TOO_LATE)
    if refused is not None or session_id is None:
        # An unknown person, a session that is not ours: one answer, so ids cannot be probed.
        raise Problem(404, "no-shared-session", _NO_SHARED)
    return session_id


async def _file(call: Call, report: Report) -> None:
    """Blocks the pair and tells the matcher; idempotent (same rows, same event id)."""
    # A report also blocks the pair (the matcher does the same on `user.reported`).
    since = await _blocks(call).block(report.reporter_id, report.reported_user_id, iso(call.now))
    await call.ctx.safety.blocked(call.me, report.reported_user_id, since)
    await call.ctx.publisher.publish(
        UserReported(
            id=derive_id("user.reported", report.report_id),
            report_id=report.report_id,
            user_id=report.reporter_id,
            reported_user_id=report.reported_user_id,
            reason=cast(ReportReason, report.reason),  # checked when it was filed
            session_id=report.session_id,
            note=report.note,
        )
    )


async def report(call: Call) -> ReportFiled:
    body: ReportIn = call.body
    uid = call.me.user_id
    if body.user_id == uid:
        raise field_error("userId", "you cannot report yourself")
    session_id = await _reported_session(call, body.user_id, body.session_id)
    report_id = report_id_for(uid, body.user_id, session_id)
    records = ReportRecords(call.ctx.aws.dynamodb, call.ctx.settings.name_prefix)
    filed = Report(
        report_id=report_id,
        reporter_id=uid,
        reported_user_id=body.user_id,
        reason=body.reason,
        note=body.note,
        session_id=session_id,
        created_at=iso(call.now),
        status=OPEN,
    )
    if not await records.file(filed):
        # Reported before (or a retry): finish what that request may have left undone, with
        # what it stored, and say so.
        stored = await records.get(report_id)
        if stored is not None:
            await _file(call, stored)
            await call.ctx.safety.reported(
                call.me, stored.reported_user_id, report_id, stored.reason, call.now
            )
        raise Problem(
            409, "already-reported", "you have already reported this person for this conversation"
        )
    await _file(call, filed)
    # Kept by identity; enough different reporters suspend the person until reviewed. The
    # reporter learns nothing of it either way.
    await call.ctx.safety.reported(call.me, body.user_id, report_id, body.reason, call.now)
    await _end_call_with(call, body.user_id, f"report:{report_id}")
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
        "and neither sees the other in presence. The block is also kept by identity: it "
        "outlives either account (docs/privacy.md). Blocking the person I am talking with "
        "ends the call for both at once, as my Stop would.",
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
        problems=(
            (404, "no-shared-session"),
            (409, "report-window-closed"),
            (409, "already-reported"),
        ),
        description="Only about someone I had a conversation with, within 24 hours of it: "
        "the `sessionId` named, or else my latest conversation with them. One report per "
        "person and conversation. Stores the report for the team, blocks the pair, publishes "
        "`user.reported`; ends our call if it is still going. Someone reported by several "
        "different people within days is suspended from matching and invites until an "
        "operator reviews it (the reporter is never named to them).",
    ),
)
