"""The SPA: private bucket, CloudFront with origin access control, HTTPS, SPA routing."""

from __future__ import annotations

import json

from tests.infra.infra_harness import Built

DIST = "aws:cloudfront/distribution:Distribution"


def test_spa_bucket_is_private_and_read_only_by_cloudfront(infra_stack: Built) -> None:
    (bucket,) = infra_stack.of_type("aws:s3/bucket:Bucket")
    (block,) = infra_stack.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert block.inputs["bucket"] == bucket.id
    for key in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert block.inputs[key] is True
    (policy,) = infra_stack.of_type("aws:s3/bucketPolicy:BucketPolicy")
    (dist,) = infra_stack.of_type(DIST)
    allows = [s for s in json.loads(policy.inputs["policy"])["Statement"] if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Sid": "CloudFrontReads",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"{bucket.outputs['arn']}/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": dist.outputs["arn"]}},
        }
    ]


def test_cloudfront_reaches_s3_through_origin_access_control(infra_stack: Built) -> None:
    (dist,) = infra_stack.of_type(DIST)
    (oac,) = infra_stack.of_type("aws:cloudfront/originAccessControl:OriginAccessControl")
    assert oac.inputs["signingBehavior"] == "always"
    origins = {o["originId"]: o for o in dist.inputs["origins"]}
    assert origins["spa"]["originAccessControlId"] == oac.id
    assert origins["api"]["domainName"] == infra_stack.config["parley:apiDomain"]
    # The API through a VPC origin (the ALB is internal: tests/infra/test_edge.py).
    assert "customOriginConfig" not in origins["api"]
    assert origins["api"]["vpcOriginConfig"]["vpcOriginId"]


def test_cloudfront_serves_https_only_on_the_spa_domain(infra_stack: Built) -> None:
    (dist,) = infra_stack.of_type(DIST)
    assert dist.inputs["aliases"] == [infra_stack.config["parley:appDomain"]]
    cert = dist.inputs["viewerCertificate"]
    assert cert["acmCertificateArn"] == infra_stack.config["parley:cloudfrontCertificateArn"]
    assert cert["minimumProtocolVersion"].startswith("TLSv1.2")
    behaviours = [dist.inputs["defaultCacheBehavior"], *dist.inputs["orderedCacheBehaviors"]]
    assert {b["viewerProtocolPolicy"] for b in behaviours} <= {"https-only", "redirect-to-https"}


def test_spa_routes_fall_back_to_index_html_without_hiding_api_errors(infra_stack: Built) -> None:
    (dist,) = infra_stack.of_type(DIST)
    (fn,) = infra_stack.of_type("aws:cloudfront/function:Function")
    assert "request.uri = '/index.html'" in fn.inputs["code"]
    (assoc,) = dist.inputs["defaultCacheBehavior"]["functionAssociations"]
    assert assoc == {"eventType": "viewer-request", "functionArn": fn.outputs["arn"]}
    assert not any(b.get("functionAssociations") for b in dist.inputs["orderedCacheBehaviors"])
    assert not dist.inputs.get("customErrorResponses")  # would swallow the API's 404s
    assert dist.inputs["defaultRootObject"] == "index.html"


def test_api_paths_go_to_the_gateway_uncached(infra_stack: Built) -> None:
    (dist,) = infra_stack.of_type(DIST)
    api = {b["pathPattern"]: b for b in dist.inputs["orderedCacheBehaviors"]}
    assert set(api) == {"/v1/*", "/healthz", "/webhooks/*"}
    for b in api.values():
        assert b["targetOriginId"] == "api"
        assert "POST" in b["allowedMethods"]
        assert "DELETE" in b["allowedMethods"]
        assert b["cachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled


def test_the_page_gets_a_strict_csp_and_permissions_policy_from_the_stacks_config(
    infra_stack: Built,
) -> None:
    (dist,) = infra_stack.of_type(DIST)
    (policy,) = infra_stack.of_type("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    assert dist.inputs["defaultCacheBehavior"]["responseHeadersPolicyId"] == policy.id
    security = policy.inputs["securityHeadersConfig"]
    assert security["contentSecurityPolicy"]["override"] is True
    csp = security["contentSecurityPolicy"]["contentSecurityPolicy"]
    assert len(csp) <= 1783  # CloudFront's limit
    d = {p[0]: p[1:] for p in (x.split() for x in csp.split(";")) if p}
    assert d["default-src"] == ["'self'"]
    assert d["script-src"] == ["'self'"]
    assert d["frame-ancestors"] == ["'none'"]
    region, livekit = infra_stack.region, infra_stack.config["parley:livekitDomain"]
    prefix = infra_stack.config.get("parley:authDomainPrefix", f"parley-{infra_stack.stack}")
    # This stack's WebSocket API alone: a wildcard over execute-api would let an injected
    # script send tokens to anyone's API in the region.
    assert d["connect-src"] == [
        "'self'",
        f"wss://wsapi123.execute-api.{region}.amazonaws.com",
        f"https://{prefix}.auth.{region}.amazoncognito.com",
        f"wss://{livekit}",
        f"https://{livekit}",
    ]
    assert security["frameOptions"] == {"frameOption": "DENY", "override": True}
    custom = {h["header"]: h["value"] for h in policy.inputs["customHeadersConfig"]["items"]}
    assert "camera=(self)" in custom["Permissions-Policy"]
    assert "microphone=(self)" in custom["Permissions-Policy"]


def test_prod_connects_only_to_its_own_websocket_domain(prod_stack: Built) -> None:
    (policy,) = prod_stack.of_type("aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy")
    csp = policy.inputs["securityHeadersConfig"]["contentSecurityPolicy"]["contentSecurityPolicy"]
    connect = next(x.split()[1:] for x in csp.split(";") if x.split()[0] == "connect-src")
    assert f"wss://{prod_stack.config['parley:websocketDomain']}" in connect
    assert not any("*" in source for source in connect)
