"""The notifier's copy of who has which connection open, against the embedded AWS: a 410 drops
a connection, except one the notifier learned of a moment ago (in AWS, a post made while
`$connect` still runs is answered 410 for a socket about to open); a close drops it at once."""

from __future__ import annotations

import time

from services.notifier.connections import GONE_GRACE_S, ConnectionStore
from services.runtime.aws import Aws
from tests.conftest import Stack


async def test_a_410_drops_a_connection_only_once_it_is_past_its_first_moments(
    stack: Stack, aws: Aws
) -> None:
    store = ConnectionStore.for_prefix(aws.dynamodb, stack.prefix)
    now = time.time()
    await store.add("ann", "opening=", now)
    await store.add("ann", "older=", now - 60)

    assert await store.gone("ann", "opening=", now + 1) is False
    assert await store.gone("ann", "older=", now + 1) is True
    assert await store.of("ann") == ("opening=",)
    # Past the grace, a 410 means what it says.
    assert await store.gone("ann", "opening=", now + GONE_GRACE_S + 1) is True
    assert await store.of("ann") == ()


async def test_a_close_drops_even_a_connection_opened_a_moment_ago(stack: Stack, aws: Aws) -> None:
    store = ConnectionStore.for_prefix(aws.dynamodb, stack.prefix)
    await store.add("bea", "b1=")
    await store.remove("bea", "b1=")
    assert await store.of("bea") == ()
    # Nobody's item is created by a 410 or a close for someone unknown.
    assert await store.gone("nobody", "x=") is False
    await store.remove("nobody", "x=")
    item = await aws.dynamodb.get_item(
        TableName=store.table, Key={"userId": {"S": "nobody"}}, ConsistentRead=True
    )
    assert "Item" not in item
