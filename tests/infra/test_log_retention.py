"""Logs carry people's ids, so how long they are kept is a privacy promise: docs/privacy.md
states it once, and every stack's log groups keep exactly that long."""

from __future__ import annotations

import re

import yaml

from tests.infra.infra_harness import ROOT, Built

STACKS = ("dev", "prod")


def stated_days() -> int:
    """The retention docs/privacy.md promises (stated once)."""
    found = re.findall(r"keeps them \*\*(\d+) days\*\*", (ROOT / "docs" / "privacy.md").read_text())
    assert len(found) == 1, "docs/privacy.md states the log retention exactly once"
    return int(found[0])


def test_every_stack_file_sets_the_retention_the_privacy_notice_states() -> None:
    for stack in STACKS:
        config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        assert int(config["parley:logRetentionDays"]) == stated_days(), stack


def test_every_log_group_of_both_stacks_keeps_logs_that_long(
    infra_stack: Built, prod_stack: Built
) -> None:
    for built in (infra_stack, prod_stack):
        groups = built.of_type("aws:cloudwatch/logGroup:LogGroup")
        assert groups
        for group in groups:
            assert group.inputs.get("retentionInDays") == stated_days(), group.name
