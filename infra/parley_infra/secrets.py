"""Secrets Manager: LiveKit's keys, the Google client secret, TURN's secret, the pseudonym key.

Values come from the stack's Pulumi secrets, except the pseudonym key, which nobody chooses:
it is generated once and kept in the stack's state, encrypted like every secret there. Tasks
get them through ECS `secrets` (never as plain environment in the task definition) and the
LiveKit nodes read them at boot.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from parley_infra.config import Settings


class Secrets(pulumi.ComponentResource):
    livekit_arn: pulumi.Output[str]  # JSON {"apiKey", "apiSecret"}
    google_arn: pulumi.Output[str]
    turn_arn: pulumi.Output[str] | None
    pseudonym_arn: pulumi.Output[str]  # the gateway's PARLEY_PSEUDONYM_SECRET

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
        self.pseudonym_arn = self._secret(
            "pseudonym", s, self._pseudonym_key(s), "Key of the one-way pseudonym (erasure)"
        )
        self.register_outputs({"livekit": self.livekit_arn, "pseudonym": self.pseudonym_arn})

    def _pseudonym_key(self, s: Settings) -> pulumi.Output[str]:
        """HMAC-SHA256 key of the pseudonym that replaces an erased person's id in what abuse
        handling keeps (services/gateway/people/erasure.py; the gateway wants 32+ characters).

        A resource, not `aws.secretsmanager.get_random_password`: that is a lookup run anew on
        every `pulumi up`, so the key would change on each deploy and no pseudonym would match
        the one before. This one is generated once, kept (encrypted) in the stack's state, and
        replaced only when `parley:pseudonymKeyGeneration` changes (docs/runbook.md).
        """
        key = random.RandomPassword(
            "pseudonym-key",
            length=64,  # ~381 bits; 64 bytes is HMAC-SHA256's block, so the key is used as is
            special=False,  # nothing to quote in an environment variable
            keepers={"generation": str(s.pseudonym_key_generation)},
            opts=pulumi.ResourceOptions(parent=self),
        )
        return pulumi.Output.secret(key.result)

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
        version = aws.secretsmanager.SecretVersion(
            f"secret-{key}",
            secret_id=secret.id,
            secret_string=value,  # a Pulumi secret: encrypted in state
            opts=pulumi.ResourceOptions(parent=self),
        )
        # The secret's ARN, carrying its version: whatever reads it (task definitions, the
        # nodes' user-data) is created after the value exists, not just the empty secret.
        return pulumi.Output.all(secret.arn, version.id).apply(lambda v: v[0])
