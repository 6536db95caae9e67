"""`python -m services.devstack`: the whole of Parley on one machine.

An embedded AWS (moto server on 127.0.0.1) provisioned from the wire module, a Cognito user
pool with the demo people, and the four services as separate processes. A service that exits
is started again with a backoff (services/devstack/supervisor.py), as ECS would;
`PARLEY_INSTANCES="matcher=3,notifier=2"` runs several instances of a service (the gateway
runs once: it owns the HTTP port). Ctrl-C stops them all.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import urllib.request
from pathlib import Path

from services.devstack import local_iam
from services.devstack.cognito import DEMO_PASSWORD, DEMO_PEOPLE, UserPool, provision_user_pool
from services.devstack.console import Console
from services.devstack.embedded_aws import DUMMY_CREDENTIALS, MotoServer, PortBusy, ensure_port_free
from services.devstack.processes import Child, base_env, python_module, stop_all
from services.devstack.provision import provision
from services.devstack.supervisor import BadInstances, Supervisor, instance_tags, parse_instances
from services.wire.names import Service

SERVICES = ("ledger", "matcher", "notifier", "gateway")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    if not raw.isdigit():
        sys.exit(f"parley: {name} must be a port number, got {raw!r}")
    return int(raw)


def service_env(
    moto_url: str, prefix: str, http_port: int, pool: UserPool, dynamodb_url: str | None = None
) -> dict[str, str]:
    defaults = {
        "PARLEY_NAME_PREFIX": prefix,
        "PARLEY_AWS_ENDPOINT_URL": moto_url,
        "PARLEY_AWS_REGION": pool.region,
        "PARLEY_HTTP_PORT": str(http_port),
        "PARLEY_POLL_WAIT_S": "5",
        "PARLEY_AUTH_MODE": "local",
        "PARLEY_COGNITO_USER_POOL_ID": pool.pool_id,
        "PARLEY_COGNITO_CLIENT_ID": pool.client_id,
        "PARLEY_COGNITO_ISSUER": pool.issuer,
        "PARLEY_COGNITO_JWKS_URL": pool.jwks_url,
        "PARLEY_COGNITO_ENDPOINT_URL": moto_url,
        "PARLEY_WEBSOCKET_URL": f"ws://127.0.0.1:{http_port}/v1/ws",
        "PARLEY_CONNECTIONS_ENDPOINT_URL": f"http://127.0.0.1:{http_port}",
        "PARLEY_MEDIA_MODE": "direct",
        "PARLEY_STATIC_DIR": str(Path("frontend/dist").resolve()),
    }
    if dynamodb_url:
        defaults["PARLEY_AWS_DYNAMODB_ENDPOINT_URL"] = dynamodb_url
    # Anything the person set explicitly (short timeouts for tests, say) wins.
    env = {k: os.environ.get(k, v) for k, v in defaults.items()}
    env |= {k: v for k, v in os.environ.items() if k.startswith("PARLEY_")}
    env |= {**DUMMY_CREDENTIALS, "AWS_DEFAULT_REGION": pool.region}
    return base_env(env)


def wait_healthy(url: str, children: list[Child], timeout_s: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(not c.alive() for c in children):
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def banner(http_port: int, moto_url: str, started_in: float, dynamodb_url: str | None) -> str:
    people = ", ".join(DEMO_PEOPLE)
    return (
        "\n"
        f"  Parley is running (ready in {started_in:.1f} s)\n"
        f"    open        http://127.0.0.1:{http_port}/\n"
        f"    sign in as  {people} — password {DEMO_PASSWORD}\n"
        f"    API docs    http://127.0.0.1:{http_port}/v1/openapi.json\n"
        f"    local AWS   {moto_url}\n"
        + (f"    DynamoDB    {dynamodb_url}\n" if dynamodb_url else "")
        + "  Ctrl-C stops everything.\n"
    )


def main() -> int:
    started = time.monotonic()
    http_port = _env_int("PARLEY_HTTP_PORT", 8080)
    moto_port = _env_int("PARLEY_MOTO_PORT", 4566)
    # DynamoDB in an embedded AWS process of its own: moto answers every call of a process
    # under one interpreter lock, and DynamoDB is over half the calls (docs/benchmarks.md).
    dynamodb_port = _env_int("PARLEY_MOTO_DYNAMODB_PORT", 4567)  # 0: DynamoDB in the one process
    prefix = os.environ.get("PARLEY_NAME_PREFIX", "parley-dev")
    try:
        instances = parse_instances(os.environ.get("PARLEY_INSTANCES", ""), SERVICES)
    except BadInstances as exc:
        print(f"parley: PARLEY_INSTANCES: {exc}", file=sys.stderr)
        return 2
    # Every service signs as its own IAM user and the embedded AWS checks each call against
    # the actions the wire derives for it, as AWS would (PARLEY_LOCAL_IAM=off to skip).
    os.environ.setdefault(local_iam.ENFORCE_ENV, "enforce")
    try:
        ensure_port_free(http_port, "gateway")
        moto = MotoServer(moto_port).start()
        dynamodb = MotoServer(dynamodb_port).start() if dynamodb_port else None
    except PortBusy as exc:
        print(f"parley: {exc}", file=sys.stderr)
        return 1
    children: list[Child] = []
    console = Console(sys.stdout, os.environ.get("PARLEY_CONSOLE", ""))
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        dynamodb_url = dynamodb.url if dynamodb else None
        provision(moto.url, prefix, dynamodb_url=dynamodb_url)
        pool = provision_user_pool(moto.url, prefix)
        env = service_env(moto.url, prefix, http_port, pool, dynamodb_url)
        for name in SERVICES:
            for tag in instance_tags(name, instances[name]):
                own = env | local_iam.process_env(Service(name))
                child = Child(tag, python_module(f"services.{name}"), own).start(console)
                children.append(child)
                print(f"parley: {tag} started (pid {child.pid})", file=sys.stderr, flush=True)
        if not wait_healthy(f"http://127.0.0.1:{http_port}/healthz", children):
            gone = [c.name for c in children if not c.alive()]
            print(f"parley: the stack did not become healthy (stopped: {gone})", file=sys.stderr)
            return 1
        print(banner(http_port, moto.url, time.monotonic() - started, dynamodb_url), flush=True)
        supervisor = Supervisor(children)
        while not stopping:
            supervisor.tick()
            time.sleep(0.2)
        print("\nparley: stopping…", flush=True)
        return 0
    finally:
        stop_all(children)
        moto.stop()
        if dynamodb:
            dynamodb.stop()


if __name__ == "__main__":
    sys.exit(main())
