"""Throttled DynamoDB calls are alarmed per table, from the services' own `Throttled` metric."""

from __future__ import annotations

from services.wire import Topology
from tests.infra.infra_harness import Built

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def test_every_table_has_a_throttling_alarm_over_each_service_that_uses_it(
    infra_stack: Built, topo: Topology
) -> None:
    alarms = {
        a.inputs["name"]: a.inputs
        for a in infra_stack.of_type(ALARM)
        if a.inputs.get("tags", {}).get("runbook") == "throttling"
    }
    assert len(alarms) == len(topo.tables)
    for table in topo.tables:
        name = table.name(infra_stack.prefix)
        alarm = alarms[f"{infra_stack.prefix}-throttled-{table.logical}"]
        metrics = [q["metric"] for q in alarm["metricQueries"] if q.get("metric")]
        assert {(m["namespace"], m["metricName"], m["stat"], m["period"]) for m in metrics} == {
            ("Parley", "Throttled", "Sum", 300)
        }
        services = {table.writer.value} | {r.value for r in table.readers}
        assert {m["dimensions"]["Service"] for m in metrics} == services
        assert {m["dimensions"]["Table"] for m in metrics} == {name}
        (total,) = [q for q in alarm["metricQueries"] if q.get("returnData")]
        assert all(
            f"FILL({q['id']}, 0)" in total["expression"] for q in alarm["metricQueries"][:-1]
        )
        assert alarm["comparisonOperator"] == "GreaterThanThreshold"
        assert alarm["threshold"] == 50
        assert (alarm["evaluationPeriods"], alarm["datapointsToAlarm"]) == (3, 2)
        assert alarm["treatMissingData"] == "notBreaching"  # no throttling, no data
        assert alarm["alarmDescription"].endswith("#throttling")
