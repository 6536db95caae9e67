"""Secrets Manager: LiveKit's keys, the Google client secret, TURN's secret.

Values come from the stack's Pulumi secrets; tasks get them through ECS `secrets` (never as
plain environment in the task definition) and the LiveKit nodes read them at boot.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings


class Secrets(pulumi.ComponentResource):
    livekit_arn: pulumi.Output[str]  # JSON {"apiKey", "apiSecret"}
    google_arn: pulumi.Output[str]
    turn_arn: pulumi.Output[str] | None

    def __init__(self, name: str, s: Settings, opts: pulumi.ResourceOptions | None = None):
        super().__init__("parley:infra:Secrets", name, None, opts)
        livekit = pulumi.Output.all(s.livekit_api_key, s.livekit_api_secret).apply(
            lambda v: json.dumps({"apiKey": v[0], "apiSecret": v[1]})
        )
        self.livekit_arn = self._secret("livekit", s, livekit, "LiveKit API key and secret")
        self.google_arn = self._secret(
            "google-oauth", s, s.google_client_secret, "Google OAuth client secret (Cognito IdP)"
        )
        self.turn_arn = (
            self._secret("turn", s, s.turn_secret, "TURN REST secret (direct media mode)")
            if s.turn_secret is not None
            else None
        )
        self.register_outputs({"livekit": self.livekit_arn})

    def _secret(
        self, key: str, s: Settings, value: pulumi.Output[str], description: str
    ) -> pulumi.Output[str]:
        secret = aws.secretsmanager.Secret(
            f"secret-{key}",
            name=f"{s.prefix}/{key}",
            description=description,
            recovery_window_in_days=30 if s.deletion_protection else 7,
            tags=s.tags(),
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.secretsmanager.SecretVersion(
            f"secret-{key}",
            secret_id=secret.id,
            secret_string=value,  # a Pulumi secret: encrypted in state
            opts=pulumi.ResourceOptions(parent=self),
        )
        return secret.arn
