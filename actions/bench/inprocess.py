"""Profile the actions in-process: the same rounds, no HTTP, one call at a time.

The rounds of :mod:`actions.bench.scenario` are replayed through rasa-sdk's own
``ActionExecutor`` (as the webhook calls it) in this process, against the same
store. A first pass measures each action's service time (no queueing, no
HTTP); a second pass runs under cProfile, one profile per action, and reports
the functions with the most cumulative time.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import logging
import os
import pstats
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from actions.bench.driver import TOKEN_TTL_S, prepare_step
from actions.bench.payloads import (
    action_call,
    add_action,
    apply_response,
    new_conversation,
)
from actions.bench.scenario import ShopperPool, round_steps, shopper_metadata
from actions.bench.server import server_env
from actions.bench.stats import percentile
from actions.identity.tokens import sign_token
from actions.settings import get_settings

TOP_FUNCTIONS = 18


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    """Use ``values`` as the process environment for the block, then restore it.

    The actions' own warnings (already in the server log of the load run) are
    silenced meanwhile, so they do not flood the benchmark's output.
    """
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(values)
    get_settings.cache_clear()
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
        os.environ.clear()
        os.environ.update(saved)
        get_settings.cache_clear()


async def _replay(
    executor: Any,
    *,
    pool: ShopperPool,
    domain: Mapping[str, Any],
    slot_names: Sequence[str],
    rounds: int,
    rng: random.Random,
    version: str,
    with_retrieval: bool,
    profiles: dict[str, cProfile.Profile] | None,
) -> dict[str, list[float]]:
    secret = get_settings().token_secret
    times: dict[str, list[float]] = defaultdict(list)
    for number in range(rounds):
        shopper = pool.pick(rng)
        token = None
        if shopper.customer_id is not None:
            expires = int(time.time()) + TOKEN_TTL_S
            token = sign_token(shopper.customer_id, expires, secret)
        metadata = shopper_metadata(token)
        sender = f"profile-{number:04d}-{uuid.uuid4().hex[:8]}"
        conversation = new_conversation(sender, slot_names, metadata, time.time())
        for step in round_steps(shopper, rng, with_retrieval=with_retrieval):
            prepare_step(conversation, step, metadata, time.time())
            call = action_call(conversation, step.action, domain, version)
            profile = None
            if profiles is not None:
                profile = profiles.setdefault(step.action, cProfile.Profile())
                profile.enable()
            started = time.perf_counter()
            answer = await executor.run(call)
            times[step.action].append((time.perf_counter() - started) * 1000.0)
            if profile is not None:
                profile.disable()
            add_action(conversation, step.action, time.time())
            apply_response(conversation, answer or {}, time.time())
            if conversation.paused:
                apply_response(conversation, {"events": [{"event": "resume"}]}, 0.0)
    return dict(times)


def _top(profile: cProfile.Profile) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.strip_dirs().sort_stats("cumulative").print_stats(TOP_FUNCTIONS)
    return out.getvalue()


def profile_report(
    *,
    database_url: str,
    spool: Path,
    retrieval_index: Path | None,
    pool: ShopperPool,
    domain: Mapping[str, Any],
    slot_names: Sequence[str],
    rounds: int,
    seed: int,
    version: str,
) -> str:
    """Service times and cProfile hot spots of every action, as text.

    Args:
        database_url: the store the actions use.
        spool: the handoff spool file.
        retrieval_index: the past-case index, or None.
        pool: the shoppers to draw from.
        domain: the domain as Rasa sends it.
        slot_names: every tracker slot.
        rounds: rounds per pass (two passes: timing, then profiling).
        seed: the random seed.
        version: the Rasa version to claim.

    Returns:
        The report.
    """
    from rasa_sdk.executor import ActionExecutor

    env = server_env(
        os.environ,
        database_url=database_url,
        spool=spool,
        retrieval_index=retrieval_index,
    )
    with _environment(env):
        executor = ActionExecutor()
        executor.register_package("actions")
        common: dict[str, Any] = {
            "pool": pool,
            "domain": domain,
            "slot_names": slot_names,
            "rounds": rounds,
            "version": version,
            "with_retrieval": retrieval_index is not None,
        }
        # A warm-up round loads caches (settings, engine, shop.yml, models).
        asyncio.run(
            _replay(
                executor,
                **{**common, "rounds": 1},
                rng=random.Random(seed),
                profiles=None,
            )
        )
        times = asyncio.run(
            _replay(executor, **common, rng=random.Random(seed + 1), profiles=None)
        )
        profiles: dict[str, cProfile.Profile] = {}
        asyncio.run(
            _replay(executor, **common, rng=random.Random(seed + 2), profiles=profiles)
        )
    lines = [
        f"In-process service time per action ({rounds} rounds, one call at a time, "
        "no HTTP):",
        f"{'action':<28} {'calls':>5} {'p50 ms':>8} {'p95 ms':>8}",
    ]
    for action, samples in sorted(times.items()):
        lines.append(
            f"{action:<28} {len(samples):>5} {percentile(samples, 50):>8.2f} "
            f"{percentile(samples, 95):>8.2f}"
        )
    for action, profile in sorted(profiles.items()):
        lines += [
            "",
            f"=== {action} (cumulative, all profiled calls) ===",
            _top(profile),
        ]
    return "\n".join(lines) + "\n"
