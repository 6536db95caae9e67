"""What each service may do in AWS, derived from the wire: its IAM grants over references.

`grants(service, topology)` reads who publishes what, who consumes which inbox, who writes and
who reads each table, and turns that into IAM statements over *references*. The Pulumi program
(infra/parley_infra/iam.py) resolves the references to the ARNs of the resources it creates;
the local stack (services/devstack/local_iam.py) gives each service's IAM user the same
actions. A service may:

- `sns:Publish` to its own topic only (publishers: gateway, ledger, matcher);
- receive/delete/extend visibility on its own inbox, and send to that inbox's DLQ (to park a
  message that can never be handled);
- send and receive on its own timer queue (the matcher);
- read and write the tables it is the writer of, read (GetItem, BatchGetItem, Query) the
  tables that list it as a reader, and Query the indexes of both (nothing else uses an index);
- `dynamodb:Scan` on its own outbox table only (the sweep that publishes what a crash left
  between a commit and its publish); no index and no other table may be scanned;
- `execute-api:ManageConnections` on the WebSocket API's `@connections`: the notifier (it
  pushes to browsers) and the gateway (it closes a socket whose token expired);
- use the bus key (every topic and queue is encrypted with it) as far as it needs: whoever
  sends to a topic or queue `kms:GenerateDataKey` and `kms:Decrypt`, whoever only receives
  `kms:Decrypt`.
- the gateway alone: sign a person out everywhere and delete them from the user pool, when
  they delete their account (`DELETE /v1/me`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from services.wire.names import Service
from services.wire.tables.spec import Table
from services.wire.topology import Topology

RefKind = Literal["topic", "queue", "table", "table-indexes", "connections", "bus-key", "userpool"]

# No GetQueueAttributes: no service reads queue attributes (the recorded calls show it).
CONSUME = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueUrl",
)
PARK = ("sqs:SendMessage", "sqs:GetQueueUrl")
TIMERS = ("sqs:SendMessage", *CONSUME)
TABLE_READ = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query")
TABLE_WRITE = (
    *TABLE_READ,
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)
MANAGE_CONNECTIONS = ("execute-api:ManageConnections",)
# SNS and SQS call KMS on the caller's behalf: a sender needs a data key (and Decrypt, which SQS
# uses to reuse one), a receiver only Decrypt.
KEY_TO_SEND = ("kms:GenerateDataKey", "kms:Decrypt")
KEY_TO_RECEIVE = ("kms:Decrypt",)
SWEEP = ("dynamodb:Scan",)
INDEX_READ = ("dynamodb:Query",)
ERASE_ACCOUNTS = ("cognito-idp:AdminUserGlobalSignOut", "cognito-idp:AdminDeleteUser")

# Who uses API Gateway's @connections API, and why (not a wire fact).
MANAGES_CONNECTIONS = {
    Service.NOTIFIER: "PushToBrowsers",
    Service.GATEWAY: "CloseExpiredSockets",
}
# Who erases a person's sign-in (revokes their refresh tokens, deletes the user).
ERASES_ACCOUNTS = frozenset({Service.GATEWAY})


@dataclass(frozen=True)
class Ref:
    kind: RefKind
    key: str = ""


@dataclass(frozen=True)
class Grant:
    sid: str
    actions: tuple[str, ...]
    resources: tuple[Ref, ...]


def swept(table: Table) -> bool:
    """An outbox: events committed with a state change, which its writer sweeps with Scan."""
    return table.logical.endswith("-outbox")


def grants(svc: Service, topo: Topology) -> list[Grant]:
    out: list[Grant] = []
    if any(t.publisher == svc for t in topo.topics):
        out.append(
            Grant("PublishOwnTopic", ("sns:Publish",), (Ref("topic", topo.topic(svc).name),))
        )
    inbox = next((q for q in topo.inboxes if q.owner == svc), None)
    if inbox:
        out.append(Grant("ConsumeOwnInbox", CONSUME, (Ref("queue", inbox.name),)))
        out.append(Grant("ParkInOwnDlq", PARK, (Ref("queue", inbox.dlq),)))
    timers = topo.timer_queue(svc)
    if timers:
        out.append(Grant("OwnTimers", TIMERS, (Ref("queue", timers.name),)))
        out.append(Grant("ParkOwnTimers", PARK, (Ref("queue", timers.dlq),)))
    written = topo.tables_written_by(svc)
    if written:
        refs = tuple(Ref("table", t.logical) for t in written)
        out.append(Grant("WriteOwnTables", TABLE_WRITE, refs))
        outboxes = tuple(Ref("table", t.logical) for t in written if swept(t))
        if outboxes:
            out.append(Grant("SweepOwnOutbox", SWEEP, outboxes))
    read = topo.tables_read_by(svc)
    if read:
        out.append(Grant("ReadModels", TABLE_READ, tuple(Ref("table", t.logical) for t in read)))
    # An index is only ever queried: item reads and writes name the table, not the index.
    indexed = tuple(
        Ref("table-indexes", t.logical) for t in (*written, *read) if t.indexes or t.local_indexes
    )
    if indexed:
        out.append(Grant("QueryIndexes", INDEX_READ, indexed))
    if svc in MANAGES_CONNECTIONS:
        out.append(Grant(MANAGES_CONNECTIONS[svc], MANAGE_CONNECTIONS, (Ref("connections"),)))
    if svc in ERASES_ACCOUNTS:
        out.append(Grant("EraseAccounts", ERASE_ACCOUNTS, (Ref("userpool"),)))
    key = bus_key_use(out)
    if key:
        out.append(Grant("UseBusKey", key, (Ref("bus-key"),)))
    return out


def bus_key_use(svc_grants: list[Grant]) -> tuple[str, ...]:
    """The bus key actions the topic and queue grants above need (none without such grants)."""
    bus = {a for g in svc_grants for a in g.actions if a.startswith(("sns:", "sqs:"))}
    if bus & {"sns:Publish", "sqs:SendMessage"}:
        return KEY_TO_SEND
    if "sqs:ReceiveMessage" in bus:
        return KEY_TO_RECEIVE
    return ()


def arn(
    ref: Ref,
    topo: Topology,
    region: str,
    account: str,
    connections: str = "",
    key: str = "",
    user_pool: str = "",
) -> str:
    """The ARN a reference resolves to, as AWS names the resources the program creates."""
    match ref.kind:
        case "topic":
            return f"arn:aws:sns:{region}:{account}:{ref.key}"
        case "queue":
            return f"arn:aws:sqs:{region}:{account}:{ref.key}"
        case "table" | "table-indexes":
            (table,) = [t for t in topo.tables if t.logical == ref.key]
            base = f"arn:aws:dynamodb:{region}:{account}:table/{table.name(topo.prefix)}"
            return base if ref.kind == "table" else f"{base}/index/*"
        case "connections":
            return connections
        case "bus-key":
            return key
        case "userpool":
            return user_pool
    raise ValueError(ref)


def actions(svc: Service, topo: Topology) -> list[str]:
    """Every IAM action the service's grants name."""
    return sorted({a for g in grants(svc, topo) for a in g.actions})
