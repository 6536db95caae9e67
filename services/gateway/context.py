"""What every gateway route may use: settings, AWS clients, the publisher, the verifier."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from aiohttp import web

from services.gateway.http.auth import TokenVerifier
from services.gateway.http.shared_limits import SharedLimiter
from services.gateway.live.socket_expiry import SocketCloser
from services.gateway.people.erasure import ErasedMarkers
from services.gateway.people.readmodels import ReadModels
from services.gateway.safety.gate import SafetyGate
from services.gateway.settings import GatewaySettings
from services.runtime.aws import Aws
from services.runtime.publisher import Publisher


@dataclass
class GatewayContext:
    settings: GatewaySettings
    aws: Aws
    publisher: Publisher
    verifier: TokenVerifier
    limiter: SharedLimiter
    # Pushes a message to a socket and closes it (set by the real-time edge once it runs).
    socket_closer: SocketCloser | None = None
    # The presence listings' shared index reads and lookups (live/presence.py `SharedReads`):
    # one per gateway task, so the crowd polling the list through it shares them.
    presence_reads: dict[str, Any] = field(default_factory=dict)

    def table(self, logical: str) -> str:
        return self.aws.table(logical)

    @cached_property
    def reads(self) -> ReadModels:
        """Read-only queries of the tables the gateway may read (its own and the read models)."""
        return ReadModels(self.aws)

    @cached_property
    def erased(self) -> ErasedMarkers:
        """Who deleted their account (sign-in refuses their remaining ID tokens)."""
        return ErasedMarkers(self.aws, self.settings)

    @cached_property
    def safety(self) -> SafetyGate:
        """Safety that follows the person: bans, suspensions, blocks kept by identity."""
        return SafetyGate(self.aws, self.settings, self.publisher)


CTX = web.AppKey("ctx", GatewayContext)


def ctx(request: web.Request) -> GatewayContext:
    return request.app[CTX]
