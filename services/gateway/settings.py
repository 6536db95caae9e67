"""The gateway's settings (on top of the shared ones)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from services.runtime.settings import BaseServiceSettings


class GatewaySettings(BaseServiceSettings):
    http_host: str = "127.0.0.1"
    http_port: int = Field(8080, ge=1, le=65535)
    # Public URL of the SPA (OAuth redirect); empty locally.
    public_url: str = ""
    websocket_url: str = "ws://127.0.0.1:8080/v1/ws"
    static_dir: Path = Path("frontend/dist")

    auth_mode: Literal["local", "hosted"] = "local"
    cognito_user_pool_id: str = ""
    cognito_client_id: str = ""
    # The token's `iss`; derived from region + pool when empty.
    cognito_issuer: str = ""
    # Where the JWKS is fetched; derived from the issuer when empty (moto serves it elsewhere).
    cognito_jwks_url: str = ""
    # Locally: the embedded Cognito URL the SPA signs in against.
    cognito_endpoint_url: str = ""
    cognito_hosted_ui_domain: str = ""
    # How long fetched signing keys are trusted: a key the issuer removed stops verifying
    # (cached tokens included) within this time. Refetched in the background at half of it.
    jwks_ttl_s: float = Field(600.0, ge=10, le=86400)

    # Leaving (DELETE /v1/me, docs/privacy.md). The key of the one-way pseudonym that replaces
    # an erased person's id in what abuse handling keeps (HMAC-SHA256); required in AWS.
    pseudonym_secret: str = ""
    # How long sign-in refuses an erased person's ID tokens: Cognito's longest ID-token
    # lifetime (24 h) plus leeway. A gateway task re-asks the marker table at most this often.
    erased_marker_s: int = Field(24 * 3600 + 300, ge=60, le=7 * 86400)
    erased_recheck_s: float = Field(30.0, ge=0, le=3600)
    # How long pseudonymised reports about or by an erased person are kept.
    erased_reports_days: int = Field(365, ge=1, le=3650)

    # Safety follows the person (docs/privacy.md, "Safety records"). How long the safety
    # records of someone who deleted their account are kept (their blocks either way, the
    # reports about them), so that signing up again does not wipe them; a ban lasts its term.
    safety_retention_days: int = Field(365, ge=1, le=3650)
    # How stale a gateway task's view of a person's standing (banned, suspended) may be: a
    # ban made elsewhere refuses their next request after at most this long.
    standing_recheck_s: float = Field(1.0, ge=0, le=60)
    # Suspended from matching and invites, until an operator decides, once this many
    # different people reported someone within the window (since their last review).
    suspend_after_reporters: int = Field(3, ge=1, le=100)
    suspend_window_days: float = Field(7.0, gt=0, le=365)
    # The user pool group whose members may use /v1/admin/* (from `cognito:groups`).
    operators_group: str = Field("operators", pattern=r"^[\w+=,.@-]{1,128}$")
    # How long the moderation audit log keeps each action.
    audit_log_days: int = Field(730, ge=30, le=3650)
    # How often the gateway reports the age of the oldest unreviewed suspension.
    moderation_metric_s: float = Field(60.0, ge=1, le=3600)

    media_mode: Literal["direct", "livekit"] = "direct"
    livekit_url: str = ""
    livekit_api_key: str = ""
    livekit_api_secret: str = ""
    stun_urls: str = ""
    turn_urls: str = ""
    turn_secret: str = ""
    turn_ttl_s: int = Field(3600, ge=60, le=86400)

    # Real time. In AWS, API Gateway holds the sockets and calls /ws-edge/*, which are answered
    # only on `edge_port`: a second listener that only API Gateway's VPC link reaches
    # (infra/parley_infra/edge_link.py), so no secret travels. Where the edge can only be
    # reached over a shared URL, `edge_secret` (a header API Gateway sends) admits it instead.
    # With neither, those routes refuse everything and the gateway's own local edge (/v1/ws
    # plus the loopback-only @connections API) holds the sockets.
    edge_port: int = Field(0, ge=0, le=65535)
    edge_secret: str = ""
    # In AWS: the WebSocket API's `@connections` endpoint (`https://{api}.execute-api.{region}.
    # amazonaws.com/{stage}`), through which a socket whose token expired is closed.
    connections_endpoint_url: str = Field("", pattern=r"^(https?://\S+)?$")
    # A connection, and its person's presence, lasts this long after its last renewal: at
    # least two of the SPA's pings (45 s), so a lost ping does not end it.
    connection_ttl_s: int = Field(180, ge=90, le=7200)
    # How often the gateway looks for connections whose lease lapsed (leases.py).
    lease_sweep_s: float = Field(30.0, gt=0, le=3600)
    # The local edge's WebSocket-level ping, to notice a browser that vanished.
    ws_heartbeat_s: float = Field(30.0, ge=1, le=300)
    # Frames one socket may send (edge_limits.py): a token bucket per connection, and a size
    # cap. The SPA pings every 45 s; past either the socket is closed (1008 locally).
    ws_frames_per_s: float = Field(10.0, gt=0, le=1000)
    ws_frame_burst: int = Field(20, ge=1, le=10_000)
    ws_max_frame_chars: int = Field(4096, ge=64, le=32 * 1024)
    # Sockets one person may hold at once across all tasks; a new one past it is refused.
    ws_sockets_per_person: int = Field(5, ge=1, le=100)

    # Per-person rate limits on intent routes: 1 = the defaults in ratelimit.py, 0 = off.
    rate_limit_scale: float = Field(1.0, ge=0, le=1000)
    # Seconds an in-flight request may take to finish when the gateway stops.
    http_shutdown_timeout_s: float = Field(10.0, gt=0, le=120)

    @property
    def behind_api_gateway(self) -> bool:
        return bool(self.edge_port or self.edge_secret)

    @property
    def issuer(self) -> str:
        return self.cognito_issuer or (
            f"https://cognito-idp.{self.aws_region}.amazonaws.com/{self.cognito_user_pool_id}"
        )

    @property
    def jwks_url(self) -> str:
        return self.cognito_jwks_url or f"{self.issuer}/.well-known/jwks.json"

    @property
    def pseudonym_key(self) -> bytes | None:
        """The pseudonym's key: locally a fixed one (nothing there is anybody's); in AWS the
        configured secret, or None (erasure then answers 503 rather than use a known key)."""
        if len(self.pseudonym_secret) >= 32:
            return self.pseudonym_secret.encode()
        return b"parley-local-pseudonym-key" if self.auth_mode == "local" else None

    @model_validator(mode="after")
    def _complete(self) -> GatewaySettings:
        if self.media_mode == "livekit" and not (
            self.livekit_url and self.livekit_api_key and len(self.livekit_api_secret) >= 32
        ):
            raise ValueError(
                "media_mode=livekit needs PARLEY_LIVEKIT_URL, PARLEY_LIVEKIT_API_KEY and a "
                "PARLEY_LIVEKIT_API_SECRET of at least 32 characters"
            )
        if self.turn_urls and not self.turn_secret:
            raise ValueError("PARLEY_TURN_URLS needs PARLEY_TURN_SECRET")
        if self.edge_port and self.edge_port == self.http_port:
            raise ValueError("PARLEY_EDGE_PORT must differ from PARLEY_HTTP_PORT")
        return self
