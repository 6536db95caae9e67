"""What every gateway route may use: settings, AWS clients, the publisher, the verifier."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from services.gateway.auth import TokenVerifier
from services.gateway.settings import GatewaySettings
from services.runtime.aws import Aws
from services.runtime.publisher import Publisher


@dataclass
class GatewayContext:
    settings: GatewaySettings
    aws: Aws
    publisher: Publisher
    verifier: TokenVerifier

    def table(self, logical: str) -> str:
        return self.aws.table(logical)


CTX = web.AppKey("ctx", GatewayContext)


def ctx(request: web.Request) -> GatewayContext:
    return request.app[CTX]
