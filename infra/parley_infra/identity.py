"""Cognito: a user pool whose only way in is Google, through the hosted UI.

- Google is the only identity provider (no Cognito passwords, no self sign-up API).
- Google's `email_verified` is mapped, and the app client can read `email` and
  `email_verified`, so the gateway can refuse tokens without a verified address.
- The SPA is a public client: authorization code flow with PKCE, no client secret, callback
  to the SPA's own domain.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from parley_infra.config import Settings

GOOGLE_ATTRIBUTES = {
    "email": "email",
    "email_verified": "email_verified",
    "name": "name",
    # The gateway names a new person by their given name's first word, never the full name.
    "given_name": "given_name",
    "username": "sub",
}


class Identity(pulumi.ComponentResource):
    user_pool_id: pulumi.Output[str]
    user_pool_arn: pulumi.Output[str]
    client_id: pulumi.Output[str]
    hosted_ui_domain: str

    def __init__(self, name: str, s: Settings, opts: pulumi.ResourceOptions | None = None):
        super().__init__("parley:infra:Identity", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        pool = aws.cognito.UserPool(
            f"{name}-pool",
            name=s.prefix,
            admin_create_user_config=aws.cognito.UserPoolAdminCreateUserConfigArgs(
                allow_admin_create_user_only=True  # people arrive through Google only
            ),
            auto_verified_attributes=["email"],
            username_configuration=aws.cognito.UserPoolUsernameConfigurationArgs(
                case_sensitive=False
            ),
            schemas=[
                aws.cognito.UserPoolSchemaArgs(
                    name="email",
                    attribute_data_type="String",
                    required=True,
                    mutable=True,
                    string_attribute_constraints=aws.cognito.UserPoolSchemaStringAttributeConstraintsArgs(
                        min_length="3", max_length="320"
                    ),
                )
            ],
            account_recovery_setting=aws.cognito.UserPoolAccountRecoverySettingArgs(
                recovery_mechanisms=[
                    aws.cognito.UserPoolAccountRecoverySettingRecoveryMechanismArgs(
                        name="verified_email", priority=1
                    )
                ]
            ),
            deletion_protection="ACTIVE" if s.deletion_protection else "INACTIVE",
            tags=s.tags(),
            opts=child,
        )
        google = aws.cognito.IdentityProvider(
            f"{name}-google",
            user_pool_id=pool.id,
            provider_name="Google",
            provider_type="Google",
            provider_details={
                "client_id": s.google_client_id,
                "client_secret": s.google_client_secret,
                "authorize_scopes": "openid email profile",
            },
            attribute_mapping=GOOGLE_ATTRIBUTES,
            opts=child,
        )
        domain = aws.cognito.UserPoolDomain(
            f"{name}-domain", domain=s.auth_domain_prefix, user_pool_id=pool.id, opts=child
        )
        # The SPA sends people back to its own origin (`${origin}/`); both spellings match.
        spa_urls = [s.public_url, f"{s.public_url}/"]
        client = aws.cognito.UserPoolClient(
            f"{name}-spa",
            name=f"{s.prefix}-spa",
            user_pool_id=pool.id,
            generate_secret=False,  # a browser cannot keep one: PKCE instead
            allowed_oauth_flows_user_pool_client=True,
            allowed_oauth_flows=["code"],
            allowed_oauth_scopes=["openid", "email", "profile"],
            supported_identity_providers=["Google"],
            callback_urls=spa_urls,
            logout_urls=spa_urls,
            explicit_auth_flows=["ALLOW_REFRESH_TOKEN_AUTH"],
            read_attributes=["email", "email_verified", "name", "given_name"],
            # Cognito rewrites mapped attributes at every Google sign-in, so they must be
            # writable; people themselves cannot write them: the client has no
            # aws.cognito.signin.user.admin scope.
            write_attributes=["email", "email_verified", "name", "given_name"],
            prevent_user_existence_errors="ENABLED",
            enable_token_revocation=True,
            id_token_validity=60,
            access_token_validity=60,
            refresh_token_validity=30,
            token_validity_units=aws.cognito.UserPoolClientTokenValidityUnitsArgs(
                id_token="minutes", access_token="minutes", refresh_token="days"
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[google, domain]),
        )
        # Operators (moderation: /v1/admin/*, checked from the token's `cognito:groups`).
        # Members are added by hand: `aws cognito-idp admin-add-user-to-group`.
        aws.cognito.UserGroup(
            f"{name}-operators",
            name="operators",
            user_pool_id=pool.id,
            description="Parley operators: review suspensions, ban, read the audit log",
            opts=child,
        )
        self.user_pool_id = pool.id
        self.user_pool_arn = pool.arn
        self.client_id = client.id
        self.hosted_ui_domain = s.hosted_ui_domain
        self.register_outputs({"userPoolId": pool.id, "clientId": client.id})
