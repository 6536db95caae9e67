"""TURN as LiveKit advertises it, and only that, reaches a node.

LiveKit (pkg/service/roommanager.go, `iceServersForParticipant`) hands browsers exactly:
- `turn:<node IP>:<turn.udp_port>?transport=udp` for each node's own address, when
  `turn.udp_port` is set;
- `turns:<turn.domain>:443?transport=tcp` when `turn.tls_port` is set — port 443 always,
  whatever `tls_port` is (that is only where it listens; with `external_tls` a load balancer
  in front decrypts).
So each advertised URL must lead to the port LiveKit listens on, and a public listener that
serves no advertised URL (nor signalling) is dead weight with alarms that page for nothing.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
import yaml

from tests.infra.infra_harness import Built, Resource

LB = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
TG = "aws:lb/targetGroup:TargetGroup"
NODE_IP = "203.0.113.7"  # any node's public address


def _livekit_yaml(built: Built) -> dict[str, Any]:
    (template,) = built.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    script = base64.b64decode(template.inputs["userData"]).decode()
    found = re.search(r"<<LIVEKIT\n(.*?)\nLIVEKIT\n", script, re.S)
    assert found
    config: dict[str, Any] = yaml.safe_load(found.group(1))
    return config


def advertised(config: dict[str, Any]) -> list[str]:
    """The TURN URLs LiveKit gives a browser for this config (roommanager.go, transcribed)."""
    turn = config.get("turn") or {}
    if not turn.get("enabled"):
        return []
    urls = []
    if turn.get("udp_port"):
        urls.append(f"turn:{NODE_IP}:{turn['udp_port']}?transport=udp")
    if turn.get("tls_port"):
        urls.append(f"turns:{turn['domain']}:443?transport=tcp")
    return urls


def _public_nlbs(built: Built) -> dict[str, Resource]:
    return {
        r.outputs["dnsName"]: r
        for r in built.of_type(LB)
        if r.inputs["loadBalancerType"] == "network" and not r.inputs.get("internal")
    }


def _routes(built: Built, nlb_arn: str) -> dict[tuple[int, str], tuple[int, str]]:
    """(listener port, protocol) → (target port, protocol) on one load balancer."""
    tgs = {r.outputs["arn"]: r.inputs for r in built.of_type(TG)}
    out = {}
    for r in built.of_type(LISTENER):
        if r.inputs["loadBalancerArn"] == nlb_arn:
            tg = tgs[r.inputs["defaultActions"][0]["targetGroupArn"]]
            out[(int(r.inputs["port"]), r.inputs["protocol"])] = (int(tg["port"]), tg["protocol"])
    return out


def _names(built: Built) -> dict[str, str]:
    """Domain → the NLB DNS name it points at (docs/deploy.md step 2: records or CNAMEs)."""
    livekit = yaml.safe_load(built.config.get("parley:livekit", "{}"))
    names = {built.config["parley:livekitDomain"]: built.outputs["livekitNlbDnsName"]}
    if livekit.get("turnDomain") and "turnNlbDnsName" in built.outputs:
        names[livekit["turnDomain"]] = built.outputs["turnNlbDnsName"]
    for record in built.of_type("aws:route53/record:Record"):
        for alias in record.inputs.get("aliases", []):
            names[record.inputs["name"]] = alias["name"]
    return names


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_turn_url_livekit_advertises_reaches_its_listener(
    stack: str, infra_stack: Built, prod_stack: Built
) -> None:
    built = infra_stack if stack == "dev" else prod_stack
    config = _livekit_yaml(built)
    urls = advertised(config)
    assert urls, "TURN over UDP at least"
    nlbs, names = _public_nlbs(built), _names(built)
    for url in urls:
        found = re.match(r"(turns?):([^:]+):(\d+)", url)
        assert found, url
        scheme, host, port = found.groups()
        if scheme == "turn":  # straight to the node: its group must admit it from anywhere
            nodes = built.one(
                "aws:ec2/securityGroup:SecurityGroup", name=f"{built.prefix}-livekit-nodes"
            )
            assert any(
                (rule["protocol"], rule["fromPort"], rule["toPort"])
                == ("udp", int(port), int(port))
                and "0.0.0.0/0" in rule.get("cidrBlocks", [])
                for rule in nodes.inputs["ingress"]
            ), url
            continue
        # turns: the name's 443 must be TLS decrypted onto LiveKit's TURN/TLS port.
        nlb = nlbs[names[host]]
        routes = _routes(built, nlb.outputs["arn"])
        assert routes.get((int(port), "TLS")) == (config["turn"]["tls_port"], "TCP"), (
            f"{url} lands on {routes.get((int(port), 'TLS'))} of {nlb.inputs['name']}"
        )
        assert config["turn"]["external_tls"] is True


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_public_livekit_listener_serves_something_never_advertised(
    stack: str, infra_stack: Built, prod_stack: Built
) -> None:
    built = infra_stack if stack == "dev" else prod_stack
    config = _livekit_yaml(built)
    names = _names(built)
    wanted = {(built.config["parley:livekitDomain"], 443, config["port"])}  # signalling
    for url in advertised(config):
        if url.startswith("turns:"):
            wanted.add((config["turn"]["domain"], 443, config["turn"]["tls_port"]))
    served = set()
    for dns, nlb in _public_nlbs(built).items():
        (domain,) = [d for d, target in names.items() if target == dns]
        for (port, _), (target, _) in _routes(built, nlb.outputs["arn"]).items():
            served.add((domain, port, target))
    assert served == wanted
    # Nothing listens for UDP on a load balancer: TURN/UDP goes to each node's own address.
    assert not [r for r in built.of_type(TG) if r.inputs["protocol"] == "UDP"]
    alarms = [r.inputs["name"] for r in built.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")]
    assert not [a for a in alarms if "turn-udp" in a or "turn-tls" in a], alarms


def test_without_a_turn_domain_livekit_has_no_turn_over_tls(infra_stack: Built) -> None:
    """Dev: LiveKit would advertise 443 of the signalling name, so TURN/TLS stays off."""
    turn = _livekit_yaml(infra_stack)["turn"]
    assert "tls_port" not in turn
    assert "domain" not in turn
    assert not [u for u in advertised({"turn": turn}) if u.startswith("turns:")]
    nodes = infra_stack.one(
        "aws:ec2/securityGroup:SecurityGroup", name=f"{infra_stack.prefix}-livekit-nodes"
    )
    assert not [rule for rule in nodes.inputs["ingress"] if rule["fromPort"] == 5349]


def test_with_a_turn_domain_turn_over_tls_is_on_its_own_name(prod_stack: Built) -> None:
    turn = _livekit_yaml(prod_stack)["turn"]
    assert turn["domain"] == "turn.parley.example.com"
    assert turn["domain"] != prod_stack.config["parley:livekitDomain"]
    assert advertised({"turn": turn})[-1] == "turns:turn.parley.example.com:443?transport=tcp"
