"""The simulated people: `load-NNN` users in the embedded Cognito, each signed in."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from typing import Any

from services.devstack.cognito import DEMO_PASSWORD, add_person
from services.loadgen.aws import admin_client


@dataclass(frozen=True)
class StackAuth:
    region: str
    pool_id: str
    client_id: str


@dataclass(frozen=True)
class Person:
    name: str
    token: str
    user_id: str = ""


def stack_auth(base_url: str) -> StackAuth:
    with urllib.request.urlopen(f"{base_url}/v1/config", timeout=10) as resp:
        auth: dict[str, Any] = json.loads(resp.read())["auth"]
    if auth.get("mode") != "local":
        raise RuntimeError("the stack does not sign in locally (auth mode is not 'local')")
    return StackAuth(auth["region"], auth["userPoolId"], auth["clientId"])


def load_names(count: int) -> list[str]:
    return [f"load-{i:03d}" for i in range(1, count + 1)]


def sign_in_people(moto_url: str, auth: StackAuth, count: int) -> list[Person]:
    """Create the people (again is fine: a rerun reuses them) and sign each in."""
    idp = admin_client(moto_url, auth.region, "cognito-idp")
    people: list[Person] = []
    for name in load_names(count):
        try:
            add_person(idp, auth.pool_id, name)
        except idp.exceptions.UsernameExistsException:
            idp.admin_set_user_password(
                UserPoolId=auth.pool_id, Username=name, Password=DEMO_PASSWORD, Permanent=True
            )
        result = idp.initiate_auth(
            ClientId=auth.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": name, "PASSWORD": DEMO_PASSWORD},
        )["AuthenticationResult"]
        people.append(Person(name, str(result["IdToken"])))
    return people
