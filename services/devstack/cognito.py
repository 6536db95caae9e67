"""A Cognito user pool on the embedded AWS with the demo people who can sign in locally."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.devstack.provision import clients

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient

DEMO_PEOPLE = ("alice", "bob", "carol", "dave")
DEMO_PASSWORD = "Parley-demo-1"
OPERATORS = "operators"


@dataclass(frozen=True)
class UserPool:
    region: str
    pool_id: str
    client_id: str
    endpoint_url: str

    @property
    def issuer(self) -> str:
        # moto signs with the real AWS issuer, while it serves the JWKS itself.
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.pool_id}"

    @property
    def jwks_url(self) -> str:
        return f"{self.endpoint_url}/{self.pool_id}/.well-known/jwks.json"


def provision_user_pool(
    endpoint_url: str,
    prefix: str,
    region: str = "us-east-1",
    people: tuple[str, ...] = DEMO_PEOPLE,
) -> UserPool:
    idp: CognitoIdentityProviderClient = clients(endpoint_url, region, "cognito-idp")
    pool_id = idp.create_user_pool(
        PoolName=f"{prefix}-people",
        AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": {"MinimumLength": 8}},
    )["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=f"{prefix}-spa",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ReadAttributes=["email", "email_verified", "name", "given_name"],
    )["UserPoolClient"]["ClientId"]
    for name in people:
        add_person(idp, pool_id, name)
    # Who may use /v1/admin/* (moderation); nobody is in it until added:
    # `aws cognito-idp admin-add-user-to-group --group-name operators …`.
    idp.create_group(GroupName=OPERATORS, UserPoolId=pool_id, Description="Parley operators")
    return UserPool(region, pool_id, client_id, endpoint_url)


def add_person(
    idp: CognitoIdentityProviderClient,
    pool_id: str,
    username: str,
    *,
    email_verified: bool = True,
    password: str = DEMO_PASSWORD,
) -> None:
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[
            {"Name": "email", "Value": f"{username}@example.com"},
            {"Name": "email_verified", "Value": "true" if email_verified else "false"},
            {"Name": "name", "Value": username.capitalize()},
            {"Name": "given_name", "Value": username.capitalize()},
        ],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=username, Password=password, Permanent=True
    )


def sign_in(pool: UserPool, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """USER_PASSWORD_AUTH, as the SPA does locally: the AuthenticationResult (IdToken, …)."""
    idp: CognitoIdentityProviderClient = clients(pool.endpoint_url, pool.region, "cognito-idp")
    resp = idp.initiate_auth(
        ClientId=pool.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    result = resp["AuthenticationResult"]
    return {k: str(v) for k, v in result.items()}
