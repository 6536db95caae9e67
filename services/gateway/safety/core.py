"""Safety that follows the person, not the account: the pure rules (no I/O).

- Who a person is, across accounts: their *identity keys*, keyed hashes (HMAC-SHA256 under a
  key derived from the pseudonym secret) of the identity provider's subject (`Google:<id>`,
  from the token's `identities` claim, or the federated Cognito username `Google_<id>`) and of
  their verified email. A Google user who deletes their account and signs up again gets a new
  Cognito `sub` but the same keys. The first key is the person's *primary* key: blocks and
  reports are kept under it; a ban is written under every key, so either one finds it.
- A person's standing, read from the items under their keys: banned (until when), or
  suspended pending an operator's review.
- When reports suspend someone: `threshold` different reporters within `window`, counting
  only reports made after their last review.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from services.gateway.people.views import parse_iso

IDP_PREFIX, EMAIL_PREFIX = "idp-", "email-"
STANDING = "standing"
BLOCK, BLOCKED_BY, REPORT = "block#", "blockedby#", "report#"
# A ban without an end.
FOREVER = "forever"
# A federated Cognito username: `<ProviderName>_<the provider's subject>`.
_FEDERATED = re.compile(r"^([A-Za-z0-9]+)_(\S+)$")
_DURATION = re.compile(r"^(\d{1,5})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def safety_key(pseudonym_key: bytes) -> bytes:
    """A sibling of the pseudonym's key: an identity key never equals anyone's pseudonym."""
    return hmac.new(pseudonym_key, b"parley-safety-identity-v1", hashlib.sha256).digest()


def _mac(key: bytes, kind: str, value: str) -> str:
    return hmac.new(key, f"{kind}\x1f{value}".encode(), hashlib.sha256).hexdigest()


def normal_email(email: str) -> str:
    return email.strip().lower()


def federated_subject(username: str) -> str:
    """`Google:<id>` for the Cognito username `Google_<id>` of a federated sign-in."""
    found = _FEDERATED.match(username)
    return f"{found.group(1)}:{found.group(2)}" if found else ""


def identity_keys(
    key: bytes, *, provider_subject: str, username: str, email: str, federated: bool
) -> tuple[str, ...]:
    """The person's identity keys, primary first. `federated`: this user pool signs people in
    only through an identity provider (AWS), so its usernames name the provider's subject;
    locally (demo people with passwords) only the verified email says who someone is."""
    subject = provider_subject or (federated_subject(username) if federated else "")
    keys: list[str] = []
    if subject:
        keys.append(IDP_PREFIX + _mac(key, "idp", subject))
    if normal_email(email):
        keys.append(EMAIL_PREFIX + _mac(key, "email", normal_email(email)))
    return tuple(keys)


def email_key(key: bytes, email: str) -> str:
    return EMAIL_PREFIX + _mac(key, "email", normal_email(email))


def parse_until(text: str | None, now: datetime) -> str:
    """A ban's end as stored: `forever` (none given), an ISO time, or now plus `7d` / `12h` /
    `30m` / `2w`. ValueError for anything else, or an end already past."""
    if text is None or text.strip().lower() in ("", FOREVER):
        return FOREVER
    text = text.strip()
    found = _DURATION.match(text)
    if found:
        end = now + timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
    else:
        parsed = parse_iso(text)
        if parsed is None:
            raise ValueError(f"not a time or a duration such as 7d: {text!r}")
        end = parsed
    if end <= now:
        raise ValueError("the ban would already be over")
    return end.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def ban_in_force(until: Any, now: datetime) -> bool:
    if until == FOREVER:
        return True
    end = parse_iso(until)
    return end is not None and now < end


@dataclass(frozen=True)
class Standing:
    """What a person's standing items say, merged (any key banned or suspended counts)."""

    ban_until: str | None = None
    ban_reason: str = ""
    suspended_at: str | None = None

    def banned(self, now: datetime) -> bool:
        return self.ban_until is not None and ban_in_force(self.ban_until, now)

    @property
    def suspended(self) -> bool:
        return self.suspended_at is not None

    @classmethod
    def of(cls, items: Iterable[Mapping[str, Any]], now: datetime) -> Standing:
        ban: str | None = None
        reason, suspended = "", None
        for item in items:
            until = item.get("banUntil")
            if isinstance(until, str) and ban_in_force(until, now) and _later(until, ban):
                ban, reason = until, str(item.get("banReason") or "")
            at = item.get("suspendedAt")
            if isinstance(at, str) and at:
                suspended = at if suspended is None else min(suspended, at)
        return cls(ban, reason, suspended)


def _later(until: str, than: str | None) -> bool:
    if than is None or until == FOREVER:
        return True
    if than == FOREVER:
        return False
    a, b = parse_iso(until), parse_iso(than)
    return a is not None and b is not None and a > b


def should_suspend(
    reports: Iterable[tuple[str, datetime]],
    now: datetime,
    *,
    threshold: int,
    window: timedelta,
    reviewed_at: datetime | None,
) -> bool:
    """`threshold` different reporters (by their primary key) within `window` of now, counting
    only reports made after the person's last review."""
    since = now - window
    if reviewed_at is not None and reviewed_at > since:
        since = reviewed_at
    return len({reporter for reporter, at in reports if at > since}) >= threshold


def expired(item: Mapping[str, Any], now: datetime) -> bool:
    """A row past its `expiresAt` (DynamoDB deletes late, the embedded AWS never)."""
    at = item.get("expiresAt")
    return isinstance(at, int | float) and at <= now.timestamp()


def left_until(ban_until: Any, left_at: datetime, retention: timedelta) -> int | None:
    """When the standing item of someone who left may go (`expiresAt`): `retention` after
    they left, or after their ban ends if later; never while a ban without end stands."""
    if ban_until == FOREVER:
        return None
    end = left_at + retention
    ban_end = parse_iso(ban_until) if isinstance(ban_until, str) else None
    if ban_end is not None and ban_end + retention > end:
        end = ban_end + retention
    return int(end.timestamp())
