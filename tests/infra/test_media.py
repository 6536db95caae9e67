"""LiveKit + TURN: security groups, the NLB, the nodes' boot script, draining, Redis."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import yaml

from parley_infra.livekit import HEARTBEAT_S
from tests.infra.infra_harness import TEST_SECRETS, Built

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
SG = "aws:ec2/securityGroup:SecurityGroup"


def _groups(built: Built) -> dict[str, Any]:
    return {r.inputs["name"]: r for r in built.of_type(SG)}


def _user_data(built: Built) -> str:
    (template,) = built.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    return base64.b64decode(template.inputs["userData"]).decode()


def _livekit_yaml(built: Built) -> dict[str, Any]:
    text = re.search(r"<<LIVEKIT\n(.*?)\nLIVEKIT\n", _user_data(built), re.S)
    assert text, "the user-data writes /etc/livekit/livekit.yaml from a heredoc"
    config: dict[str, Any] = yaml.safe_load(text.group(1))
    return config


def test_livekit_nodes_take_media_straight_from_the_internet(infra_stack: Built) -> None:
    groups = _groups(infra_stack)
    nlb = groups[f"{infra_stack.prefix}-livekit-nlb"]
    rules = {
        (r["protocol"], r["fromPort"], r["toPort"]): r
        for r in groups[f"{infra_stack.prefix}-livekit-nodes"].inputs["ingress"]
    }
    assert rules[("udp", 50000, 60000)]["cidrBlocks"] == ["0.0.0.0/0"]
    assert rules[("tcp", 7881, 7881)]["cidrBlocks"] == ["0.0.0.0/0"]
    # TURN/UDP too: LiveKit advertises it as turn:<the node's own IP>:3478.
    assert rules[("udp", 3478, 3478)]["cidrBlocks"] == ["0.0.0.0/0"]
    # Signalling only through the NLB; without a TURN domain there is no TURN/TLS (5349).
    assert rules[("tcp", 7880, 7880)]["securityGroups"] == [nlb.id]
    assert not rules[("tcp", 7880, 7880)].get("cidrBlocks")
    assert set(rules) == {
        ("udp", 50000, 60000),
        ("tcp", 7881, 7881),
        ("udp", 3478, 3478),
        ("tcp", 7880, 7880),
    }


def test_nodes_have_public_ips_and_require_imdsv2(infra_stack: Built) -> None:
    (template,) = infra_stack.of_type("aws:ec2/launchTemplate:LaunchTemplate")
    (nic,) = template.inputs["networkInterfaces"]
    assert nic["associatePublicIpAddress"] == "true"
    assert nic["securityGroups"] == [_groups(infra_stack)[f"{infra_stack.prefix}-livekit-nodes"].id]
    assert template.inputs["metadataOptions"]["httpTokens"] == "required"
    assert "keyName" not in template.inputs  # no SSH key: SSM sessions only


def test_nlb_terminates_tls_for_signalling(infra_stack: Built) -> None:
    nlb = infra_stack.one(
        "aws:lb/loadBalancer:LoadBalancer",
        loadBalancerType="network",
        name=f"{infra_stack.prefix}-livekit",
    )
    tgs = {
        r.outputs["arn"]: r.inputs for r in infra_stack.of_type("aws:lb/targetGroup:TargetGroup")
    }
    listeners = {
        (r.inputs["port"], r.inputs["protocol"]): r.inputs
        for r in infra_stack.of_type("aws:lb/listener:Listener")
        if r.inputs["loadBalancerArn"] == nlb.outputs["arn"]
    }
    routes = {
        key: (
            tgs[v["defaultActions"][0]["targetGroupArn"]]["port"],
            tgs[v["defaultActions"][0]["targetGroupArn"]]["protocol"],
        )
        for key, v in listeners.items()
    }
    # Nothing but signalling: LiveKit advertises no other port of this NLB (test_turn.py).
    assert routes == {(443, "TLS"): (7880, "TCP")}
    assert listeners[(443, "TLS")]["certificateArn"] == infra_stack.config["parley:certificateArn"]


def test_user_data_writes_the_livekit_config_and_starts_it(infra_stack: Built) -> None:
    config = _livekit_yaml(infra_stack)
    (redis,) = infra_stack.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    domain = infra_stack.config["parley:livekitDomain"]
    assert config["port"] == 7880
    assert config["rtc"] == {
        "tcp_port": 7881,
        "port_range_start": 50000,
        "port_range_end": 60000,
        "use_external_ip": True,
    }
    # No TURN domain in dev: TURN over UDP only (test_turn.py).
    assert config["turn"] == {"enabled": True, "udp_port": 3478}
    assert domain not in yaml.safe_dump(config["turn"])
    assert config["redis"] == {
        "address": f"{redis.outputs['primaryEndpointAddress']}:6379",
        "use_tls": True,
    }
    # Through CloudFront: the gateway's ALB is internal.
    app = infra_stack.config["parley:appDomain"]
    assert config["webhook"]["urls"] == [f"https://{app}/webhooks/livekit"]
    # Keys are filled in at boot from Secrets Manager, never carried in the user-data.
    assert config["keys"] == {"${LIVEKIT_API_KEY}": "${LIVEKIT_API_SECRET}"}
    assert config["webhook"]["api_key"] == "${LIVEKIT_API_KEY}"
    script = _user_data(infra_stack)
    livekit_secret = infra_stack.arn("secretsmanager", f"{infra_stack.prefix}/livekit")
    assert f"--secret-id '{livekit_secret}'" in script
    assert not any(v in script for v in TEST_SECRETS.values())
    assert "docker run -d --name livekit" in script
    assert "--network host" in script


def test_scale_in_lets_rooms_drain(infra_stack: Built) -> None:
    drain = json.loads(infra_stack.config["parley:livekit"])["drainSeconds"]
    (asg,) = infra_stack.of_type("aws:autoscaling/group:Group")
    (hook,) = asg.inputs["initialLifecycleHooks"]
    assert hook["lifecycleTransition"] == "autoscaling:EC2_INSTANCE_TERMINATING"
    # The drain script heartbeats while rooms drain; a node that goes silent is let go soon.
    assert 3 * HEARTBEAT_S <= hook["heartbeatTimeout"] < drain
    assert hook["defaultResult"] == "CONTINUE"
    for tg in infra_stack.of_type("aws:lb/targetGroup:TargetGroup"):
        if tg.inputs["name"].startswith(f"{infra_stack.prefix}-lk-"):
            assert tg.inputs["deregistrationDelay"] == drain
            assert tg.inputs["connectionTermination"] is False
            if tg.inputs["protocol"] == "TCP":  # the nodes admit TCP from the NLB's group only
                assert tg.inputs["preserveClientIp"] == "false"
    script = _user_data(infra_stack)
    assert "autoscaling/target-lifecycle-state" in script
    assert f"docker stop --time {drain} livekit" in script
    assert (
        f"--auto-scaling-group-name {asg.inputs['name']} --lifecycle-hook-name {hook['name']}"
        in script
    )
    node_policy = infra_stack.one(
        "aws:iam/rolePolicy:RolePolicy", role=f"{infra_stack.prefix}-livekit-node"
    )
    (finish,) = [
        st
        for st in json.loads(node_policy.inputs["policy"])["Statement"]
        if "autoscaling:CompleteLifecycleAction" in st["Action"]
    ]
    assert sorted(finish["Action"]) == [
        "autoscaling:CompleteLifecycleAction",
        "autoscaling:RecordLifecycleActionHeartbeat",
    ]
    assert finish["Resource"][0].endswith(f":autoScalingGroupName/{asg.inputs['name']}")


def test_livekit_redis_is_private_encrypted_and_open_only_to_the_nodes(infra_stack: Built) -> None:
    (redis,) = infra_stack.of_type("aws:elasticache/replicationGroup:ReplicationGroup")
    assert redis.inputs["transitEncryptionEnabled"] is True
    assert redis.inputs["atRestEncryptionEnabled"] is True
    groups = _groups(infra_stack)
    (rule,) = groups[f"{infra_stack.prefix}-livekit-redis"].inputs["ingress"]
    assert rule["securityGroups"] == [groups[f"{infra_stack.prefix}-livekit-nodes"].id]
    assert not rule.get("cidrBlocks")


def test_turn_over_tls_on_443_has_its_own_address_and_domain(prod_stack: Built) -> None:
    """LiveKit advertises `turns:<turn.domain>:443`; the media NLB's 443 is signalling."""
    nlbs = {
        r.inputs["name"]: r
        for r in prod_stack.of_type("aws:lb/loadBalancer:LoadBalancer")
        if r.inputs["loadBalancerType"] == "network"
    }
    turn = nlbs[f"{prod_stack.prefix}-turn"]
    (listener,) = [
        r.inputs
        for r in prod_stack.of_type("aws:lb/listener:Listener")
        if r.inputs["loadBalancerArn"] == turn.outputs["arn"]
    ]
    assert (listener["port"], listener["protocol"]) == (443, "TLS")
    assert listener["certificateArn"] == prod_stack.config["parley:certificateArn"]
    tg = prod_stack.one("aws:lb/targetGroup:TargetGroup", name=f"{prod_stack.prefix}-lk-turn-443")
    assert listener["defaultActions"][0]["targetGroupArn"] == tg.outputs["arn"]
    assert (tg.inputs["port"], tg.inputs["protocol"]) == (5349, "TCP")
    (asg,) = prod_stack.of_type("aws:autoscaling/group:Group")
    assert tg.outputs["arn"] in asg.inputs["targetGroupArns"]
    config = _livekit_yaml(prod_stack)
    assert config["turn"]["domain"] == "turn.parley.example.com"
    assert config["turn"]["external_tls"] is True
    alarms = {r.inputs["name"]: r.inputs for r in prod_stack.of_type(ALARM)}
    healthy = alarms[f"{prod_stack.prefix}-livekit-no-healthy-turn-443"]
    assert healthy["dimensions"]["LoadBalancer"] == turn.outputs["arnSuffix"]


def test_without_a_turn_domain_there_is_one_media_nlb(infra_stack: Built) -> None:
    nlbs = [
        r
        for r in infra_stack.of_type("aws:lb/loadBalancer:LoadBalancer")
        if r.inputs["loadBalancerType"] == "network" and not r.inputs.get("internal")
    ]
    assert len(nlbs) == 1
    assert "turnNlbDnsName" not in infra_stack.outputs
