"""One chaos run from start to end: the stack (and in livekit mode the LiveKit stand-in beside
it), the poison, the load with the killer beside it, quiescence, the invariants, the figures,
and the raw facts an independent referee judges (services/chaos/facts.py)."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from services.chaos import facts, figures, invariants, poison
from services.chaos.killer import Killer
from services.chaos.livekit_standin import InThread, LiveKitStandIn, Misdelivery
from services.devstack.embedded_aws import free_port
from services.devstack.launch import Launched
from services.loadgen.aws import admin_client
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
    "PARLEY_MEDIA_GRACE_S": "4",
    "PARLEY_DAY_TIMEZONE": "UTC",
    # (The figures are counted from the services' raw JSON lines, which the launcher gives a
    # program: services/devstack/launch.py.)
}
# LiveKit mode: the stand-in's credentials (the secret needs 32+ characters).
LIVEKIT_KEY = "APIchaosstandin"
LIVEKIT_SECRET = "chaos-standin-secret-0123456789abcdef"
MediaMode = Literal["direct", "livekit"]


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
    # "livekit": production's media mode, against the LiveKit stand-in; people enter rooms,
    # some leave and come back, never meet, both leave, or never come.
    media_mode: MediaMode = "direct"
    talk_s: float = 1.0
    rejoin_share: float = 0.15
    never_meet_share: float = 0.15
    both_leave_share: float = 0.15
    # The stand-in's webhooks: shares repeated (same id) and held back (overtaken).
    webhooks_repeated: float = 0.15
    webhooks_late: float = 0.15
    # The share of DynamoDB calls the embedded AWS answers with a throttle (livekit mode).
    dynamodb_throttle: float = 0.05


def _say(text: str) -> None:
    print(f"chaos: {text}", flush=True)


def _inject(stack: Launched) -> dict[str, list[str]]:
    sqs = admin_client(stack.moto_url, REGION, "sqs")
    queues = [(q, sqs.get_queue_url(QueueName=q.name)["QueueUrl"]) for q in topology(PREFIX).queues]
    return poison.inject(sqs, queues)


def _dead_letters(stack: Launched, dlqs: list[str]) -> dict[str, list[str]]:
    sqs = admin_client(stack.moto_url, REGION, "sqs")
    return {d: poison.read_dead(sqs, sqs.get_queue_url(QueueName=d)["QueueUrl"]) for d in dlqs}


def _stack_env(cfg: ChaosConfig, livekit_url: str) -> dict[str, str]:
    env = dict(STACK_ENV)
    if cfg.media_mode == "livekit":
        env |= {
            "PARLEY_MEDIA_MODE": "livekit",
            "PARLEY_LIVEKIT_URL": livekit_url,
            "PARLEY_LIVEKIT_API_KEY": LIVEKIT_KEY,
            "PARLEY_LIVEKIT_API_SECRET": LIVEKIT_SECRET,
            "PARLEY_FAULT_DYNAMODB_THROTTLE": f"{cfg.dynamodb_throttle:g}",
        }
    return env | cfg.env


def run_chaos(cfg: ChaosConfig) -> dict[str, Any]:
    """Start the stack, run, check, stop; the figures, every problem found, and the facts."""
    started = time.monotonic()
    rng = random.Random(cfg.seed)
    livekit = cfg.media_mode == "livekit"
    stack = Launched(free_port(), free_port(), keep_parley_env=False)
    standin = LiveKitStandIn(
        LIVEKIT_KEY,
        LIVEKIT_SECRET,
        f"{stack.url}/webhooks/livekit",
        Misdelivery(retried_share=cfg.webhooks_repeated, late_share=cfg.webhooks_late),
        seed=cfg.seed,
    )
    media = InThread(standin, free_port()) if livekit else None
    stack.env = _stack_env(cfg, f"ws://127.0.0.1:{media.port}" if media else "")
    try:
        if media:
            _say(f"LiveKit stand-in on {media.start().url}")
        _say(f"starting the local stack (gateway :{stack.http_port}, media {cfg.media_mode})")
        stack.start(timeout_s=120)
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
            talk_s=cfg.talk_s,
            invite_share=0.2,
            probe_every_s=2.0,
            settle_s=cfg.settle_s,
            prefix=PREFIX,
            seed=cfg.seed,
            walk_away_share=0.08,
            no_show_share=0.08,
            ignore_invite_share=0.25,
            media_mode=cfg.media_mode,
            rejoin_share=cfg.rejoin_share,
            never_meet_share=cfg.never_meet_share,
            both_leave_share=cfg.both_leave_share,
            keep_journal=True,
        )
        counts = {q: len(b) for q, b in expected.items()}
        summary = asyncio.run(load(load_cfg, during=killer, dead_letters=counts))
        # Webhooks still held back or retried reach the gateway before the tables are read.
        drained = media.drain(30.0) if media else True
        everything = facts.tables(stack.dynamodb_url, REGION, PREFIX)
        tables = {name: everything.get(name, []) for name in invariants.TABLES}
        found = _dead_letters(stack, sorted(expected))
        logged = figures.count(list(stack.log))
        throttled = facts.throttled(stack.dynamodb_url)
    finally:
        stack.stop()
        if media:
            media.stop()
        if cfg.log_out:
            cfg.log_out.parent.mkdir(parents=True, exist_ok=True)
            cfg.log_out.write_text("".join(stack.log))
    problems = [*summary["books"]["problems"], *invariants.problems(tables)]
    problems += poison.dead_problems(expected, found)
    if not drained:
        problems.append("the LiveKit stand-in still had webhooks to deliver after 30 s")
    journal = summary["journal"]
    raw = {
        "config": facts.config(stack.env, cfg.media_mode),
        "requests": journal["requests"],
        "pushes": journal["pushes"],
        "roomLog": list(standin.room_log),
        "window": journal["window"],
        "tables": everything,
    }
    c = summary["counts"]
    return {
        "ok": not problems,
        "problems": problems,
        "media_mode": cfg.media_mode,
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
        "room_plans": c["room_plans"],
        "settled_in_s": summary["books"]["settled_in_s"],
        "errors": c["errors"],
        "rejections": c["rejections"],
        "throttled": throttled,
        "standin": dict(standin.figures),
        "facts": raw,
    }


def text(r: dict[str, Any]) -> str:
    repairs = ", ".join(f"{k} {v}" for k, v in sorted(r["repairs"].items())) or "none"
    lines = [
        "",
        f"== Parley chaos run ({r['media_mode']}): {r['people']} people, {r['seconds']:.0f} s "
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
    if r["media_mode"] == "livekit":
        lk = r["standin"]
        lines += [
            f"   room plans          {r['room_plans'] or 'none'}",
            f"   webhooks            {lk.get('webhooks', 0)} sent, "
            f"{lk.get('webhooks_repeated', 0)} repeated, {lk.get('webhooks_late', 0)} held "
            f"back, {lk.get('webhook_attempts_failed', 0)} attempts failed, "
            f"{lk.get('webhooks_given_up', 0)} given up",
            f"   throttled absorbed  {'not counted' if r['throttled'] is None else r['throttled']}",
        ]
    lines += [f"     ! {p}" for p in r["problems"]]
    return "\n".join(lines)
