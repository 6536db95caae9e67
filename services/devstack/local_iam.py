"""IAM in the embedded AWS: one user per service with the actions the wire grants it, and an admin.

With `PARLEY_LOCAL_IAM=enforce` the embedded AWS (`moto_main.py`) checks every request's
signature against the identities seeded here, before serving any request: an unknown key gets
403, and a service calling an action its grants (`services.wire.permissions`) do not name gets
AccessDenied, as its task role would in AWS. moto matches actions reliably but not resource
ARNs, so each user's actions apply to every resource here; tests/infra/iam_calls.py checks the
resources against the recorded calls.

People and tools that use the embedded AWS directly (the AWS CLI, provisioning, load tools,
tests reading a table) sign with the admin keys, the settings
`PARLEY_LOCAL_ADMIN_ACCESS_KEY_ID` / `PARLEY_LOCAL_ADMIN_SECRET_ACCESS_KEY`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from services.devstack.embedded_aws import DUMMY_CREDENTIALS
from services.wire import Service, topology
from services.wire.permissions import actions

ENFORCE_ENV = "PARLEY_LOCAL_IAM"
ADMIN_KEY_ENV = "PARLEY_LOCAL_ADMIN_ACCESS_KEY_ID"
ADMIN_SECRET_ENV = "PARLEY_LOCAL_ADMIN_SECRET_ACCESS_KEY"
# moto treats a key that does not start with AKIA and comes with a session token as an
# assumed role: every local key is a long-term user key.
DEFAULT_ADMIN_KEY = "AKIAPARLEYLOCALADMIN"
DEFAULT_ADMIN_SECRET = "parley-local-admin-secret"
ACCOUNT = "123456789012"


@dataclass(frozen=True)
class Keys:
    user: str
    access_key_id: str
    secret_access_key: str

    def env(self) -> dict[str, str]:
        """What a process signing as this identity needs (no session token: a user's keys)."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": "",
        }


def enforcing() -> bool:
    return os.environ.get(ENFORCE_ENV, "") == "enforce"


def admin_keys() -> Keys:
    return Keys(
        "parley-local-admin",
        os.environ.get(ADMIN_KEY_ENV) or DEFAULT_ADMIN_KEY,
        os.environ.get(ADMIN_SECRET_ENV) or DEFAULT_ADMIN_SECRET,
    )


def service_keys(svc: Service) -> Keys:
    """The fixed local keys of one service's user (local only; they open nothing in AWS)."""
    key = f"AKIAPARLEY{svc.value.upper()}".ljust(20, "X")[:20]
    return Keys(f"parley-local-{svc.value}", key, f"parley-local-{svc.value}-secret")


def service_env(svc: Service) -> dict[str, str]:
    """The environment a service process needs to sign as its own user (devstack/__main__)."""
    return service_keys(svc).env()


def process_env(svc: Service) -> dict[str, str]:
    """The AWS keys for one service's process in the local stack (devstack/__main__ merges
    this into the service's environment): its own user when IAM is enforced."""
    return service_env(svc) if enforcing() else dict(DUMMY_CREDENTIALS)


def tool_credentials() -> dict[str, str]:
    """The keys provisioning and other tools (the operator's commands, the load generator,
    tests reading tables) sign with: the local admin's. An embedded AWS that does not enforce
    IAM takes any key, so they work against both."""
    return admin_keys().env()


# AWS authorises these calls by the actions of what they do (a transaction by its items' Put /
# Update / Delete / ConditionCheck, a batch by its single action); moto checks the call's own
# name. Granting the name locally whenever AWS would allow the call keeps the two in step.
_MOTO_NAMES = {
    "dynamodb:TransactWriteItems": (
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    ),
    "dynamodb:TransactGetItems": ("dynamodb:GetItem",),
    "sqs:DeleteMessageBatch": ("sqs:DeleteMessage",),
    "sqs:SendMessageBatch": ("sqs:SendMessage",),
    "sqs:ChangeMessageVisibilityBatch": ("sqs:ChangeMessageVisibility",),
    "sns:PublishBatch": ("sns:Publish",),
}


def service_policy(svc: Service) -> dict[str, Any]:
    """The service's wire-derived actions on every resource (moto matches actions only).
    ManageConnections is not AWS locally: the notifier posts to the gateway's own edge."""
    granted = [a for a in actions(svc, topology("local")) if not a.startswith("execute-api:")]
    granted += [name for name, needs in _MOTO_NAMES.items() if set(needs) & set(granted)]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": granted or ["sts:GetCallerIdentity"], "Resource": "*"}
        ],
    }


ADMIN_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def seed(iam_backend: Any, region: str) -> list[Keys]:
    """Create the admin and one user per service in moto's IAM backend, with fixed keys."""
    identities = [(admin_keys(), ADMIN_POLICY)]
    identities += [(service_keys(s), service_policy(s)) for s in Service]
    for keys, policy in identities:
        iam_backend.create_user(region_name=region, user_name=keys.user, path="/", tags=[])
        key = iam_backend.create_access_key(user_name=keys.user)
        key.access_key_id, key.secret_access_key = keys.access_key_id, keys.secret_access_key
        iam_backend.put_user_policy(keys.user, "parley", json.dumps(policy))
    return [k for k, _ in identities]
