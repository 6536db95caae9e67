"""The check a timer or the reconciler sends a session's group: one message per end that is due,
whoever asks and however often; and the invite deadline a late funding cannot stretch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.matcher.core.rules import invite_deadline
from services.matcher.flows.session_checks import check_due
from services.wire.events.common import session_group
from services.wire.events.gateway import SessionStopRequested

AT = datetime(2031, 3, 4, 9, 0, tzinfo=UTC)


def test_asking_again_for_the_same_end_sends_the_very_same_message() -> None:
    first = check_due("s1", "cancelled", AT)
    again = check_due("s1", "cancelled", AT)
    assert first.to_wire() == again.to_wire()


def test_another_end_or_moment_or_session_is_another_check() -> None:
    ids = {
        check_due("s1", "cancelled", AT).id,
        check_due("s1", "time_up", AT).id,
        check_due("s1", "left", AT).id,
        check_due("s1", "left", AT + timedelta(seconds=1)).id,
        check_due("s2", "left", AT).id,
    }
    assert len(ids) == 5


def test_a_check_travels_in_the_group_of_the_sessions_stop_and_media_events() -> None:
    stop = SessionStopRequested(session_id="s1", user_id="ana")
    assert check_due("s1", "time_up", AT).group() == stop.group() == session_group("s1")


def test_an_invite_expires_the_timeout_after_it_was_requested_however_late_it_is_funded() -> None:
    assert invite_deadline(AT, AT + timedelta(seconds=30), 60) == AT + timedelta(seconds=60)
    assert invite_deadline(None, AT, 60) == AT + timedelta(seconds=60)
    # A requester's clock ahead of ours never gives the invite extra time.
    assert invite_deadline(AT + timedelta(seconds=5), AT, 60) == AT + timedelta(seconds=60)
