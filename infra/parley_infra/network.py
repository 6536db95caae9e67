"""The VPC: public and private subnets over two AZs, NAT for the tasks, gateway endpoints.

Public subnets hold the ALB, the NLB and the LiveKit nodes (each with its own public IP:
media goes straight to it). Private subnets hold the Fargate tasks and Redis; the tasks reach
AWS APIs, Cognito's keys and LiveKit through NAT, and DynamoDB/S3 through free gateway
endpoints that keep that traffic off NAT.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings

AZ_COUNT = 2


def subnet_cidrs(vpc_cidr: str) -> tuple[list[str], list[str]]:
    """(public, private) CIDRs: /20s from the VPC's /16, public first, private from the middle."""
    blocks = list(ipaddress.ip_network(vpc_cidr).subnets(prefixlen_diff=4))
    half = len(blocks) // 2
    public = [str(blocks[i]) for i in range(AZ_COUNT)]
    private = [str(blocks[half + i]) for i in range(AZ_COUNT)]
    return public, private


def _nth(i: int) -> Callable[[list[str]], str]:
    return lambda names: names[i]


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    vpc_cidr: str
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, s: Settings, opts: pulumi.ResourceOptions | None = None):
        super().__init__("parley:infra:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        azs = aws.get_availability_zones_output(state="available").names
        public_cidrs, private_cidrs = subnet_cidrs(s.vpc_cidr)

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=s.vpc_cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags=s.tags(Name=s.prefix),
            opts=child,
        )
        igw = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=vpc.id, tags=s.tags(Name=s.prefix), opts=child
        )
        public_rt = aws.ec2.RouteTable(
            f"{name}-public",
            vpc_id=vpc.id,
            routes=[aws.ec2.RouteTableRouteArgs(cidr_block="0.0.0.0/0", gateway_id=igw.id)],
            tags=s.tags(Name=f"{s.prefix}-public"),
            opts=child,
        )

        self.vpc_id = vpc.id
        self.vpc_cidr = s.vpc_cidr
        self.public_subnet_ids = []
        self.private_subnet_ids = []
        nats: list[aws.ec2.NatGateway] = []
        private_rts: list[aws.ec2.RouteTable] = []
        for i in range(AZ_COUNT):
            az = azs.apply(_nth(i))
            public = aws.ec2.Subnet(
                f"{name}-public-{i}",
                vpc_id=vpc.id,
                cidr_block=public_cidrs[i],
                availability_zone=az,
                map_public_ip_on_launch=False,  # only the LiveKit nodes ask for one
                tags=s.tags(Name=f"{s.prefix}-public-{i}", tier="public"),
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{i}", subnet_id=public.id, route_table_id=public_rt.id, opts=child
            )
            if i < s.nat_gateways:
                eip = aws.ec2.Eip(
                    f"{name}-nat-{i}",
                    domain="vpc",
                    tags=s.tags(Name=f"{s.prefix}-nat-{i}"),
                    opts=child,
                )
                nats.append(
                    aws.ec2.NatGateway(
                        f"{name}-nat-{i}",
                        allocation_id=eip.id,
                        subnet_id=public.id,
                        tags=s.tags(Name=f"{s.prefix}-nat-{i}"),
                        opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                    )
                )
            private = aws.ec2.Subnet(
                f"{name}-private-{i}",
                vpc_id=vpc.id,
                cidr_block=private_cidrs[i],
                availability_zone=az,
                tags=s.tags(Name=f"{s.prefix}-private-{i}", tier="private"),
                opts=child,
            )
            rt = aws.ec2.RouteTable(
                f"{name}-private-{i}",
                vpc_id=vpc.id,
                routes=[
                    aws.ec2.RouteTableRouteArgs(
                        cidr_block="0.0.0.0/0", nat_gateway_id=nats[min(i, len(nats) - 1)].id
                    )
                ],
                tags=s.tags(Name=f"{s.prefix}-private-{i}"),
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{i}", subnet_id=private.id, route_table_id=rt.id, opts=child
            )
            private_rts.append(rt)
            self.public_subnet_ids.append(public.id)
            self.private_subnet_ids.append(private.id)

        for svc in ("dynamodb", "s3"):
            aws.ec2.VpcEndpoint(
                f"{name}-{svc}",
                vpc_id=vpc.id,
                service_name=f"com.amazonaws.{s.region}.{svc}",
                vpc_endpoint_type="Gateway",
                route_table_ids=[rt.id for rt in private_rts],
                tags=s.tags(Name=f"{s.prefix}-{svc}"),
                opts=child,
            )
        self.register_outputs({"vpcId": vpc.id})
