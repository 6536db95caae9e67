"""What `pulumi stack output` tells the platform team."""

from __future__ import annotations

from typing import Any

from tests.infra.infra_harness import Built


def test_stack_outputs_name_the_spa_api_websocket_and_livekit_urls(infra_stack: Built) -> None:
    c, o = infra_stack.config, infra_stack.outputs
    assert o["spaUrl"] == f"https://{c['parley:appDomain']}"
    assert o["apiUrl"] == f"https://{c['parley:apiDomain']}"
    assert o["websocketUrl"] == "wss://wsapi123.execute-api.eu-west-1.amazonaws.com/live"
    assert o["livekitUrl"] == f"wss://{c['parley:livekitDomain']}"


def test_stack_outputs_name_what_deploys_need(infra_stack: Built) -> None:
    o = infra_stack.outputs
    assert o["ecrRepositoryUrl"].endswith(f"/{infra_stack.prefix}")
    assert o["spaBucket"]
    assert o["cloudfrontDistributionId"]
    assert o["clusterName"]
    assert o["hostedUiDomain"] == f"parley-dev.auth.{infra_stack.region}.amazoncognito.com"


def test_prod_names_everything_in_its_hosted_zone(prod_summary: dict[str, Any]) -> None:
    records = {
        r["inputs"]["name"]: r["inputs"]
        for r in prod_summary["resources"]
        if r["type"] == "aws:route53/record:Record"
    }
    assert set(records) == {
        "parley.example.com",
        "api.parley.example.com",
        "livekit.parley.example.com",
        "ws.parley.example.com",
        "turn.parley.example.com",
    }
    assert (
        records["turn.parley.example.com"]["aliases"][0]["name"]
        == (prod_summary["outputs"]["turnNlbDnsName"])
    )
    assert records["parley.example.com"]["aliases"][0]["name"] == "d111111abcdef8.cloudfront.net"
    assert all(
        r["type"] == "A" and r["zoneId"] == "Z0123456789ABCDEFGHIJ" for r in records.values()
    )
    assert prod_summary["outputs"]["websocketUrl"] == "wss://ws.parley.example.com"
    (mapping,) = [
        r["inputs"]
        for r in prod_summary["resources"]
        if r["type"] == "aws:apigatewayv2/apiMapping:ApiMapping"
    ]
    assert mapping["stage"] == "live"
