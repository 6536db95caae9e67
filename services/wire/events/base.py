"""The envelope every message travels in, and the registry of message types.

On the wire an event is a JSON object::

    {"type": "ticket.requested", "version": 1, "id": "…", "occurredAt": "…Z", "payload": {…}}

`type` also travels as an SNS/SQS message attribute so subscription filters can route it.
Payload fields are camelCase on the wire and snake_case in Python.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from services.wire.names import Service

_ID_NAMESPACE = uuid.UUID("5b0e4a8e-7f43-4c1e-9f58-8e3b3b6f0a11")


def new_id() -> str:
    return uuid.uuid4().hex


def derive_id(*parts: str) -> str:
    """A deterministic id for a message caused by another one.

    A handler that runs twice for one input publishes the same ids, so SNS FIFO dedup and
    the consumers' idempotency both see one message.
    """
    return uuid.uuid5(_ID_NAMESPACE, "\x1f".join(parts)).hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class Model(BaseModel):
    """Base for every wire shape: camelCase aliases, immutable, unknown fields refused."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=True,
        str_max_length=8192,
    )


class Event(Model):
    """A typed, versioned message. Subclasses set TYPE, PUBLISHER, CONSUMERS and `group()`."""

    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1
    PUBLISHER: ClassVar[Service]
    CONSUMERS: ClassVar[frozenset[Service]]

    id: str = Field(default_factory=new_id, min_length=1, max_length=128)
    occurred_at: AwareDatetime = Field(default_factory=utcnow)

    def group(self) -> str:
        """The FIFO message group: what must be processed in order with this event."""
        raise NotImplementedError

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude={"id", "occurred_at"})

    def to_wire(self) -> str:
        return json.dumps(
            {
                "type": self.TYPE,
                "version": self.VERSION,
                "id": self.id,
                "occurredAt": self.occurred_at.isoformat().replace("+00:00", "Z"),
                "payload": self.payload(),
            },
            separators=(",", ":"),
        )


class InvalidMessage(ValueError):
    """A message that can never be handled: not JSON, unknown type, or a bad payload."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class Registry:
    """Event classes by (type, version); parses wire text back into typed events."""

    def __init__(self, classes: Iterable[type[Event]] = ()) -> None:
        self._by_key: dict[tuple[str, int], type[Event]] = {}
        for cls in classes:
            self.add(cls)

    def add(self, cls: type[Event]) -> None:
        key = (cls.TYPE, cls.VERSION)
        if key in self._by_key and self._by_key[key] is not cls:
            raise ValueError(f"two event classes claim {key}")
        self._by_key[key] = cls

    def __iter__(self) -> Any:
        return iter(self._by_key.values())

    def get(self, type_: str, version: int = 1) -> type[Event] | None:
        return self._by_key.get((type_, version))

    def parse(self, text: str | bytes) -> Event:
        try:
            raw = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidMessage("not_json", str(exc)[:200]) from exc
        if not isinstance(raw, dict):
            raise InvalidMessage("not_an_object")
        type_, version = raw.get("type"), raw.get("version", 1)
        if not isinstance(type_, str) or not isinstance(version, int):
            raise InvalidMessage("bad_envelope", "type must be a string, version an integer")
        cls = self.get(type_, version)
        if cls is None:
            raise InvalidMessage("unknown_type", f"{type_} v{version}")
        payload = raw.get("payload")
        if not isinstance(payload, dict):
            raise InvalidMessage("bad_envelope", "payload must be an object")
        try:
            return cls.model_validate(
                {**payload, "id": raw.get("id"), "occurredAt": raw.get("occurredAt")}
            )
        except ValidationError as exc:
            raise InvalidMessage("invalid_payload", _short(exc)) from exc


def _short(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
