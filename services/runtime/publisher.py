"""Publishing typed events: to the service's own SNS FIFO topic, or to its timer queue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from services.wire.events import REGISTRY, Event
from services.wire.names import Service

if TYPE_CHECKING:
    from types_aiobotocore_sns import SNSClient
    from types_aiobotocore_sqs import SQSClient

MAX_DELAY_S = 900  # SQS's per-message delay limit; longer timers re-arm.


def _checked_body(event: Event, publisher: Service) -> str:
    """Serialize and prove the receiver will accept it: same registry, same validation."""
    if publisher != event.PUBLISHER:
        raise ValueError(f"{publisher} may not publish {event.TYPE} (owned by {event.PUBLISHER})")
    body = event.to_wire()
    REGISTRY.parse(body)
    return body


def _type_attribute(event: Event) -> dict[str, Any]:
    return {"type": {"DataType": "String", "StringValue": event.TYPE}}


class Publisher:
    """Publishes one service's events to its topic; dedup id = event id, group from the event."""

    def __init__(self, sns: SNSClient, topic_arn: str, service: Service) -> None:
        self._sns = sns
        self.topic_arn = topic_arn
        self.service = service

    async def publish(self, event: Event) -> None:
        await self._sns.publish(
            TopicArn=self.topic_arn,
            Message=_checked_body(event, self.service),
            MessageGroupId=event.group(),
            MessageDeduplicationId=event.id,
            MessageAttributes=_type_attribute(event),
        )

    async def publish_many(self, events: Sequence[Event]) -> None:
        """Publish in batches of ten, keeping order within each message group."""
        for start in range(0, len(events), 10):
            chunk = events[start : start + 10]
            resp = await self._sns.publish_batch(
                TopicArn=self.topic_arn,
                PublishBatchRequestEntries=[
                    {
                        "Id": str(i),
                        "Message": _checked_body(e, self.service),
                        "MessageGroupId": e.group(),
                        "MessageDeduplicationId": e.id,
                        "MessageAttributes": _type_attribute(e),
                    }
                    for i, e in enumerate(chunk)
                ],
            )
            if resp.get("Failed"):
                raise RuntimeError(f"publish_batch failed: {resp['Failed']}")


class TimerScheduler:
    """Sends timer events to a standard SQS queue with a per-message delay."""

    def __init__(self, sqs: SQSClient, queue_url: str, service: Service) -> None:
        self._sqs = sqs
        self.queue_url = queue_url
        self.service = service

    async def schedule(self, timer: Event, due_at: datetime, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        delay = max(0, min(MAX_DELAY_S, int((due_at - now).total_seconds() + 0.999)))
        await self._sqs.send_message(
            QueueUrl=self.queue_url,
            MessageBody=_checked_body(timer, self.service),
            DelaySeconds=delay,
            MessageAttributes=_type_attribute(timer),
        )

    async def rearm_if_early(self, timer: Event, due_at: datetime) -> bool:
        """True (and sent again) if `due_at` is still ahead: delays above 900 s come in hops."""
        now = datetime.now(UTC)
        if (due_at - now).total_seconds() <= 1:
            return False
        await self.schedule(timer, due_at, now)
        return True
