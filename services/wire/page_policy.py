"""The page's security policy: one definition for the gateway (locally) and CloudFront (AWS).

The SPA loads only its own files (Vite's build has no inline script or style) and talks to
the API on its own origin, the WebSocket, Cognito and LiveKit: `connect-src` lists exactly
those origins of the deployment. Video arrives as MediaStreams (`srcObject`, which CSP does
not govern); images are its own or `data:` (the icon). Nothing may frame the page. The
Permissions-Policy gives camera, microphone and screen sharing (a call can share a screen) to
the page itself and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

PERMISSIONS_POLICY = (
    "camera=(self), microphone=(self), autoplay=(self), fullscreen=(self), "
    "display-capture=(self), geolocation=(), payment=(), usb=(), serial=(), hid=(), "
    "bluetooth=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=()"
)


def origin(url: str) -> str | None:
    """`scheme://host[:port]` of an absolute http(s)/ws(s) URL or a bare host; else None."""
    url = url.strip()
    if not url:
        return None
    if "://" not in url:
        url = f"https://{url}"  # a bare domain, as Cognito's hosted UI domain is given
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss") or not parts.hostname:
        return None
    if any(c in parts.netloc for c in " ;,'\""):
        return None  # never let a setting inject a directive
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def content_security_policy(connect: Iterable[str]) -> str:
    """The SPA's CSP; `connect` are the URLs (or hosts) it may fetch from or open sockets to,
    besides its own origin. URLs that are not absolute are left out ('self' covers them)."""
    sources = ["'self'"]
    for url in connect:
        o = origin(url)
        if o and o not in sources:
            sources.append(o)
    directives = (
        ("default-src", "'self'"),
        ("script-src", "'self'"),
        ("style-src", "'self'"),
        ("img-src", "'self' data: blob:"),
        ("media-src", "'self' blob: mediastream:"),
        ("font-src", "'self' data:"),
        ("connect-src", " ".join(sources)),
        ("worker-src", "'self'"),
        ("object-src", "'none'"),
        ("base-uri", "'none'"),
        ("form-action", "'self'"),
        ("frame-src", "'none'"),
        ("frame-ancestors", "'none'"),
    )
    return "; ".join(f"{name} {value}" for name, value in directives)
