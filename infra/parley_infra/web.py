"""The SPA: a private S3 bucket behind CloudFront (origin access control), HTTPS only.

CloudFront serves the SPA from S3 and sends `/v1/*`, `/healthz` and `/webhooks/*` to the
gateway's internal ALB through a VPC origin (ingress.py), so the browser talks to one origin
and the ALB has no public address. Deep links (`/session/abc`) are rewritten
to `/index.html` by a viewer-request function on the S3 behaviour only — a custom error page
would also swallow the API's own 404 problem documents.

The page gets Parley's own response-headers policy (`page_headers`): the strict CSP and the
Permissions-Policy of `services/wire/page_policy.py`, the same the gateway sends locally, with
`connect-src` built from the stack's config. The API paths keep the managed security headers
(the gateway sets its own API CSP).
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings
from services.wire.page_policy import PERMISSIONS_POLICY, content_security_policy

# AWS managed policies (ids are fixed by AWS).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"  # forwards Authorization too
SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03"
API_PATHS = ("/v1/*", "/healthz", "/webhooks/*")

# CloudFront's limit on a Content-Security-Policy header value.
MAX_CSP_CHARS = 1783


def page_csp(s: Settings, websocket_url: str | None = None) -> str:
    """The SPA's CSP in this stack: its WebSocket, the hosted sign-in, LiveKit."""
    ws = websocket_url or (
        f"wss://{s.websocket_domain}"
        if s.websocket_domain
        else f"wss://*.execute-api.{s.region}.amazonaws.com"  # the API's id is not known yet
    )
    csp = content_security_policy([ws, s.hosted_ui_domain, s.livekit_wss_url, s.livekit_https_url])
    if len(csp) > MAX_CSP_CHARS:
        raise ValueError(f"the page's CSP is {len(csp)} characters; CloudFront takes 1783")
    return csp


def page_headers(
    name: str,
    s: Settings,
    opts: pulumi.ResourceOptions,
    websocket_url: pulumi.Input[str] | None = None,
) -> aws.cloudfront.ResponseHeadersPolicy:
    """The page's response headers (overriding anything the origin sends)."""
    rh = aws.cloudfront
    csp = pulumi.Output.from_input(websocket_url).apply(lambda ws: page_csp(s, ws))
    return rh.ResponseHeadersPolicy(
        f"{name}-page-headers",
        name=f"{s.prefix}-page-headers",
        comment="Parley page: strict CSP, Permissions-Policy, HSTS, no framing",
        security_headers_config=rh.ResponseHeadersPolicySecurityHeadersConfigArgs(
            content_security_policy=rh.ResponseHeadersPolicySecurityHeadersConfigContentSecurityPolicyArgs(
                content_security_policy=csp, override=True
            ),
            content_type_options=rh.ResponseHeadersPolicySecurityHeadersConfigContentTypeOptionsArgs(
                override=True
            ),
            frame_options=rh.ResponseHeadersPolicySecurityHeadersConfigFrameOptionsArgs(
                frame_option="DENY", override=True
            ),
            referrer_policy=rh.ResponseHeadersPolicySecurityHeadersConfigReferrerPolicyArgs(
                referrer_policy="no-referrer", override=True
            ),
            strict_transport_security=rh.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgs(
                access_control_max_age_sec=31536000, include_subdomains=True, override=True
            ),
        ),
        custom_headers_config=rh.ResponseHeadersPolicyCustomHeadersConfigArgs(
            items=[
                rh.ResponseHeadersPolicyCustomHeadersConfigItemArgs(
                    header="Permissions-Policy", value=PERMISSIONS_POLICY, override=True
                ),
                rh.ResponseHeadersPolicyCustomHeadersConfigItemArgs(
                    header="Cross-Origin-Opener-Policy", value="same-origin", override=True
                ),
            ]
        ),
        opts=opts,
    )


SPA_REWRITE = """\
function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
"""


