"""Fixtures for the real-time tests: signed-in people, a gateway, a notifier."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from services.devstack.cognito import provision_user_pool
from services.devstack.embedded_aws import MotoServer
from services.notifier.handlers import Notifier
from tests.conftest import Stack
from tests.integration.realtime.helpers import (
    ConnectionsApi,
    Gateway,
    People,
    gateway_settings,
    notifier_settings,
    running_gateway,
    running_notifier,
)


@pytest.fixture(scope="session")
def people(moto_server: MotoServer) -> People:
    """alice, bob, carol and dave in an embedded Cognito pool (one for the whole session)."""
    return People(provision_user_pool(moto_server.url, "realtime"))


@pytest.fixture
async def gateway(stack: Stack, people: People) -> AsyncIterator[Gateway]:
    async with running_gateway(gateway_settings(stack, people.pool)) as gw:
        yield gw


@pytest.fixture
async def notifier(stack: Stack, gateway: Gateway) -> AsyncIterator[Notifier]:
    """The notifier service, posting to the gateway's local edge."""
    async with running_notifier(notifier_settings(stack, gateway.url)) as running:
        yield running


@pytest.fixture
async def connections_api() -> AsyncIterator[ConnectionsApi]:
    api = await ConnectionsApi().start()
    yield api
    assert api.server is not None
    await api.server.close()
