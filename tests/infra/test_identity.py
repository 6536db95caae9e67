"""Cognito: Google is the only way in; the SPA is a PKCE public client on its own domain."""

from __future__ import annotations

from tests.infra.infra_harness import TEST_SECRETS, Built


def test_google_is_the_only_identity_provider(infra_stack: Built) -> None:
    (idp,) = infra_stack.of_type("aws:cognito/identityProvider:IdentityProvider")
    assert idp.inputs["providerType"] == "Google"
    assert idp.inputs["providerDetails"]["client_id"] == infra_stack.config["parley:googleClientId"]
    assert (
        idp.inputs["providerDetails"]["client_secret"] == TEST_SECRETS["parley:googleClientSecret"]
    )
    assert "email" in idp.inputs["providerDetails"]["authorize_scopes"].split()
    (client,) = infra_stack.of_type("aws:cognito/userPoolClient:UserPoolClient")
    assert client.inputs["supportedIdentityProviders"] == ["Google"]  # no Cognito passwords
    (pool,) = infra_stack.of_type("aws:cognito/userPool:UserPool")
    assert pool.inputs["adminCreateUserConfig"]["allowAdminCreateUserOnly"] is True


def test_google_email_and_its_verification_are_mapped(infra_stack: Built) -> None:
    (idp,) = infra_stack.of_type("aws:cognito/identityProvider:IdentityProvider")
    assert idp.inputs["attributeMapping"]["email"] == "email"
    assert idp.inputs["attributeMapping"]["email_verified"] == "email_verified"
    (pool,) = infra_stack.of_type("aws:cognito/userPool:UserPool")
    (email,) = [a for a in pool.inputs["schemas"] if a["name"] == "email"]
    assert email["required"] is True


def test_app_client_reads_email_and_email_verified(infra_stack: Built) -> None:
    (client,) = infra_stack.of_type("aws:cognito/userPoolClient:UserPoolClient")
    assert {"email", "email_verified"} <= set(client.inputs["readAttributes"])


def test_app_client_uses_code_flow_with_pkce_back_to_the_spa(infra_stack: Built) -> None:
    (client,) = infra_stack.of_type("aws:cognito/userPoolClient:UserPoolClient")
    spa = f"https://{infra_stack.config['parley:appDomain']}"
    assert client.inputs["allowedOauthFlows"] == ["code"]
    assert client.inputs["allowedOauthFlowsUserPoolClient"] is True
    assert client.inputs["generateSecret"] is False  # a public client proves itself with PKCE
    assert set(client.inputs["allowedOauthScopes"]) == {"openid", "email", "profile"}
    assert client.inputs["callbackUrls"]
    assert all(url.rstrip("/") == spa for url in client.inputs["callbackUrls"])
    assert all(url.rstrip("/") == spa for url in client.inputs["logoutUrls"])


def test_hosted_ui_domain_uses_the_configured_prefix(infra_stack: Built) -> None:
    (domain,) = infra_stack.of_type("aws:cognito/userPoolDomain:UserPoolDomain")
    assert domain.inputs["domain"] == infra_stack.config["parley:authDomainPrefix"]
