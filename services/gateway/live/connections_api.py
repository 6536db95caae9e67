"""The local edge's side for the notifier: API Gateway's `@connections` API, in the wire format
of boto3's `apigatewaymanagementapi` client (a 410 `GoneException` for a connection that is
not open), answered only to callers on this machine and only while API Gateway is not the
edge."""

from __future__ import annotations

import ipaddress

from aiohttp import WSCloseCode, web

from services.gateway.context import CTX
from services.gateway.live.connections import iso
from services.gateway.live.local_sockets import REALTIME, LocalSocket

# API Gateway's limit on one message posted to a connection.
MAX_POST_BYTES = 128 * 1024


def _amz_error(status: int, code: str, message: str) -> web.Response:
    # botocore reads the error code from this header (e.g. GoneException on a 410).
    return web.json_response(
        {"message": message}, status=status, headers={"x-amzn-ErrorType": code}
    )


def _on_this_machine(request: web.Request) -> bool:
    if request.headers.get("X-Forwarded-For") or request.headers.get("Forwarded"):
        return False  # came through a proxy: someone else's request
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


def _refusal(request: web.Request) -> web.Response | None:
    """Why this caller may not use the connections API here, if they may not."""
    if request.app[CTX].settings.behind_api_gateway:
        return _amz_error(404, "NotFoundException", "the connections API is API Gateway's here")
    if not _on_this_machine(request):
        return _amz_error(403, "ForbiddenException", "Forbidden")
    return None


async def _open_socket(request: web.Request) -> LocalSocket | None:
    sock = request.app[REALTIME].sockets.get(request.match_info["connection_id"])
    return sock if sock is not None and await sock.ready() else None


def _gone() -> web.Response:
    return _amz_error(410, "GoneException", "Gone")


async def post_to_connection(request: web.Request) -> web.Response:
    if (refused := _refusal(request)) is not None:
        return refused
    data = await request.read()
    if len(data) > MAX_POST_BYTES:
        return _amz_error(413, "PayloadTooLargeException", "Message too long")
    if (sock := await _open_socket(request)) is None:
        return _gone()
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return _amz_error(400, "BadRequestException", "Data must be UTF-8 text")
    try:
        await sock.ws.send_str(text)  # one text frame
    except (ConnectionError, RuntimeError):
        return _gone()
    return web.Response(status=200)


async def get_connection(request: web.Request) -> web.Response:
    if (refused := _refusal(request)) is not None:
        return refused
    if (sock := await _open_socket(request)) is None:
        return _gone()
    # The wire names of boto3's ConnectedAt, LastActiveAt, Identity.SourceIp/UserAgent.
    return web.json_response(
        {
            "connectedAt": iso(sock.connected_at),
            "lastActiveAt": iso(sock.last_active_at),
            "identity": {"sourceIp": sock.source_ip, "userAgent": sock.user_agent},
        }
    )


async def delete_connection(request: web.Request) -> web.Response:
    if (refused := _refusal(request)) is not None:
        return refused
    if (sock := await _open_socket(request)) is None:
        return _gone()
    # The socket's own handler then runs the disconnect, as API Gateway's $disconnect would.
    await sock.ws.close(code=WSCloseCode.OK, message=b"closed by the server")
    return web.Response(status=204)
