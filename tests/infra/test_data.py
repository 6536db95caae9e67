"""DynamoDB tables: exactly the wire module's, with AWS's settings per stack."""

from __future__ import annotations

from typing import Any

from services.wire import Topology
from services.wire.tables import Key
from tests.infra.infra_harness import Built

TABLE = "aws:dynamodb/table:Table"


def _schema(hash_key: Key, range_key: Key | None) -> list[dict[str, str]]:
    out = [{"attributeName": hash_key.name, "keyType": "HASH"}]
    if range_key:
        out.append({"attributeName": range_key.name, "keyType": "RANGE"})
    return out


def test_tables_keys_indexes_and_ttl_come_from_the_wire(infra_stack: Built, topo: Topology) -> None:
    tables = {r.inputs["name"]: r.inputs for r in infra_stack.of_type(TABLE)}
    assert set(tables) == {t.name(infra_stack.prefix) for t in topo.tables}
    for t in topo.tables:
        got = tables[t.name(infra_stack.prefix)]
        assert got["billingMode"] == "PAY_PER_REQUEST"
        assert got["hashKey"] == t.hash_key.name
        assert got.get("rangeKey") == (t.range_key.name if t.range_key else None)
        assert {(a["name"], a["type"]) for a in got["attributes"]} == {
            (k.name, k.type) for k in t.attributes()
        }
        indexes = {ix["name"]: ix for ix in got.get("globalSecondaryIndexes", [])}
        assert set(indexes) == {ix.name for ix in t.indexes}
        for ix in t.indexes:
            assert indexes[ix.name]["keySchemas"] == _schema(ix.hash_key, ix.range_key)
            assert indexes[ix.name]["projectionType"] == "ALL"
        if t.ttl_attribute:
            assert got["ttl"] == {"attributeName": t.ttl_attribute, "enabled": True}
        else:
            assert "ttl" not in got


def test_dev_tables_skip_point_in_time_recovery(infra_stack: Built) -> None:
    for r in infra_stack.of_type(TABLE):
        assert r.inputs["pointInTimeRecovery"] == {"enabled": False}
        assert r.inputs["deletionProtectionEnabled"] is False


def test_prod_tables_have_point_in_time_recovery_and_deletion_protection(
    prod_summary: dict[str, Any], topo: Topology
) -> None:
    tables = [r["inputs"] for r in prod_summary["resources"] if r["type"] == TABLE]
    assert len(tables) == len(topo.tables)
    for t in tables:
        assert t["pointInTimeRecovery"] == {"enabled": True}, t["name"]
        assert t["deletionProtectionEnabled"] is True
        assert t["name"].startswith("parley-prod-")
