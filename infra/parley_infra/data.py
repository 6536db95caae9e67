"""DynamoDB tables, exactly as the wire module declares them.

Keys, attribute types, GSIs (projection ALL, as the local bootstrap creates them) and the TTL
attribute all come from `services.wire`; this file adds only what AWS alone has: on-demand
billing, point-in-time recovery and deletion protection per stack (encryption at rest is
DynamoDB's default).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings
from services.wire import Topology
from services.wire.tables import Index, Key, Table


def _key_schema(
    hash_key: Key, range_key: Key | None
) -> list[aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs]:
    keys = [
        aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
            attribute_name=hash_key.name, key_type="HASH"
        )
    ]
    if range_key:
        keys.append(
            aws.dynamodb.TableGlobalSecondaryIndexKeySchemaArgs(
                attribute_name=range_key.name, key_type="RANGE"
            )
        )
    return keys


def _index(ix: Index) -> aws.dynamodb.TableGlobalSecondaryIndexArgs:
    return aws.dynamodb.TableGlobalSecondaryIndexArgs(
        name=ix.name, key_schemas=_key_schema(ix.hash_key, ix.range_key), projection_type="ALL"
    )


def _local_index(ix: Index) -> aws.dynamodb.TableLocalSecondaryIndexArgs:
    assert ix.range_key is not None  # `Table` refuses a local index without one
    return aws.dynamodb.TableLocalSecondaryIndexArgs(
        name=ix.name, range_key=ix.range_key.name, projection_type="ALL"
    )


class Data(pulumi.ComponentResource):
    """One table per `topology.tables`, named `<prefix>-<logical>`."""

    table_arns: dict[str, pulumi.Output[str]]  # by logical name

    def __init__(
        self, name: str, s: Settings, topo: Topology, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__("parley:infra:Data", name, None, opts)
        self.table_arns = {}
        for t in topo.tables:
            table = self._table(t, s)
            self.table_arns[t.logical] = table.arn
        self.register_outputs({"tables": self.table_arns})

    def _table(self, t: Table, s: Settings) -> aws.dynamodb.Table:
        return aws.dynamodb.Table(
            t.logical,
            name=t.name(s.prefix),
            billing_mode="PAY_PER_REQUEST",
            hash_key=t.hash_key.name,
            range_key=t.range_key.name if t.range_key else None,
            attributes=[
                aws.dynamodb.TableAttributeArgs(name=k.name, type=k.type) for k in t.attributes()
            ],
            global_secondary_indexes=[_index(ix) for ix in t.indexes] or None,
            local_secondary_indexes=[_local_index(ix) for ix in t.local_indexes] or None,
            ttl=(
                aws.dynamodb.TableTtlArgs(attribute_name=t.ttl_attribute, enabled=True)
                if t.ttl_attribute
                else None
            ),
            point_in_time_recovery=aws.dynamodb.TablePointInTimeRecoveryArgs(
                enabled=s.point_in_time_recovery
            ),
            deletion_protection_enabled=s.deletion_protection,
            tags=s.tags(writer=t.writer.value),
            opts=pulumi.ResourceOptions(parent=self),
        )
