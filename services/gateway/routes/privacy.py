"""A person's own data: `GET /v1/me/export`, and leaving: `DELETE /v1/me`."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import structlog

from services.gateway.http.problems import Problem
from services.gateway.http.spec import Call, Operation
from services.gateway.models import View
from services.gateway.people.erasure import erase_gateway_tables, pseudonym
from services.gateway.people.export import export
from services.gateway.people.views import iso, open_ticket, state_of
from services.runtime.logs import metric
from services.wire.events import derive_id
from services.wire.events.gateway import UserErased


class NotIncluded(View):
    table: str
    holds: str


class Export(View):
    user_id: str
    exported_at: str
    # Logical table name -> the person's items in it, attribute by attribute.
    tables: dict[str, list[dict[str, Any]]]
    truncated: list[str]
    not_included: list[NotIncluded]
    # What other people did or hold about the person, left out by design (docs/privacy.md).
    withheld: list[NotIncluded]


async def get_export(call: Call) -> Export:
    return Export.model_validate(await export(call.ctx.aws, call.me.user_id, call.now))


# Pushed to the person's open sockets as they close: the account is gone.
ACCOUNT_DELETED = "account.deleted"


class Erased(View):
    # What the kept items carry instead of the person's id (reports about or by them).
    pseudonym: str


async def _busy(call: Call) -> str | None:
    """What the person is in the middle of, which erasure would leave half done."""
    reads, uid = call.ctx.reads, call.me.user_id
    now_s = iso(call.now.replace(microsecond=0))
    person, profile, tickets, incoming, outgoing = await asyncio.gather(
        reads.person(uid),
        reads.profile(uid),
        reads.recent_tickets(uid),
        reads.pending_invites(uid, "incoming", now_s),
        reads.pending_invites(uid, "outgoing", now_s),
    )
    state = state_of(person)
    if state == "in_session":
        return "end your conversation first"
    # A ticket just requested counts too (the profile remembers it before the matcher has it).
    if state == "waiting" or open_ticket(tickets, profile, call.now):
        return "leave the queue first"
    if incoming or outgoing:
        return "answer or withdraw your pending invites first (they expire within a minute)"
    return None


async def delete_me(call: Call) -> Erased:
    c, me = call.ctx, call.me
    key = c.settings.pseudonym_key
    if key is None:
        raise Problem(503, "unavailable", "account deletion is not configured here")
    busy = await _busy(call)
    if busy:
        raise Problem(409, "account-busy", f"your account cannot be deleted now: {busy}")
    uid, pseudo = me.user_id, pseudonym(key, me.user_id)
    # Every step is idempotent and the marker comes last, so after a failure part way the
    # person may retry; meanwhile this process refuses their other requests.
    c.erased.noted(uid)
    try:
        # The owners erase their own tables; the event id is the same on a retry.
        await c.publisher.publish(
            UserErased(id=derive_id("user.erased", pseudo), user_id=uid, pseudonym=pseudo)
        )
        done, sockets = await erase_gateway_tables(c.aws, c.settings, uid, pseudo, call.now)
        # The safety records stay with the person, not the account (docs/privacy.md): their
        # keys forget this account, and what is kept expires after the retention.
        retention = timedelta(days=c.settings.safety_retention_days)
        done["gateway-safety"] = await c.safety.records.left(uid, call.now, retention)
        c.safety.forget(uid)
        signed_out = await c.erased.end_sign_in(me)
        await c.erased.mark(pseudo, call.now)
    except BaseException:
        c.erased.retry_allowed(uid)
        raise
    # Never the pseudonym in a log: this line (and every line of this request, through its
    # request id) carries the person's id, and the two together would undo the pseudonym.
    structlog.get_logger().info(
        "account.erased",
        signed_out=signed_out,
        **{k.replace("-", "_"): v for k, v in done.items()},
    )
    await _close_sockets(call, sockets)
    metric("AccountsErased")
    return Erased(pseudonym=pseudo)


async def _close_sockets(call: Call, connection_ids: list[str]) -> None:
    """Close the person's open sockets (their other tabs). After the erasure: a disconnect
    then finds no record, so nothing about them is written again or published."""
    closer = call.ctx.socket_closer
    if closer is None:
        return
    for connection_id in connection_ids:
        try:
            await closer(connection_id, {"type": ACCOUNT_DELETED})
        except Exception:
            structlog.get_logger().warning(
                "account.socket_close_failed", connection_id=connection_id, exc_info=True
            )


OPERATIONS = (
    Operation(
        "GET",
        "/v1/me/export",
        "Everything Parley holds about me, as JSON",
        "me",
        "exportMe",
        handler=get_export,
        reply=Export,
        rule="export",
        description="My own items from every table the gateway may read, by table; "
        "`notIncluded` names the tables other services keep and what they hold; `withheld` "
        "what other people did or hold about me, left out (docs/privacy.md).",
    ),
    Operation(
        "DELETE",
        "/v1/me",
        "Delete my account",
        "me",
        "deleteMe",
        handler=delete_me,
        reply=Erased,
        status=202,
        rule="export",
        problems=((409, "account-busy"), (503, "unavailable")),
        description="Erases the profile, preferences, presence, blocks and partners at once, and "
        "(over the bus) everything the other services hold about the person; reports by or "
        "about them are kept under `pseudonym` for abuse handling, and their blocks (both "
        "ways), bans and the reports about them are kept by identity for a stated time and come "
        "back if they sign up again (docs/privacy.md). Refreshes are revoked and "
        "the remaining ID tokens are refused (401 `account-deleted`). Refused (409 "
        "`account-busy`) while the person waits, talks or has an invite pending. "
        "See docs/privacy.md.",
    ),
)
