"""Media credentials: LiveKit access tokens, and ICE servers with TURN REST credentials.

Both are pure computations from settings, the session and the clock; nothing is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
from datetime import datetime, timedelta

from livekit.api import AccessToken, VideoGrants

from services.gateway.models import IceServer

# A TURN credential outlives the session end a little: the browser may still be tearing down
# (and refreshing its allocation) when the countdown hits zero.
TURN_SLACK_S = 60


def livekit_token(
    *,
    api_key: str,
    api_secret: str,
    room: str,
    user_id: str,
    name: str,
    ends_at: datetime,
    now: datetime,
) -> str:
    """May join exactly this room as this person, publish, subscribe and send data, until the end.

    Expiry alone does not disconnect anyone: the matcher deletes the room at the end.
    """
    ttl_s = max(1, math.ceil((ends_at - now).total_seconds()))
    grants = VideoGrants(
        room_join=True,
        room=room,
        can_publish=True,
        can_subscribe=True,
        can_publish_data=True,
    )
    token = (
        AccessToken(api_key, api_secret)
        .with_identity(user_id)
        .with_name(name)
        .with_grants(grants)
        .with_ttl(timedelta(seconds=ttl_s))
    )
    return str(token.to_jwt())


def turn_credentials(secret: str, user_id: str, expires_at: int) -> tuple[str, str]:
    """The TURN REST scheme coturn implements (`use-auth-secret`): time-limited, stateless.

    username = "<unix expiry>:<user>", credential = base64(HMAC-SHA1(secret, username)).
    """
    username = f"{expires_at}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def _urls(csv: str) -> list[str]:
    return [u.strip() for u in csv.split(",") if u.strip()]


def ice_servers(
    *,
    stun_urls: str,
    turn_urls: str,
    turn_secret: str,
    turn_ttl_s: int,
    user_id: str,
    ends_at: datetime,
    now: datetime,
) -> list[IceServer]:
    """STUN as configured; TURN with credentials valid until the session ends (at most the TTL)."""
    servers: list[IceServer] = []
    if stun := _urls(stun_urls):
        servers.append(IceServer(urls=stun))
    if (turn := _urls(turn_urls)) and turn_secret:
        until = min(now.timestamp() + turn_ttl_s, ends_at.timestamp() + TURN_SLACK_S)
        username, credential = turn_credentials(turn_secret, user_id, int(until))
        servers.append(IceServer(urls=turn, username=username, credential=credential))
    return servers
