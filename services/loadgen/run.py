"""One load run from start to end: people, sockets, load, probe, wind-down, books, figures."""

from __future__ import annotations

import asyncio
import os
import random
import resource
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from services.loadgen.api import Api, open_socket
from services.loadgen.aws import Tally, call_counts, find_prefix, per_conversation
from services.loadgen.books import BookReader, Books, PersonView
from services.loadgen.config import LoadConfig, ws_url
from services.loadgen.journal import Journal, now_iso
from services.loadgen.pacer import Pacer
from services.loadgen.people import sign_in_people, stack_auth
from services.loadgen.person import Knobs, SimPerson
from services.loadgen.probe import HopProbe
from services.loadgen.stats import Recorder

SETTLE_POLL_S = 1.0


def _say(text: str) -> None:
    print(f"loadgen: {text}", flush=True)


async def _connect(
    http: aiohttp.ClientSession, cfg: LoadConfig, rec: Recorder, rng: random.Random
) -> list[SimPerson]:
    auth = await asyncio.to_thread(stack_auth, cfg.base_url)
    signed = await asyncio.to_thread(sign_in_people, cfg.moto_url, auth, cfg.people)
    pacer = Pacer(cfg.joins_per_s)
    knobs = Knobs(
        cfg.talk_s,
        cfg.invite_share,
        walk_away_share=cfg.walk_away_share,
        no_show_share=cfg.no_show_share,
        ignore_invite_share=cfg.ignore_invite_share,
        media_mode=cfg.media_mode,
        room_shares={
            "rejoin": cfg.rejoin_share,
            "never_meet": cfg.never_meet_share,
            "both_leave": cfg.both_leave_share,
            "no_show": cfg.no_show_share,
        },
        plan_seed=str(cfg.seed),
    )
    people: list[SimPerson] = []
    try:
        for p in signed:
            api = Api(http, cfg.base_url, p.token, rec)
            me = await api.me()
            if not me.ok:
                raise RuntimeError(f"{p.name}: GET /v1/me answered {me.status} {me.code}")
            url, token = ws_url(cfg.base_url), p.token
            ws = await open_socket(http, url, token)

            def reopen(url: str = url, token: str = token) -> Any:
                return open_socket(http, url, token)

            person = SimPerson(
                p.name, str(me.body["userId"]), api, ws, rec, pacer, knobs, rng, reopen=reopen
            )
            person.used_before = int((me.body.get("points") or {}).get("used", 0))
            people.append(person)
    except BaseException:
        await asyncio.gather(*(p.close() for p in people), return_exceptions=True)
        raise
    knobs.crowd = frozenset(p.user_id for p in people)
    return people


async def _settle(
    cfg: LoadConfig, people: list[SimPerson], reader: BookReader
) -> tuple[Books, Tally]:
    """Wind everyone down, then check the books until they are right or time is up. Also the
    embedded AWS's call count once all is quiet, before the books' own reads."""
    deadline = time.monotonic() + cfg.settle_s
    books = Books(problems=["not checked"])
    calls = Tally()
    while True:
        quiet = await asyncio.gather(*(p.wind_down() for p in people))
        if all(quiet):
            if not calls:
                calls = await asyncio.to_thread(call_counts, cfg.moto_url, cfg.tables_url)
            views = await asyncio.gather(*(_view(p) for p in people))
            books = await asyncio.to_thread(reader.check, list(views))
            # Settled means nothing is on its way either: a message held by a process that was
            # killed comes back after its visibility timeout and may still change the tables.
            if books.ok and await asyncio.to_thread(reader.inboxes_idle):
                return books, calls
        elif time.monotonic() > deadline:
            busy = [p.name for p, q in zip(people, quiet, strict=True) if not q]
            books.problems = [f"still busy after {cfg.settle_s:.0f} s: {busy}"]
        if time.monotonic() > deadline:
            return books, calls
        await asyncio.sleep(SETTLE_POLL_S)


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _view(p: SimPerson) -> PersonView:
    me = await p.api.me()
    points = me.body.get("points") or {}
    seen = frozenset(p.sessions_seen)
    return PersonView(p.user_id, p.name, points, len(seen), p.used_before, seen)


