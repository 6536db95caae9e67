"""What deploys the SPA publishes no source map; the deploy guide says how to prove a first `up`.

The SPA's bucket is public through CloudFront: a `*.map` there hands out the whole
TypeScript source. Every command that copies `frontend/dist` to S3 (the guide, the Makefile,
the workflows) must leave maps out, and the build should not write them in the first place.
"""

from __future__ import annotations

import re
import shlex

from tests.infra.infra_harness import ROOT

DOCS = ROOT / "docs" / "deploy.md"


def _commands(text: str) -> list[str]:
    """Shell commands of a file, continuation lines joined."""
    return [line.strip() for line in text.replace("\\\n", " ").splitlines()]


def spa_uploads() -> list[tuple[str, list[str]]]:
    """(where, argv) for every `aws s3 sync|cp` of frontend/dist in the guide, Make, CI."""
    sources = [DOCS, ROOT / "Makefile", *sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))]
    found = []
    for path in sources:
        if not path.exists():
            continue
        for line in _commands(path.read_text()):
            at = line.find("aws s3 ")
            if at < 0 or "frontend/dist" not in line:
                continue
            argv = shlex.split(line[at:], comments=True)
            if argv[2] in ("sync", "cp"):
                found.append((str(path.relative_to(ROOT)), argv))
    return found


def _excludes_maps(argv: list[str]) -> bool:
    excluded = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--exclude"]
    return "*.map" in excluded or "*" in excluded


def test_no_documented_upload_of_the_spa_publishes_source_maps() -> None:
    uploads = spa_uploads()
    assert any(argv[2] == "sync" for _, argv in uploads), "the guide's sync was not found"
    for where, argv in uploads:
        if argv[2] == "cp" and "--recursive" not in argv:
            assert not argv[3].endswith(".map"), where  # one named file
            continue
        assert _excludes_maps(argv), f"{where}: {' '.join(argv)} would publish *.map"


def test_the_spa_build_writes_no_source_maps() -> None:
    (config,) = (ROOT / "frontend").glob("vite.config.*")
    build = re.search(r"\bbuild:\s*\{(.*?)\n  \}", config.read_text(), re.S)
    assert build, "vite.config has a build block"
    value = re.search(r"\bsourcemap:\s*([^,\n]+)", build.group(1))
    # Absent or false: no maps. 'hidden' and 'inline' still publish the source.
    assert value is None or value.group(1).strip() == "false", value and value.group(1)


def test_the_first_deploy_checklist_gives_a_command_for_each_proof() -> None:
    text = DOCS.read_text()
    section = re.search(r"^### First deploy checklist\n(.*?)(?=^##)", text, re.S | re.M)
    assert section, "docs/deploy.md has a 'First deploy checklist'"
    items = re.split(r"^\d\. ", section.group(1), flags=re.M)[1:]
    proofs = {
        "VPC origin": ["aws cloudfront list-vpc-origins", "CloudFront-VPCOrigins-Service-SG"],
        "WebSocket stage": ["aws apigatewayv2 get-stage", "aws apigatewayv2 get-deployments"],
        "TURN over TLS": ["openssl s_client", "iptables", "turns:"],
    }
    for what, needles in proofs.items():
        (item,) = [i for i in items if what in i.split("\n\n")[0]]
        assert "```sh" in item, what
        for needle in needles:
            assert needle in item, (what, needle)
