"""The notifier's settings (on top of the shared ones)."""

from __future__ import annotations

from pydantic import Field

from services.runtime.settings import BaseServiceSettings


class NotifierSettings(BaseServiceSettings):
    # The connections API: API Gateway's `https://{api}.execute-api.{region}.amazonaws.com/{stage}`
    # in AWS, the gateway's local edge on this machine. The only difference between the two.
    connections_endpoint_url: str = Field("http://127.0.0.1:8080", pattern=r"^https?://\S+$")
    # One post to one connection: its time limit and how often a transient failure is retried.
    delivery_timeout_s: float = Field(3.0, gt=0, le=30)
    delivery_attempts: int = Field(3, ge=1, le=10)
    # Pushing is waiting on the network, so many events may be in hand at once.
    consumer_concurrency: int = Field(64, ge=1, le=256)
