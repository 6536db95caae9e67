"""The operator's routes (`/v1/admin/*`): members of the user pool's operators group (the
token's `cognito:groups`) review suspensions, ban and lift bans, and read the audit log. The
same actions as `python -m services.gateway.safety.moderation`; every one is in the audit log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from services.gateway.http.bodies import path_id
from services.gateway.http.problems import Problem
from services.gateway.http.spec import Call, Operation
from services.gateway.models import Body, View
from services.gateway.safety.core import parse_until
from services.gateway.safety.moderation import Moderation, NotFound

Reason = Annotated[str, StringConstraints(min_length=1, max_length=500)]
Until = Annotated[str, StringConstraints(max_length=40)]


class ReportSeen(View):
    report_id: str
    reason: str
    at: str
    note: str
    session_id: str | None = None


class Suspension(View):
    person: str = Field(description="The person's key (an identity key, not an account id)")
    user_id: str | None = Field(None, description="Their account now, if they have one")
    suspended_at: str
    waited_s: int
    reporters: int = Field(description="How many different people reported them")
    reports: list[ReportSeen]


class Suspensions(View):
    people: list[Suspension]


class Decision(Body):
    action: Literal["ban", "clear", "warn"]
    reason: Reason
    until: Until | None = None


class BanIn(Body):
    user_id: Annotated[str, StringConstraints(max_length=128)] | None = None
    email: Annotated[str, StringConstraints(max_length=320)] | None = None
    person: Annotated[str, StringConstraints(max_length=80)] | None = None
    until: Until | None = None
    reason: Reason

    @model_validator(mode="after")
    def _one_person(self) -> BanIn:
        if sum(bool(x) for x in (self.user_id, self.email, self.person)) != 1:
            raise ValueError("name the person by exactly one of userId, email, person")
        return self


class Done(View):
    person: str
    action: str
    until: str | None = None
    session_ended: bool | None = None


class LoggedAction(View):
    at: str
    action: str
    subject: str
    by: str
    reason: str
    until: str | None = None


class AuditLog(View):
    actions: list[LoggedAction]


async def _moderation(call: Call) -> Moderation:
    c = call.ctx
    if c.settings.operators_group not in call.me.groups:
        raise Problem(403, "forbidden", "only operators may do this")
    idp = await c.safety.idp()
    return Moderation(c.aws, c.settings, c.publisher, c.socket_closer, idp, forget=c.safety.forget)


def _until(text: str | None, call: Call) -> str:
    try:
        return parse_until(text, call.now)
    except ValueError as exc:
        raise Problem(400, "bad-request", str(exc)) from None


def _by(call: Call) -> str:
    return f"operator:{call.me.email or call.me.username}"


async def list_suspensions(call: Call) -> Suspensions:
    people = await (await _moderation(call)).queue()
    return Suspensions.model_validate({"people": people})


async def decide(call: Call) -> Done:
    mod, body = await _moderation(call), call.body
    assert isinstance(body, Decision)
    key = path_id(call.request, "person")
    until = _until(body.until, call) if body.action == "ban" else None
    try:
        done = await mod.resolve(key, body.action, body.reason, _by(call), until)
    except NotFound as exc:
        raise Problem(404, "not-found", str(exc)) from None
    return _done(done, body.action)


async def ban(call: Call) -> Done:
    mod, body = await _moderation(call), call.body
    assert isinstance(body, BanIn)
    try:
        target = await mod.find(user_id=body.user_id, email=body.email, key=body.person)
    except NotFound as exc:
        raise Problem(404, "not-found", str(exc)) from None
    return _done(await mod.ban(target, _until(body.until, call), body.reason, _by(call)), "ban")


async def lift(call: Call) -> Done:
    mod = await _moderation(call)
    try:
        target = await mod.find(key=path_id(call.request, "person"))
    except NotFound as exc:
        raise Problem(404, "not-found", str(exc)) from None
    return _done(await mod.lift(target, "lifted by an operator", _by(call)), "lift")


async def audit_log(call: Call) -> AuditLog:
    items = await (await _moderation(call)).log(100)
    return AuditLog(actions=[LoggedAction.model_validate(_logged(i)) for i in items])


def _logged(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "at": str(item["at"]).split("#")[0],
        "action": item["action"],
        "subject": item["subject"],
        "by": item["by"],
        "reason": item.get("reason", ""),
        "until": item.get("until"),
    }


def _done(done: dict[str, Any], action: str) -> Done:
    return Done(
        person=str(done["person"]),
        action=action,
        until=done.get("until"),
        session_ended=done.get("sessionEnded"),
    )


_FORBIDDEN = ((403, "forbidden"),)
OPERATIONS = (
    Operation(
        "GET",
        "/v1/admin/suspensions",
        "People suspended by reports, awaiting review (operators only)",
        "admin",
        "listSuspensions",
        handler=list_suspensions,
        reply=Suspensions,
        rule="read",
        problems=_FORBIDDEN,
        description="Oldest first, with the reports about each person; never who filed them.",
    ),
    Operation(
        "POST",
        "/v1/admin/suspensions/{id}",
        "Decide a suspension: ban, clear or warn (operators only)",
        "admin",
        "decideSuspension",
        handler=decide,
        body=Decision,
        reply=Done,
        rule="safety",
        problems=(*_FORBIDDEN, (404, "not-found")),
        description="`id` is the person's key from the queue. Recorded in the audit log.",
    ),
    Operation(
        "POST",
        "/v1/admin/bans",
        "Ban a person by identity (operators only)",
        "admin",
        "banPerson",
        handler=ban,
        body=BanIn,
        reply=Done,
        rule="safety",
        problems=(*_FORBIDDEN, (404, "not-found")),
        description="By `userId`, `email` or `person` key; `until` is `7d`, `12h`, an ISO "
        "time or absent (no end). Ends their conversation (a Stop of theirs now), takes them "
        "out of the queue, closes their sockets; their next request is refused (403 `banned`), "
        "whatever account they come back with.",
    ),
    Operation(
        "DELETE",
        "/v1/admin/bans/{id}",
        "Lift a ban (operators only)",
        "admin",
        "liftBan",
        handler=lift,
        reply=Done,
        rule="safety",
        problems=(*_FORBIDDEN, (404, "not-found")),
    ),
    Operation(
        "GET",
        "/v1/admin/audit",
        "The moderation audit log, newest first (operators only)",
        "admin",
        "readAuditLog",
        handler=audit_log,
        reply=AuditLog,
        rule="read",
        problems=_FORBIDDEN,
    ),
)