During = Callable[[float], Awaitable[object]]


async def run(
    cfg: LoadConfig, *, during: During | None = None, dead_letters: dict[str, int] | None = None
) -> dict[str, Any]:
    """The whole run; the summary (figures, counts, books) as a plain dict.

    `during(until)` runs beside the load (a chaos run's killer, say) and must be done soon
    after `until` (monotonic); `dead_letters` is how many messages each DLQ should hold (a
    chaos run's injected poison; none by default).
    """
    rng = random.Random(cfg.seed)
    rec = Recorder(journal=Journal() if cfg.keep_journal else None)
    load_before = os.getloadavg()
    cpu_before = _cpu_s()
    auth = await asyncio.to_thread(stack_auth, cfg.base_url)
    prefix = cfg.prefix
    if not prefix:
        prefix = await asyncio.to_thread(find_prefix, cfg.tables_url, auth.region)
    chaos = during is not None
    reader = BookReader(
        cfg.moto_url,
        auth.region,
        prefix,
        dead_letters,
        sessions_from_tables=chaos,
        dynamodb_url=cfg.tables_url,
    )
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(limit=4 * cfg.people + 16)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as http:
        _say(f"signing in {cfg.people} people on {cfg.base_url} (stack {prefix})")
        people = await _connect(http, cfg, rec, rng)
        tasks: list[asyncio.Task[None]] = []
        probe: HopProbe | None = None
        try:
            tasks = [asyncio.create_task(p.read()) for p in people]
            tasks += [asyncio.create_task(p.ping()) for p in people]
            calls_before = await asyncio.to_thread(call_counts, cfg.moto_url, cfg.tables_url)
            rec.start()
            window_start = now_iso()
            probe = HopProbe(cfg.moto_url, auth.region, cfg.probe_every_s, rec.probe)
            await asyncio.to_thread(probe.start)
            _say(f"{cfg.joins_per_s:g} joins/s offered for {cfg.seconds:g} s")
            until = rec.clock() + cfg.seconds
            beside = [during(until)] if during else []
            await asyncio.gather(*(p.run(until) for p in people), *beside)
            rec.stop()
            await asyncio.to_thread(probe.stop)
            probe = None
            load_after = os.getloadavg()
            cpu_load = _cpu_s() - cpu_before
            _say(f"load over after {rec.stopped - rec.started:.1f} s; settling and checking books")
            settling = time.monotonic()
            books, calls = await _settle(cfg, people, reader)
            settled_in = time.monotonic() - settling
            window_end = now_iso()
        finally:
            if probe is not None:
                await asyncio.to_thread(probe.stop)
            await asyncio.gather(*(p.close() for p in people), return_exceptions=True)
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    summary = rec.summary(cfg.joins_per_s)
    summary["config"] = {
        "people": cfg.people,
        "joins_per_s": cfg.joins_per_s,
        "seconds": cfg.seconds,
        "talk_s": cfg.talk_s,
        "invite_share": cfg.invite_share,
        "probe_every_s": cfg.probe_every_s,
    }
    summary["load_average"] = {"before": load_before, "after": load_after, "cpus": os.cpu_count()}
    # The generator's own CPU (sign-in and load), to tell whether the instrument kept up.
    summary["generator_cpu_s"] = cpu_load
    summary["books"] = {
        "ok": books.ok,
        "problems": books.problems,
        "settled_in_s": settled_in,
        **books.facts,
    }
    sessions = int(books.facts.get("sessions") or summary["counts"]["matches_both_told"])
    summary["aws_calls"] = per_conversation(calls - calls_before, sessions)
    summary["series"] = {"both_told": rec.both_told, "hop": rec.hop}
    if rec.journal is not None:
        summary["journal"] = {
            "requests": rec.journal.requests,
            "pushes": rec.journal.pushes,
            "window": {"startedAt": window_start, "endedAt": window_end},
        }
    return summary
