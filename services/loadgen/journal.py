"""What the simulated people did and were told, as raw facts for an independent check of a run:
every public request with its body, answer and client-side times, and every pushed message
with when it arrived. Wall-clock times, ISO-8601 UTC with six fractional digits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class Journal:
    requests: list[dict[str, Any]] = field(default_factory=list)
    pushes: list[dict[str, Any]] = field(default_factory=list)

    def request(
        self,
        person: str,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        sent_at: str,
        status: int,
        answer: dict[str, Any],
    ) -> None:
        self.requests.append(
            {"person": person, "method": method, "path": path, "body": body,
             "sentAt": sent_at, "answeredAt": now_iso(), "status": status, "answer": answer}
        )  # fmt: skip

    def push(self, person: str, message: dict[str, Any]) -> None:
        self.pushes.append({"person": person, "receivedAt": now_iso(), "message": message})
