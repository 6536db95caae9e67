"""Parley on AWS — `pulumi up` runs this file (Pulumi.yaml: `main: infra/`).

One component per area; messaging, tables and permissions come from `services.wire`.

Pulumi's host runs this folder with `runpy.run_path`, which puts `infra/` at the front of
`sys.path`, ahead of the standard library and every dependency. So this file is the only
module here: the program lives in the package `parley_infra`, whose name nothing else uses
(tests/infra/test_host.py runs the program the host's way and checks that).
"""

import sys
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1]))  # repo root, for services.wire

import pulumi
import pulumi_aws as aws

from parley_infra.compute import Compute
from parley_infra.config import load
from parley_infra.containers import Endpoints
from parley_infra.data import Data
from parley_infra.dns import Dns
from parley_infra.edge_link import EdgeLink
from parley_infra.iam import Iam
from parley_infra.identity import Identity
from parley_infra.ingress import Ingress
from parley_infra.media import Media
from parley_infra.messaging import Messaging
from parley_infra.network import Network
from parley_infra.observability import Observability, Targets
from parley_infra.realtime import Realtime
from parley_infra.registry import Registry
from parley_infra.secrets import Secrets
from parley_infra.web import Web
from services.wire import topology


def main() -> dict[str, pulumi.Input[str]]:
    s = load()
    topo = topology(s.prefix)
    account_id = aws.get_caller_identity_output().account_id

    network = Network("network", s)
    data = Data("data", s, topo)
    messaging = Messaging("messaging", s, topo, account_id)
    secrets = Secrets("secrets", s)
    identity = Identity("identity", s)
    edge = EdgeLink("edge", s, network)
    realtime = Realtime("realtime", s, edge.vpc_link_id)
    iam = Iam("iam", s, topo, account_id, messaging, data, realtime, identity.user_pool_arn)
    registry = Registry("registry", s)
    ingress = Ingress("ingress", s, network)
    endpoints = Endpoints(
        account_id=account_id,
        user_pool_id=identity.user_pool_id,
        client_id=identity.client_id,
        hosted_ui_domain=identity.hosted_ui_domain,
        websocket_url=realtime.websocket_url,
        connections_url=realtime.connections_url,
    )
    compute = Compute(
        "compute",
        s,
        topo,
        network,
        ingress,
        edge,
        registry,
        secrets,
        iam.task_role_arns,
        endpoints,
    )
    media = Media("media", s, network, secrets.livekit_arn, account_id)
    web = Web("web", s, account_id, ingress.vpc_origin_id, websocket_url=realtime.websocket_url)
    observability = Observability(
        "observability",
        s,
        topo,
        Targets(
            alb_suffix=ingress.arn_suffix,
            gateway_tg_suffix=ingress.target_group_arn_suffix,
            asg_name=media.asg_name,
            nlb_suffix=media.nlb_arn_suffix,
            livekit_tg_suffixes=media.target_group_suffixes,
            livekit_tg_lbs=media.target_group_lbs,
            cluster_name=compute.cluster_name,
            websocket_api_id=realtime.api_id,
            edge_nlb_suffix=edge.nlb_arn_suffix,
            edge_tg_suffix=edge.target_group_arn_suffix,
        ),
    )
    if s.hosted_zone_id:
        aliases = {
            s.app_domain: (web.domain_name, web.hosted_zone_id),
            s.api_domain: (ingress.dns_name, ingress.zone_id),
            s.livekit_domain: (media.nlb_dns_name, media.nlb_zone_id),
        }
        if s.livekit.turn_domain and media.turn_nlb_dns_name and media.turn_nlb_zone_id:
            aliases[s.livekit.turn_domain] = (media.turn_nlb_dns_name, media.turn_nlb_zone_id)
        if realtime.custom_domain and s.websocket_domain:
            ws = realtime.custom_domain.domain_name_configuration
            aliases[s.websocket_domain] = (ws.target_domain_name, ws.hosted_zone_id)
        Dns("dns", s, aliases)

    outputs: dict[str, pulumi.Input[str]] = {
        "spaUrl": s.public_url,
        "apiUrl": s.api_url,
        "websocketUrl": realtime.websocket_url,
        "livekitUrl": s.livekit_wss_url,
        "connectionsEndpointUrl": realtime.connections_url,
        "ecrRepositoryUrl": registry.repository_url,
        "spaBucket": web.bucket_name,
        "cloudfrontDistributionId": web.distribution_id,
        "cloudfrontDomain": web.domain_name,
        "albDnsName": ingress.dns_name,
        "livekitNlbDnsName": media.nlb_dns_name,
        "userPoolId": identity.user_pool_id,
        "userPoolClientId": identity.client_id,
        "hostedUiDomain": identity.hosted_ui_domain,
        "clusterName": compute.cluster_name,
        "dashboardName": observability.dashboard_name,
        "alarmTopicArn": observability.alarm_topic_arn,
    }
    if media.turn_nlb_dns_name:
        outputs["turnNlbDnsName"] = media.turn_nlb_dns_name
    if realtime.custom_domain:
        config = realtime.custom_domain.domain_name_configuration
        outputs["websocketDomainTarget"] = config.target_domain_name
    return outputs


if __name__ == "__main__":
    for key, value in main().items():
        pulumi.export(key, value)