class Web(pulumi.ComponentResource):
    bucket_name: pulumi.Output[str]
    distribution_id: pulumi.Output[str]
    domain_name: pulumi.Output[str]
    hosted_zone_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        s: Settings,
        account_id: pulumi.Output[str],
        api_origin_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
        websocket_url: pulumi.Input[str] | None = None,
    ):
        super().__init__("parley:infra:Web", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(
            f"{name}-spa",
            bucket=account_id.apply(lambda a: f"{s.prefix}-spa-{a}"),  # globally unique
            force_destroy=not s.deletion_protection,
            tags=s.tags(),
            opts=child,
        )
        block = aws.s3.BucketPublicAccessBlock(
            f"{name}-spa",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-spa",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-spa",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    )
                )
            ],
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{name}-spa",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled"
            ),
            opts=child,
        )
        oac = aws.cloudfront.OriginAccessControl(
            f"{name}-spa",
            name=f"{s.prefix}-spa",
            description="CloudFront reads the SPA bucket",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        rewrite = aws.cloudfront.Function(
            f"{name}-spa-rewrite",
            name=f"{s.prefix}-spa-rewrite",
            runtime="cloudfront-js-2.0",
            comment="SPA routes without a file extension get /index.html",
            code=SPA_REWRITE,
            publish=True,
            opts=child,
        )
        page = page_headers(name, s, child, websocket_url)
        api_behaviours = [
            aws.cloudfront.DistributionOrderedCacheBehaviorArgs(
                path_pattern=path,
                target_origin_id="api",
                viewer_protocol_policy="https-only",
                allowed_methods=["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
                cached_methods=["GET", "HEAD"],
                cache_policy_id=CACHING_DISABLED,
                origin_request_policy_id=ALL_VIEWER_EXCEPT_HOST,
                response_headers_policy_id=SECURITY_HEADERS,
                compress=True,
            )
            for path in API_PATHS
        ]
        dist = aws.cloudfront.Distribution(
            f"{name}-cdn",
            enabled=True,
            is_ipv6_enabled=True,
            http_version="http2and3",
            comment=f"Parley {s.stack}: SPA and API",
            aliases=[s.app_domain],
            default_root_object="index.html",
            price_class="PriceClass_100",
            origins=[
                aws.cloudfront.DistributionOriginArgs(
                    origin_id="spa",
                    domain_name=bucket.bucket_regional_domain_name,
                    origin_access_control_id=oac.id,
                ),
                aws.cloudfront.DistributionOriginArgs(
                    origin_id="api",
                    # The name on the ALB's certificate; the VPC origin is the way there.
                    domain_name=s.api_domain,
                    vpc_origin_config=aws.cloudfront.DistributionOriginVpcOriginConfigArgs(
                        vpc_origin_id=api_origin_id, origin_read_timeout=30
                    ),
                ),
            ],
            default_cache_behavior=aws.cloudfront.DistributionDefaultCacheBehaviorArgs(
                target_origin_id="spa",
                viewer_protocol_policy="redirect-to-https",
                allowed_methods=["GET", "HEAD", "OPTIONS"],
                cached_methods=["GET", "HEAD"],
                cache_policy_id=CACHING_OPTIMIZED,
                response_headers_policy_id=page.id,
                compress=True,
                function_associations=[
                    aws.cloudfront.DistributionDefaultCacheBehaviorFunctionAssociationArgs(
                        event_type="viewer-request", function_arn=rewrite.arn
                    )
                ],
            ),
            ordered_cache_behaviors=api_behaviours,
            restrictions=aws.cloudfront.DistributionRestrictionsArgs(
                geo_restriction=aws.cloudfront.DistributionRestrictionsGeoRestrictionArgs(
                    restriction_type="none"
                )
            ),
            viewer_certificate=aws.cloudfront.DistributionViewerCertificateArgs(
                acm_certificate_arn=s.cloudfront_certificate_arn,
                ssl_support_method="sni-only",
                minimum_protocol_version="TLSv1.2_2021",
            ),
            tags=s.tags(),
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-spa",
            bucket=bucket.id,
            policy=pulumi.Output.all(bucket.arn, dist.arn).apply(
                lambda v: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "CloudFrontReads",
                                "Effect": "Allow",
                                "Principal": {"Service": "cloudfront.amazonaws.com"},
                                "Action": "s3:GetObject",
                                "Resource": f"{v[0]}/*",
                                "Condition": {"StringEquals": {"AWS:SourceArn": v[1]}},
                            },
                            {
                                "Sid": "DenyInsecureTransport",
                                "Effect": "Deny",
                                "Principal": "*",
                                "Action": "s3:*",
                                "Resource": [v[0], f"{v[0]}/*"],
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                            },
                        ],
                    }
                )
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[block]),
        )
        self.bucket_name = bucket.bucket
        self.distribution_id = dist.id
        self.domain_name = dist.domain_name
        self.hosted_zone_id = dist.hosted_zone_id
        self.register_outputs({"bucket": bucket.bucket, "distribution": dist.id})
