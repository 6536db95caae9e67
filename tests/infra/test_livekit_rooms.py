"""LiveKit opens no room by itself: only the matcher creates one, for a session it started."""

from __future__ import annotations

from tests.infra.infra_harness import Built
from tests.infra.test_media import _livekit_yaml


def test_livekit_never_creates_a_room_on_join(infra_stack: Built, prod_stack: Built) -> None:
    for built in (infra_stack, prod_stack):
        assert _livekit_yaml(built)["room"] == {"auto_create": False}
