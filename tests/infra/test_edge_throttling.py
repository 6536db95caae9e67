"""The WebSocket stage throttles each route on its own, sized from docs/capacity.md.

With only the stage-wide default, one route's flood drew on the budget every route shares (and
its 500/s was below the pings a peak needs). Each route now has its own limit: high enough
for the peak the capacity model states, low enough together to leave the account's budget to
the notifier's `@connections` posts.
"""

from __future__ import annotations

import re

from tests.infra.infra_harness import ROOT, Built

CAPACITY = (ROOT / "docs" / "capacity.md").read_text()


def _figure(pattern: str) -> float:
    found = re.search(pattern, CAPACITY)
    assert found, f"docs/capacity.md no longer states {pattern!r}: size the throttling again"
    return float(found.group(1).replace(",", ""))


def _route_settings(built: Built) -> dict[str, dict[str, float]]:
    (stage,) = built.of_type("aws:apigatewayv2/stage:Stage")
    return {r["routeKey"]: r for r in stage.inputs.get("routeSettings") or []}


def test_every_websocket_route_has_its_own_throttling(infra_stack: Built) -> None:
    routes = {r.inputs["routeKey"] for r in infra_stack.of_type("aws:apigatewayv2/route:Route")}
    settings = _route_settings(infra_stack)
    assert set(settings) == routes == {"$connect", "$disconnect", "$default"}
    for key, s in settings.items():
        assert s["throttlingRateLimit"] > 0, key
        assert s["throttlingBurstLimit"] >= s["throttlingRateLimit"], key


def test_the_route_limits_carry_the_peak_and_leave_the_pushes_their_share(
    infra_stack: Built,
) -> None:
    # The stack is sized for the model's million-a-day peak (docs/capacity.md, "Before" keeps
    # the hand model's figures; ten million a day needs the account quotas raised first).
    pings = _figure(r"\| pings at peak \| ([\d,]+)/s")
    new_connections_quota = _figure(r"new connections \| ([\d,]+)/s per account")
    account = _figure(r"([\d,]+) RPS per account and Region")
    posts = _figure(r"= ([\d,]+) posts/s")
    s = _route_settings(infra_stack)
    rate = {k: v["throttlingRateLimit"] for k, v in s.items()}

    # A normal peak, with its 2x burst factor, is never throttled by the stage.
    assert rate["$default"] >= 2 * pings
    assert rate["$connect"] >= new_connections_quota / 2
    # No more connects than the account accepts anyway; every connect disconnects once.
    assert rate["$connect"] <= new_connections_quota
    assert rate["$disconnect"] >= rate["$connect"]
    # Whatever one route's flood takes, the posts people are told by keep 10x their peak need.
    assert account - sum(rate.values()) >= 10 * posts
