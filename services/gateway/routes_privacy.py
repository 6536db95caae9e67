"""A person's own data: `GET /v1/me/export`."""

from __future__ import annotations

from typing import Any

from services.gateway.export import export
from services.gateway.models import View
from services.gateway.spec import Call, Operation


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


async def get_export(call: Call) -> Export:
    return Export.model_validate(await export(call.ctx.aws, call.me.user_id, call.now))


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
        description="Items from every table the gateway may read, by table; `notIncluded` "
        "names the tables other services keep and what they hold (docs/privacy.md).",
    ),
)
