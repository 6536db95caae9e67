"""Route 53 alias records for Parley's names, when the stack sets `parley:hostedZoneId`.

Without a zone the program creates no DNS: point the names at the stack outputs
(`cloudfrontDomain`, `albDnsName`, `livekitNlbDnsName`, `websocketDomainTarget`,
`turnNlbDnsName`) by hand.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings


class Dns(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        s: Settings,
        aliases: Mapping[str, tuple[pulumi.Input[str], pulumi.Input[str]]],
        opts: pulumi.ResourceOptions | None = None,
    ):
        """`aliases`: domain → (target DNS name, target hosted zone id)."""
        super().__init__("parley:infra:Dns", name, None, opts)
        assert s.hosted_zone_id, "Dns needs parley:hostedZoneId"
        for domain, (target, zone) in sorted(aliases.items()):
            aws.route53.Record(
                domain,
                zone_id=s.hosted_zone_id,
                name=domain,
                type="A",
                aliases=[
                    aws.route53.RecordAliasArgs(
                        name=target, zone_id=zone, evaluate_target_health=False
                    )
                ],
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({})
