"""The pseudonym key: generated, kept in Secrets Manager, readable by the gateway's start alone.

Erasure (`DELETE /v1/me`) replaces a person's id by HMAC-SHA256(key, id) in what abuse
handling keeps; whoever holds the key can test a guessed id against a pseudonym, so the key
is in no config file, in no resource input in clear, and in no task but the gateway's.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

import pytest

from services.wire import Service
from tests.infra.infra_harness import GENERATED_PASSWORD, Built

ENV = "PARLEY_PSEUDONYM_SECRET"
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
PASSWORD = "random:index/randomPassword:RandomPassword"


def _arn(built: Built) -> str:
    return built.arn("secretsmanager", f"{built.prefix}/pseudonym")


def _container(built: Built, svc: Service) -> dict[str, Any]:
    task = built.one("aws:ecs/taskDefinition:TaskDefinition", family=f"{built.prefix}-{svc}")
    (container,) = json.loads(task.inputs["containerDefinitions"])
    return container


def _statements(built: Built) -> list[tuple[str, dict[str, Any]]]:
    """(role, statement) for every inline role policy of the stack."""
    out = []
    for r in built.of_type("aws:iam/rolePolicy:RolePolicy"):
        statements = json.loads(r.inputs["policy"])["Statement"]
        for st in statements if isinstance(statements, list) else [statements]:
            out.append((r.inputs["role"], st))
    return out


def _as_list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("stack", ["infra_stack", "prod_stack"])
def test_the_key_is_generated_once_and_stored_as_a_secret(
    stack: str, request: pytest.FixtureRequest
) -> None:
    built: Built = request.getfixturevalue(stack)
    (password,) = built.of_type(PASSWORD)
    # 32+ characters is what the gateway accepts; letters and digits quote nowhere.
    assert password.inputs["length"] >= 64
    assert password.inputs["special"] is False
    # Replaced only when the stack says so (docs/runbook.md#rotating-the-pseudonym-key).
    assert password.inputs["keepers"] == {"generation": "1"}
    secret = built.one(SECRET, name=f"{built.prefix}/pseudonym")
    # Secrets Manager's own key: the execution role needs no KMS grant to read it.
    assert "kmsKeyId" not in secret.inputs
    version = built.one(VERSION, secretId=_arn(built))
    assert version.inputs["secretString"] == GENERATED_PASSWORD
    assert version.secret_inputs == ["secretString"]  # encrypted in the stack's state
    assert not any("pseudonym" in key.lower() for key in built.config)


def test_the_value_is_in_no_resource_input_in_clear(infra_stack: Built) -> None:
    holders = []
    for r in infra_stack.resources:
        clear = {k: v for k, v in r.inputs.items() if k not in r.secret_inputs}
        assert GENERATED_PASSWORD not in json.dumps(clear), f"{r.type} {r.name}"
        if GENERATED_PASSWORD in json.dumps(r.inputs):
            holders.append(r.type)
    assert holders == [VERSION]
    assert GENERATED_PASSWORD not in json.dumps(infra_stack.outputs)


def test_only_the_gateway_task_is_given_the_key(infra_stack: Built) -> None:
    for svc in Service:
        container = _container(infra_stack, svc)
        secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
        env = {e["name"] for e in container["environment"]}
        assert ENV not in env, svc  # never as plain environment
        assert GENERATED_PASSWORD not in json.dumps(container), svc
        if svc == Service.GATEWAY:
            assert secrets[ENV] == _arn(infra_stack)  # the whole secret string
        else:
            assert ENV not in secrets, svc
            assert _arn(infra_stack) not in secrets.values(), svc


@pytest.mark.parametrize("stack", ["infra_stack", "prod_stack"])
def test_only_the_gateway_execution_role_may_read_the_key(
    stack: str, request: pytest.FixtureRequest
) -> None:
    built: Built = request.getfixturevalue(stack)
    arn = _arn(built)
    readers = []
    for role, st in _statements(built):
        if st["Effect"] != "Allow" or not any(
            fnmatchcase(arn, pattern) for pattern in _as_list(st["Resource"])
        ):
            continue
        actions = _as_list(st["Action"])
        if any(fnmatchcase("secretsmanager:GetSecretValue", a) for a in actions):
            readers.append(role)
            # Reading it and nothing else: no wildcard, no other secret action on it.
            assert actions == ["secretsmanager:GetSecretValue"], role
            assert "*" not in _as_list(st["Resource"]), role
    assert readers == [f"{built.prefix}-gateway-execution"]


def test_the_gateway_task_role_does_not_fetch_the_key_itself(infra_stack: Built) -> None:
    # ECS hands the value over at start; the running code makes no Secrets Manager call.
    task_role = infra_stack.one(
        "aws:ecs/taskDefinition:TaskDefinition",
        family=f"{infra_stack.prefix}-{Service.GATEWAY}",
    ).inputs["taskRoleArn"]
    role_name = task_role.rsplit("/", 1)[-1]
    for role, st in _statements(infra_stack):
        if role == role_name:
            assert not any(a.startswith("secretsmanager:") for a in _as_list(st["Action"]))
