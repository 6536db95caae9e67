"""Hostile input against a real gateway: schemathesis over the served OpenAPI document, object
ids across two people, and HTTP too malformed to reach a route.

Schemathesis (its CLI, in a subprocess, so the gateway keeps serving on this event loop) runs
its examples, coverage, fuzzing and stateful phases as each of two signed-in people and as
nobody. Path ids are the live session and invite of the first person, so the second person's
run probes someone else's objects: every answer must be one the document declares, never a
server error, never a success on a foreign id, never a byte of the other person's data.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from services.devstack.embedded_aws import free_port
from services.wire.names import Service
from tests.conftest import Stack
from tests.integration.gateway.conftest import Gateway, about, new_user, running_gateway
from tests.integration.gateway.test_invites_http import pending
from tests.integration.gateway.test_sessions_http import session
from tests.unit.gateway.forge import JwksServer

HOOKS = Path(__file__).with_name("hostile_hooks.py")
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "missing_required_header",
        "ignored_auth",
        "unsupported_method",
        # ours, from hostile_hooks.py
        "not_someone_elses_object",
        "not_someone_elses_data",
    ]
)
EXAMPLES_PER_OPERATION = 10


@pytest.fixture(scope="module")
async def hostile_gw(gw_stack: Stack, jwks_server: JwksServer) -> AsyncIterator[Gateway]:
    # Throttling would turn most of the run into documented 429s; it has its own tests.
    async with running_gateway(gw_stack, jwks_server, rate_limit_scale=1000) as gateway:
        yield gateway


async def _people(gw: Gateway) -> dict[str, Any]:
    """Ana has a live session and a pending invite (with Cleo); Ben has nothing of his own."""
    ana, ben, cleo = new_user("ana"), new_user("ben"), new_user("cleo")
    sid = await session(gw, ana, cleo)
    invite_id = new_user("i")
    await pending(gw, invite_id, ana, cleo)
    await gw.put("gateway-profiles", {"userId": ana, "name": "Ana Private"})
    return {"ana": ana, "ben": ben, "cleo": cleo, "session": sid, "invite": invite_id}


def _config(tmp: Path, session_id: str, invite_id: str) -> Path:
    path = tmp / "schemathesis.toml"
    path.write_text(
        f"""
[[operations]]
include-path-regex = '^/v1/sessions/\\{{id\\}}'
parameters = {{ "path.id" = "{session_id}" }}

[[operations]]
include-path-regex = '^/v1/invites/\\{{id\\}}'
parameters = {{ "path.id" = "{invite_id}" }}
"""
    )
    return path


async def _schemathesis(
    gw: Gateway, tmp: Path, who: str, token: str | None, env: dict[str, str]
) -> tuple[int, str, dict[str, Any]]:
    url = str(gw.client.make_url("/v1/openapi.json"))
    report = tmp / f"{who}.json"
    argv = [
        sys.executable, "-m", "schemathesis.cli", "run", url,
        "--phases", "examples,coverage,fuzzing,stateful",
        "--checks", CHECKS,
        "--max-examples", str(EXAMPLES_PER_OPERATION),
        "--seed", "20261130",
        "--workers", "1",
        "--request-timeout", "10",
        "--suppress-health-check", "all",
        "--no-shrink",
        "--report", "json", "--report-json-path", str(report),
    ]  # fmt: skip
    if token:
        argv += ["--header", f"Authorization: Bearer {token}"]
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=tmp,
        env={**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS), "NO_COLOR": "1", **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 110)
    summary = json.loads(report.read_text()) if report.exists() else {}
    return proc.returncode or 0, out.decode(errors="replace"), summary


@pytest.mark.timeout(150)
async def test_schemathesis_as_two_people_and_as_nobody_finds_nothing(
    hostile_gw: Gateway, tmp_path: Path
) -> None:
    gw = hostile_gw
    p = await _people(gw)
    _config(tmp_path, p["session"], p["invite"])
    foreign = {"PARLEY_FOREIGN_IDS": f"{p['session']},{p['invite']}"}
    ana_secrets = {"PARLEY_FOREIGN_SECRETS": f"{p['ana']},Ana Private"}
    runs = {
        # Ana on her own objects: the document's promises hold for real, live ids too.
        "ana": (gw.issuer.token(p["ana"]), {}),
        # Ben on Ana's objects: never a success, never anything of Ana's.
        "ben": (gw.issuer.token(p["ben"]), foreign | ana_secrets),
        "nobody": (None, foreign | ana_secrets),
    }
    results = {}
    for who, (token, env) in runs.items():
        results[who] = await _schemathesis(gw, tmp_path, who, token, env)
    for who, (code, out, _) in results.items():
        assert code == 0, f"{who}:\n{out[-6000:]}"


async def test_one_person_s_session_and_invite_ids_get_another_nothing(hostile_gw: Gateway) -> None:
    gw = hostile_gw
    p = await _people(gw)
    sid, iid = p["session"], p["invite"]
    probes = [
        ("POST", f"/v1/sessions/{sid}/join", None),
        ("POST", f"/v1/sessions/{sid}/stop", None),
        ("POST", f"/v1/sessions/{sid}/signal", {"kind": "offer", "data": {"sdp": "v=0"}}),
        ("POST", f"/v1/invites/{iid}/accept", None),
        ("POST", f"/v1/invites/{iid}/decline", None),
        ("DELETE", f"/v1/invites/{iid}", None),
    ]
    for method, path, body in probes:
        answer = await gw.call(method, path, p["ben"], body=body)  # conforms to the document
        assert answer.status in (403, 404), (method, path, answer.status, answer.body)
        text = json.dumps(answer.body)
        assert p["ana"] not in text
        assert "Ana Private" not in text
    me = (await gw.call("GET", "/v1/me", p["ben"])).body
    assert me["session"] is None
    assert me["invites"] == []
    # Nothing Ben sent went anywhere: no stop, signal, answer or withdrawal was published.
    assert await gw.published(Service.MATCHER, about(sid, iid), expect=0) == []
    assert await gw.published(Service.NOTIFIER, about(sid, iid), expect=0) == []
    ana = (await gw.call("GET", "/v1/me", p["ana"])).body
    assert [i["inviteId"] for i in ana["invites"]] == [iid]


async def test_malformed_http_is_one_structured_log_line(gw_stack: Stack) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")},
        "PARLEY_NAME_PREFIX": gw_stack.prefix,
        "PARLEY_AWS_ENDPOINT_URL": gw_stack.endpoint_url,
        "PARLEY_HTTP_PORT": str(port),
        "PARLEY_LOG_FORMAT": "json",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.gateway", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gateway did not listen"
                await asyncio.sleep(0.1)
        for raw in (
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n",
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Name: v\r\n\r\n",
        ):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(raw)
            await writer.drain()
            status = await asyncio.wait_for(reader.readline(), 5)
            assert status.split()[1] == b"400"
            writer.close()
        await asyncio.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(proc.communicate(), 20)
    lines = out.decode().splitlines()
    assert "Traceback" not in out.decode()
    assert all(line.startswith("{") for line in lines), lines  # every line is one JSON object
    malformed = [json.loads(line) for line in lines if '"http.malformed"' in line]
    assert len(malformed) == 2, lines
    assert malformed[0]["status"] == 400
    assert "Invalid header value char" in malformed[0]["reason"]
    assert malformed[0]["level"] == "warning"
