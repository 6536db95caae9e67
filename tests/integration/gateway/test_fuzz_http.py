"""Whatever a client throws at the intent routes, the answer is documented and never a 500."""

from __future__ import annotations

import random
from typing import Any

from tests.integration.gateway.conftest import Gateway, new_user

ROUTES = [
    ("PUT", "/v1/me/preferences"),
    ("POST", "/v1/queue"),
    ("POST", "/v1/invites"),
    ("POST", "/v1/invites/x-1/accept"),
    ("POST", "/v1/sessions/s-1/signal"),
    ("POST", "/v1/blocks"),
    ("POST", "/v1/reports"),
]
KEYS = ["to", "userId", "kind", "data", "speaks", "learns", "name", "reason", "note", "x", ""]
LEAVES: list[Any] = [
    None,
    True,
    0,
    -1,
    2**63,
    1.5,
    "",
    "en",
    "offer",
    "abuse",
    "a" * 300,
    "\u0000",
    "ü",
    [],
    {},
]


def value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.5:
        return rng.choice(LEAVES)
    if roll < 0.75:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {rng.choice(KEYS): value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


async def test_random_json_bodies_get_documented_answers(gw: Gateway) -> None:
    rng = random.Random(20261122)
    me = new_user("fuzz")
    seen: set[int] = set()
    for i in range(120):
        method, path = ROUTES[i % len(ROUTES)]
        body = value(rng) if rng.random() < 0.3 else {k: value(rng, 1) for k in rng.sample(KEYS, 3)}
        answer = await gw.call(method, path, me, body=body)  # checked against the document
        assert answer.status != 500, (method, path, body, answer.body)
        seen.add(answer.status)
    assert 400 in seen


async def test_random_bytes_get_documented_answers(gw: Gateway) -> None:
    rng = random.Random(7)
    for i in range(40):
        me = new_user("fuzz")
        method, path = ROUTES[i % len(ROUTES)]
        raw = rng.randbytes(rng.randint(1, 600))
        answer = await gw.call(
            method, path, me, data=raw, headers={"Content-Type": "application/json"}
        )
        assert answer.status in (400, 413), (method, path, answer.body)
