"""I/O: play a load level against a running shopbot, read the trackers, check
the mix against the model.

:func:`run_level` connects every shopper (each its own socket and session),
starts them together, lets each play its schedule (see plan.py), waits for the
outstanding replies (while answers keep coming, up to the level's drain
timeout without one; then one quiet second for trailing frames), closes the
sockets and reads every session's tracker over Rasa's HTTP API
(``--enable-api``). It also notes the load average, the
CPU time of the server processes and of this process.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from actions.identity.tokens import sign_token
from bot.bench.accounting import SentRecord, TrackerFacts, tracker_facts
from bot.bench.client import ShopperSocket, connect_shopper, play
from bot.bench.mix import Line, Persona, check_parse, every_line, first_lines
from bot.bench.plan import LevelPlan, ShopperPlan, plan_shopper
from bot.bench.results import LevelRun, ShopperRun

logger = logging.getLogger(__name__)

TOKEN_TTL_S = 6 * 3600
CONNECTS_AT_ONCE = 25
TRACKER_READS_AT_ONCE = 8
HTTP_TIMEOUT_S = 60.0
START_DELAY_S = 0.5
QUIET_S = 1.0
POLL_S = 0.05
MAX_DRAIN_S = 900.0


@dataclass(frozen=True)
class Endpoints:
    """Where the shopbot under test answers.

    Attributes:
        shopper_ws: the shopper websocket URL.
        rasa_url: the Rasa server's base URL (HTTP API enabled).
        pids: server processes to account CPU time to, by name.
    """

    shopper_ws: str
    rasa_url: str
    pids: Mapping[str, int] | None = None


def token_for(persona: Persona, secret: str, now: float | None = None) -> str | None:
    """A signed customer token for a signed-in persona (None: anonymous)."""
    if persona.customer_id is None:
        return None
    moment = time.time() if now is None else now
    return sign_token(persona.customer_id, int(moment) + TOKEN_TTL_S, secret)


def current_load() -> tuple[float, float, float] | None:
    """The 1/5/15-minute load averages (None where the OS has none)."""
    try:
        load = os.getloadavg()
    except OSError:
        return None
    return (round(load[0], 2), round(load[1], 2), round(load[2], 2))


def cpu_seconds(pids: Mapping[str, int] | None) -> dict[str, float] | None:
    """CPU seconds (user + system, children included) of each process so far;
    None without processes or where they cannot be read."""
    if not pids:
        return None
    import psutil

    seconds = {}
    for name, pid in pids.items():
        try:
            times = psutil.Process(pid).cpu_times()
        except (psutil.Error, OSError):
            return None
        seconds[name] = (
            times.user + times.system + times.children_user + times.children_system
        )
    return seconds


def _cpu_delta(
    before: Mapping[str, float] | None, after: Mapping[str, float] | None
) -> dict[str, float] | None:
    if before is None or after is None:
        return None
    return {
        name: round(after[name] - before[name], 3) for name in before if name in after
    }


async def run_level(
    endpoints: Endpoints,
    plan: LevelPlan,
    personas: Sequence[Persona],
    secret: str,
    *,
    seed: int = 7,
    lines: Sequence[Sequence[Line]] | None = None,
) -> LevelRun:
    """Play one level and account for every message.

    Args:
        endpoints: the shopbot under test.
        plan: the level (``plan.concurrency`` must equal ``len(personas)``).
        personas: who the shoppers are.
        secret: the token secret the server verifies customer tokens with.
        seed: the random seed (starts, messages).
        lines: explicit messages per shopper (priming); None draws them from
            the mix, one per due time.

    Returns:
        What the level measured, trackers included.

    Raises:
        ValueError: personas, lines and the plan do not agree.
    """
    if len(personas) != plan.concurrency:
        raise ValueError(
            f"The level plans {plan.concurrency} shoppers but {len(personas)} personas "
            "were given."
        )
    if lines is not None and len(lines) != len(personas):
        raise ValueError(f"{len(lines)} message lists for {len(personas)} shoppers.")
    started = time.monotonic()
    load_before = current_load()
    cpu_before = cpu_seconds(endpoints.pids)
    client_before = time.process_time()
    plans = [
        plan_shopper(
            plan,
            index,
            persona,
            random.Random(f"{seed}-{plan.label}-{index}"),
            None if lines is None else lines[index],
        )
        for index, persona in enumerate(personas)
    ]
    runs = [
        ShopperRun(index, persona.signed_in) for index, persona in enumerate(personas)
    ]
    sockets = await _connect_all(endpoints.shopper_ws, plans, runs, secret)
    t0 = time.monotonic() + START_DELAY_S
    for shopper_plan, run in zip(plans, runs, strict=True):
        run.records = [
            SentRecord(p.client_id, p.line.intent, t0 + p.due, measured=False)
            for p in shopper_plan.messages
        ]
    logger.info(
        "Level %s: %d of %d shoppers connected; playing %.0f s.",
        plan.label,
        len([s for s in sockets if s is not None]),
        plan.concurrency,
        plan.send_window,
    )
    try:
        await asyncio.gather(
            *(
                play(socket, shopper_plan, plan, t0)
                for socket, shopper_plan in zip(sockets, plans, strict=True)
                if socket is not None
            )
        )
        drain_started = time.monotonic()
        drained = await _drain(sockets, plan.drain_timeout)
        drain_s = time.monotonic() - drain_started
        await asyncio.sleep(QUIET_S)
    finally:
        await asyncio.gather(
            *(socket.close() for socket in sockets if socket is not None),
            return_exceptions=True,
        )
    session_ids = [run.session_id for run in runs if run.session_id is not None]
    trackers, unread = await fetch_trackers(endpoints.rasa_url, session_ids)
    return LevelRun(
        plan=plan,
        shoppers=runs,
        window=(t0 + plan.warmup, t0 + plan.send_window),
        drain_s=drain_s,
        drained=drained,
        trackers=trackers,
        trackers_unread=unread,
        load_before=load_before,
        load_after=current_load(),
        server_cpu_s=_cpu_delta(cpu_before, cpu_seconds(endpoints.pids)),
        client_cpu_s=time.process_time() - client_before,
        wall_s=time.monotonic() - started,
    )


async def _connect_all(
    url: str, plans: Sequence[ShopperPlan], runs: Sequence[ShopperRun], secret: str
) -> list[ShopperSocket | None]:
    gate = asyncio.Semaphore(CONNECTS_AT_ONCE)

    async def one(shopper_plan: ShopperPlan, run: ShopperRun) -> ShopperSocket | None:
        async with gate:
            return await connect_shopper(
                url, run, token_for(shopper_plan.persona, secret)
            )

    return list(
        await asyncio.gather(*(one(p, r) for p, r in zip(plans, runs, strict=True)))
    )


async def _drain(sockets: Sequence[ShopperSocket | None], idle_timeout: float) -> bool:
    """Wait until no open socket has an unacknowledged or unanswered message
    (True), or until nothing more was answered for ``idle_timeout`` seconds, or
    :data:`MAX_DRAIN_S` passed (False): a server that is still working through
    its backlog is waited for, a stuck one is not."""
    started = time.monotonic()
    last_progress = started
    waiting = None
    while True:
        now = time.monotonic()
        left = sum(s.outstanding for s in sockets if s is not None and not s.closed)
        if left == 0:
            return True
        if waiting is None or left < waiting:
            waiting, last_progress = left, now
        if now - last_progress >= idle_timeout or now - started >= MAX_DRAIN_S:
            logger.warning("%d messages still unanswered after the drain.", left)
            return False
        await asyncio.sleep(POLL_S)


async def fetch_trackers(
    rasa_url: str, session_ids: Sequence[str]
) -> tuple[dict[str, TrackerFacts], dict[str, str]]:
    """Read each session's tracker (all events) over Rasa's HTTP API.

    Args:
        rasa_url: the Rasa server's base URL.
        session_ids: the sessions (Rasa sender ids).

    Returns:
        (facts by session id, why each unreadable tracker could not be read).
    """
    gate = asyncio.Semaphore(TRACKER_READS_AT_ONCE)
    facts: dict[str, TrackerFacts] = {}
    unread: dict[str, str] = {}
    timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as http:

        async def one(session_id: str) -> None:
            url = f"{rasa_url}/conversations/{session_id}/tracker"
            async with gate:
                try:
                    async with http.get(
                        url, params={"include_events": "ALL"}
                    ) as response:
                        if response.status != 200:
                            unread[session_id] = f"HTTP {response.status}"
                            return
                        body: Any = await response.json()
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                    unread[session_id] = f"{type(error).__name__}: {error}"
                    return
            events = body.get("events") if isinstance(body, dict) else None
            if not isinstance(events, list):
                unread[session_id] = "no events list in the tracker"
                return
            facts[session_id] = tracker_facts(events)

        await asyncio.gather(*(one(session_id) for session_id in session_ids))
    return facts, unread


async def check_mix(
    rasa_url: str, personas: Sequence[Persona]
) -> tuple[list[str], list[float]]:
    """Parse every wording of the mix (filled for each persona) with the
    running model (``POST /model/parse``).

    Args:
        rasa_url: the Rasa server's base URL.
        personas: shoppers to fill the wordings for (e.g. one signed in, one
            anonymous).

    Returns:
        (problems, one per message that would not be answered as meant;
        parse latencies in milliseconds).
    """
    problems: list[str] = []
    latencies: list[float] = []
    timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        for persona in personas:
            for line in every_line(persona):
                started = time.monotonic()
                try:
                    async with http.post(
                        f"{rasa_url}/model/parse", json={"text": line.text}
                    ) as response:
                        if response.status != 200:
                            problems.append(
                                f"'{line.text}': /model/parse said HTTP "
                                f"{response.status}"
                            )
                            continue
                        parsed = await response.json()
                except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                    problems.append(f"'{line.text}': /model/parse failed ({error})")
                    continue
                latencies.append((time.monotonic() - started) * 1000.0)
                problem = check_parse(line, parsed)
                if problem is not None:
                    problems.append(problem)
    return problems, latencies


def priming_lines(personas: Sequence[Persona]) -> list[list[Line]]:
    """Each topic once for each persona, one message at a time (loads the
    models and warms the caches before the measured levels)."""
    return [first_lines(persona) for persona in personas]
