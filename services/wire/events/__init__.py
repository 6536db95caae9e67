"""Every message type on Parley's wire, by publisher."""

from services.wire.events import gateway, ledger, matcher, timers
from services.wire.events.base import Event, InvalidMessage, Registry, derive_id, new_id

BUS_EVENTS: tuple[type[Event], ...] = gateway.EVENTS + ledger.EVENTS + matcher.EVENTS
TIMER_EVENTS: tuple[type[Event], ...] = timers.EVENTS
REGISTRY = Registry(BUS_EVENTS + TIMER_EVENTS)

__all__ = [
    "BUS_EVENTS",
    "REGISTRY",
    "TIMER_EVENTS",
    "Event",
    "InvalidMessage",
    "Registry",
    "derive_id",
    "new_id",
]
