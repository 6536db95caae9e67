"""One chaos run from start to end: the stack, the poison, the load with the killer beside it,
quiescence, the invariants, the figures."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.chaos import figures, invariants, poison
from services.chaos.killer import Killer
from services.devstack.embedded_aws import free_port
from services.devstack.launch import Launched
from services.loadgen.aws import admin_client
from services.loadgen.books import BookReader
from services.loadgen.config import LoadConfig
from services.loadgen.run import run as load
from services.wire.topology import topology

PREFIX = "parley-chaos"
REGION = "us-east-1"
SERVICES = frozenset({"gateway", "ledger", "matcher", "notifier"})

# Short enough for everything to become terminal within the run's bound.
STACK_ENV = {
    "PARLEY_NAME_PREFIX": PREFIX,
    "PARLEY_DUPLICATE_DELIVERY": "1",
    "PARLEY_INSTANCES": "matcher=2",
    "PARLEY_DAILY_POINTS": "600",
    "PARLEY_SESSION_MINUTES": "1",
    "PARLEY_INVITE_TIMEOUT_S": "6",
    "PARLEY_NO_SHOW_S": "6",
    "PARLEY_ABANDON_AFTER_S": "3",
    "PARLEY_RECONCILE_S": "2",
    "PARLEY_OVERDUE_GRACE_S": "5",
    # The ledger's own healing too: a hold whose final event was lost is asked about.
    "PARLEY_HOLD_CHECK_S": "2",
    "PARLEY_HOLD_STALE_S": "20",
}


@dataclass(frozen=True)
class ChaosConfig:
    people: int = 16
    joins_per_s: float = 3.0
    seconds: float = 40.0
    kill_every_s: float = 4.0
    victims: frozenset[str] = SERVICES
    settle_s: float = 75.0
    seed: int | None = None
    env: dict[str, str] = field(default_factory=dict)
    log_out: Path | None = None  # the stack's whole output, for a look afterwards


def _say(text: str) -> None:
    print(f"chaos: {text}", flush=True)


def _inject(stack: Launched) -> dict[str, list[str]]:
    sqs = admin_client(stack.moto_url, REGION, "sqs")
    queues = [(q, sqs.get_queue_url(QueueName=q.name)["QueueUrl"]) for q in topology(PREFIX).queues]
    return poison.inject(sqs, queues)


def _dead_letters(stack: Launched, dlqs: list[str]) -> dict[str, list[str]]:
    sqs = admin_client(stack.moto_url, REGION, "sqs")
    return {d: poison.read_dead(sqs, sqs.get_queue_url(QueueName=d)["QueueUrl"]) for d in dlqs}


def run_chaos(cfg: ChaosConfig) -> dict[str, Any]:
    """Start the stack, run, check, stop; the figures and every problem found."""
    started = time.monotonic()
    rng = random.Random(cfg.seed)
    stack = Launched(free_port(), free_port(), STACK_ENV | cfg.env, keep_parley_env=False)
    _say(f"starting the local stack (gateway :{stack.http_port})")
    stack.start(timeout_s=120)
    try:
        expected = _inject(stack)
        _say(f"poison injected into {len(expected)} queues; load with a kill every "
             f"{cfg.kill_every_s:g} s for {cfg.seconds:g} s")  # fmt: skip
        killer = Killer(stack.log, cfg.kill_every_s, rng, only=cfg.victims)
        load_cfg = LoadConfig(
            base_url=stack.url,
            moto_url=stack.moto_url,
            people=cfg.people,
            joins_per_s=cfg.joins_per_s,
            seconds=cfg.seconds,
            talk_s=1.0,
            invite_share=0.2,
            probe_every_s=2.0,
            settle_s=cfg.settle_s,
            prefix=PREFIX,
            seed=cfg.seed,
            walk_away_share=0.08,
            no_show_share=0.08,
            ignore_invite_share=0.25,
        )
        counts = {q: len(b) for q, b in expected.items()}
        summary = asyncio.run(load(load_cfg, during=killer, dead_letters=counts))
        reader = BookReader(stack.moto_url, REGION, PREFIX)
        tables = {name: reader.scan(name) for name in invariants.TABLES}
        found = _dead_letters(stack, sorted(expected))
        logged = figures.count(list(stack.log))
    finally:
        stack.stop()
        if cfg.log_out:
            cfg.log_out.parent.mkdir(parents=True, exist_ok=True)
            cfg.log_out.write_text("".join(stack.log))
    problems = [*summary["books"]["problems"], *invariants.problems(tables)]
    problems += poison.dead_problems(expected, found)
    c = summary["counts"]
    return {
        "ok": not problems,
        "problems": problems,
        "seconds": time.monotonic() - started,
        "people": cfg.people,
        "kills": len(killer.kills),
        "kills_survived": killer.survived,
        "killed": sorted(k.tag for k in killer.kills),
        "back_after_s_max": max((k.back_after_s or 0.0 for k in killer.kills), default=0.0),
        "restarts": logged.restarts,
        "duplicates_sent": logged.duplicates,
        "conversations": invariants.conversations(tables),
        "sessions": len(tables["matcher-sessions"]),
        "repairs": dict(logged.repairs),
        "parked": dict(logged.parked),
        "poison": sum(len(b) for b in expected.values()),
        "walked_away": c["walked_away"],
        "no_shows": c["no_shows"],
        "reconnects": c["reconnects"],
        "invites": c["invites"],
        "settled_in_s": summary["books"]["settled_in_s"],
        "errors": c["errors"],
        "rejections": c["rejections"],
    }


def text(r: dict[str, Any]) -> str:
    repairs = ", ".join(f"{k} {v}" for k, v in sorted(r["repairs"].items())) or "none"
    lines = [
        "",
        f"== Parley chaos run: {r['people']} people, {r['seconds']:.0f} s "
        f"— {'invariants hold' if r['ok'] else 'INVARIANTS BROKEN'}",
        f"   kills survived      {r['kills_survived']} of {r['kills']} "
        f"(slowest back in {r['back_after_s_max']:.1f} s; {', '.join(r['killed'])})",
        f"   duplicates sent     {r['duplicates_sent']}",
        f"   conversations       {r['conversations']} completed of {r['sessions']} sessions",
        f"   repairs made        {sum(r['repairs'].values())} ({repairs})",
        f"   poison parked       {r['poison']} injected; parked {r['parked'] or 'none'}",
        f"   misbehaviour        {r['walked_away']} walked away, {r['no_shows']} no-shows, "
        f"{r['reconnects']} sockets reopened; invites {r['invites'] or 'none'}",
        f"   settled in          {r['settled_in_s']:.1f} s",
        f"   refused or failed   {r['errors'] or 'none'}",
    ]
    lines += [f"     ! {p}" for p in r["problems"]]
    return "\n".join(lines)
