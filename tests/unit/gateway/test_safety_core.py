"""The pure rules of safety that follows the person (services/gateway/safety/core.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.gateway.safety.core import (
    FOREVER,
    Standing,
    identity_keys,
    left_until,
    parse_until,
    safety_key,
    should_suspend,
)

KEY = safety_key(b"k" * 32)
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _keys(**kw: object) -> tuple[str, ...]:
    base: dict[str, object] = {
        "provider_subject": "",
        "username": "",
        "email": "",
        "federated": False,
    }
    return identity_keys(KEY, **(base | kw))  # type: ignore[arg-type]


def test_the_same_person_has_the_same_keys_whatever_account_they_come_back_with() -> None:
    first = _keys(provider_subject="Google:1", username="a", email="Ana@Example.com ")
    again = _keys(provider_subject="Google:1", username="b", email="ana@example.com")
    assert first == again
    assert [k.split("-")[0] for k in first] == ["idp", "email"]


def test_a_federated_username_names_the_provider_subject_only_where_sign_in_is_federated() -> None:
    assert (
        _keys(username="Google_123", federated=True)[0] == _keys(provider_subject="Google:123")[0]
    )
    assert _keys(username="Google_123", email="x@y.z") == _keys(email="x@y.z")


def test_identity_keys_are_keyed_hashes_never_the_subject_or_email() -> None:
    keys = _keys(provider_subject="Google:42", email="ana@example.com")
    assert all(len(k.split("-", 1)[1]) == 64 and "ana" not in k for k in keys)
    other = identity_keys(
        safety_key(b"z" * 32), provider_subject="Google:42", username="", email="", federated=False
    )
    assert other[0] != keys[0]


def test_ban_ends_parse_and_a_ban_lapses_at_its_end() -> None:
    assert parse_until(None, NOW) == FOREVER
    assert parse_until("7d", NOW) == "2026-12-14T12:00:00Z"
    assert parse_until("2026-12-08T00:00:00+01:00", NOW) == "2026-12-07T23:00:00Z"
    for bad in ("yesterday", "2026-12-01T00:00:00Z", "0h"):
        with pytest.raises(ValueError, match=r"ban|duration"):
            parse_until(bad, NOW)
    standing = Standing.of([{"banUntil": "2026-12-07T13:00:00Z"}], NOW)
    assert standing.banned(NOW)
    assert not standing.banned(NOW + timedelta(hours=1))
    assert Standing.of([{"banUntil": FOREVER}, {"banUntil": "2026-12-08T00:00:00Z"}], NOW).banned(
        NOW + timedelta(days=999)
    )


def test_suspension_needs_enough_different_reporters_in_the_window_since_review() -> None:
    day = timedelta(days=1)
    reports = [("a", NOW - day), ("a", NOW - day), ("b", NOW - 2 * day), ("c", NOW - 8 * day)]
    more = [*reports, ("d", NOW)]

    def suspends(given: list[tuple[str, datetime]], reviewed: datetime | None = None) -> bool:
        return should_suspend(given, NOW, threshold=3, window=7 * day, reviewed_at=reviewed)

    assert not suspends(reports)  # a repeat reporter and a report too old do not count
    assert suspends(more)
    assert not suspends(more, reviewed=NOW - 1.5 * day)  # only reports since the review


def test_what_is_kept_after_leaving_expires_after_the_retention_or_the_ban() -> None:
    year = timedelta(days=365)
    assert left_until(None, NOW, year) == int((NOW + year).timestamp())
    assert left_until("2027-12-07T12:00:00Z", NOW, year) == int((NOW + 2 * year).timestamp())
    assert left_until(FOREVER, NOW, year) is None
