"""The load generator: concurrent simulated conversations against the webhook.

Each of ``concurrency`` conversations plays ``warmup + rounds`` rounds one after
another (a round is a fresh sender id, so handoff idempotency keys differ), one
request in flight at a time, as Rasa itself calls the action server. Client-side
latency (request sent to response fully read) is kept per action for the rounds
after the warm-up. While every conversation is past its warm-up, ``/health`` is
probed as a baseline: its latency is the server's queueing delay under the same
load, with no action work at all. Before the load, two priming rounds (one
signed-in shopper, one anonymous) run one call at a time: the first calls load
the churn model and the retrieval encoder inside the request, which is recorded
as the cold start and not measured.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from actions.bench.payloads import (
    ACTION_LISTEN,
    Conversation,
    add_action,
    add_user_message,
    apply_response,
    encode_action_call,
    new_conversation,
    set_active_loop,
    set_slots,
)
from actions.bench.scenario import (
    KEEP,
    RANKING_POOL,
    Shopper,
    ShopperPool,
    Step,
    round_steps,
    shopper_metadata,
)
from actions.identity.tokens import sign_token

if TYPE_CHECKING:
    import aiohttp

logger = logging.getLogger(__name__)

TOKEN_TTL_S = 3600
CALL_TIMEOUT_S = 60.0
# The priming rounds load models inside requests (churn model, retrieval encoder).
PRIME_TIMEOUT_S = 600.0
HEALTH_INTERVAL_S = 0.05
# Below Sanic's keep-alive timeout (5 s): reusing a connection the server is
# closing at that moment fails with "connection reset by peer".
CLIENT_KEEPALIVE_S = 2.0
# Stop early once this many calls failed: the server is down or broken.
MAX_ERRORS = 50


@dataclass(frozen=True)
class LoadPlan:
    """How hard to drive the server.

    Attributes:
        concurrency: simultaneous conversations.
        rounds: measured rounds per conversation.
        warmup: unmeasured rounds per conversation first.
        with_retrieval: include ``action_answer_from_past_cases``.
        seed: the random seed (shoppers, addresses, confirmations).
        think_ms: mean pause before each shopper message (exponentially
            distributed, like people typing); 0 sends the next call at once,
            which keeps ``concurrency`` requests in flight all the time.
    """

    concurrency: int
    rounds: int
    warmup: int
    with_retrieval: bool
    seed: int = 7
    think_ms: float = 0.0

    def __post_init__(self) -> None:
        """Reject counts that make no benchmark."""
        if self.concurrency < 1 or self.rounds < 1 or self.warmup < 0:
            raise ValueError(
                f"concurrency {self.concurrency}, rounds {self.rounds}, warm-up "
                f"{self.warmup}: use at least 1 conversation and 1 round, and a "
                "warm-up of 0 or more."
            )
        if not 0.0 <= self.think_ms < float("inf"):
            raise ValueError(f"think_ms is {self.think_ms}; use 0 or more.")


@dataclass(frozen=True)
class CallError:
    """A failed call: which action, in which conversation, and why."""

    action: str
    sender_id: str
    status: int | None
    detail: str


@dataclass
class RunResult:
    """What a load run measured.

    Attributes:
        latencies_ms: measured latencies per action.
        health_ms: ``/health`` latencies under the same load.
        errors: the failed calls.
        calls: every call made (warm-up included).
        handoffs: calls whose answer paused the conversation (a handoff).
        signed_in_rounds: rounds played by a signed-in customer.
        rounds_played: rounds started.
        wall_s: how long the load took (after priming).
        prime_s: how long the priming rounds took.
        prime_ms: the slowest priming call per action (cold start: the first
            calls load the churn model and the retrieval encoder, blocking the
            server meanwhile).
    """

    latencies_ms: dict[str, list[float]] = field(
        default_factory=lambda: defaultdict(list)
    )
    health_ms: list[float] = field(default_factory=list)
    errors: list[CallError] = field(default_factory=list)
    calls: int = 0
    handoffs: int = 0
    signed_in_rounds: int = 0
    rounds_played: int = 0
    wall_s: float = 0.0
    prime_s: float = 0.0
    prime_ms: dict[str, float] = field(default_factory=dict)


@dataclass
class _Shared:
    """State the conversations and the health probe share (one event loop)."""

    warm: int = 0
    finished: int = 0
    warm_event: asyncio.Event = field(default_factory=asyncio.Event)
    done_event: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(frozen=True)
class _Context:
    """Everything a conversation needs to run its rounds."""

    session: aiohttp.ClientSession
    webhook: str
    plan: LoadPlan
    pool: ShopperPool
    slot_names: tuple[str, ...]
    domain_json: str
    secret: str
    version: str
    result: RunResult
    shared: _Shared


def check_response(status: int, body: bytes) -> tuple[dict[str, Any] | None, str]:
    """Decode a webhook answer; say what is wrong with it.

    Args:
        status: the HTTP status.
        body: the response body.

    Returns:
        (the JSON object, "") when it is HTTP 200 with a JSON object holding
        ``events`` and ``responses`` lists; (None, the problem) otherwise.
    """
    snippet = body[:300].decode("utf-8", errors="replace")
    if status != 200:
        return None, f"HTTP {status}: {snippet}"
    try:
        data = json.loads(body)
    except ValueError as error:
        return None, f"invalid JSON ({error}): {snippet}"
    if not isinstance(data, dict):
        return None, f"JSON is a {type(data).__name__}, not an object: {snippet}"
    for key in ("events", "responses"):
        if not isinstance(data.get(key), list):
            return None, f"JSON has no '{key}' list: {snippet}"
    return data, ""


def prepare_step(
    conversation: Conversation, step: Step, metadata: Mapping[str, Any], now: float
) -> None:
    """Add what happens before the step's call: message, form change, slots."""
    if step.message is not None:
        if conversation.latest_action_name != ACTION_LISTEN:
            add_action(conversation, ACTION_LISTEN, now)
        add_user_message(
            conversation,
            text=step.message.text,
            intent=step.message.intent,
            ranking_pool=RANKING_POOL,
            metadata=metadata,
            message_id=uuid.uuid4().hex,
            now=now,
            entities=step.message.entities,
        )
    if step.loop != KEEP:
        set_active_loop(conversation, step.loop, now)
    # Last, as Rasa appends them: rasa-sdk validates the trailing slot events.
    if step.slots:
        set_slots(conversation, step.slots, now)


async def _call(
    context: _Context,
    conversation: Conversation,
    action: str,
    timeout_s: float = CALL_TIMEOUT_S,
) -> tuple[dict[str, Any] | None, float, CallError | None]:
    import aiohttp

    body = encode_action_call(
        conversation, action, context.domain_json, context.version
    )
    started = time.perf_counter()
    try:
        async with context.session.post(
            context.webhook,
            data=body,
            headers={"Content-Type": "application/json"},
            timeout=aiohttp.ClientTimeout(total=timeout_s),
        ) as response:
            raw = await response.read()
            status = response.status
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        detail = f"{type(error).__name__}: {error}"
        return None, 0.0, CallError(action, conversation.sender_id, None, detail)
    elapsed_ms = (time.perf_counter() - started) * 1000.0
    data, problem = check_response(status, raw)
    if data is None:
        return (
            None,
            elapsed_ms,
            CallError(action, conversation.sender_id, status, problem),
        )
    return data, elapsed_ms, None


async def _round(
    context: _Context,
    rng: random.Random,
    think: random.Random,
    index: int,
    number: int,
    *,
    priming: dict[str, float] | None = None,
    shopper: Shopper | None = None,
) -> None:
    """Play one round; ``priming`` (slowest call per action) marks a priming one."""
    plan, result = context.plan, context.result
    shopper = shopper or context.pool.pick(rng)
    token = None
    if shopper.customer_id is not None:
        expires = int(time.time()) + TOKEN_TTL_S
        token = sign_token(shopper.customer_id, expires, context.secret)
    if priming is None:
        result.rounds_played += 1
        result.signed_in_rounds += shopper.signed_in
    metadata = shopper_metadata(token)
    sender = f"bench-{index:02d}-{number:04d}-{uuid.uuid4().hex[:8]}"
    conversation = new_conversation(sender, context.slot_names, metadata, time.time())
    measured = priming is None and number >= plan.warmup
    timeout_s = CALL_TIMEOUT_S if priming is None else PRIME_TIMEOUT_S
    for step in round_steps(shopper, rng, with_retrieval=plan.with_retrieval):
        if step.message is not None and plan.think_ms > 0 and priming is None:
            await asyncio.sleep(think.expovariate(1000.0 / plan.think_ms))
        prepare_step(conversation, step, metadata, time.time())
        data, elapsed_ms, error = await _call(
            context, conversation, step.action, timeout_s
        )
        if priming is None:
            result.calls += 1
        else:
            priming[step.action] = max(elapsed_ms, priming.get(step.action, 0.0))
        if error is not None or data is None:
            if error is not None:
                result.errors.append(error)
                logger.error(
                    "%s failed for '%s': %s",
                    error.action,
                    error.sender_id,
                    error.detail,
                )
            return
        if measured:
            result.latencies_ms[step.action].append(elapsed_ms)
        now = time.time()
        add_action(conversation, step.action, now)
        apply_response(conversation, data, now)
        if conversation.paused:
            result.handoffs += 1
            # An agent answers and hands back, so the round goes on.
            apply_response(conversation, {"events": [{"event": "resume"}]}, now)


async def _conversation(context: _Context, index: int) -> None:
    plan, shared = context.plan, context.shared
    rng = random.Random(plan.seed * 10_000 + index)
    # Apart from the scenario's source, so think times do not change the rounds.
    think = random.Random(plan.seed * 10_000 + index + 5_000)
    try:
        for number in range(plan.warmup + plan.rounds):
            if number == plan.warmup:
                shared.warm += 1
                if shared.warm == plan.concurrency:
                    shared.warm_event.set()
            if len(context.result.errors) >= MAX_ERRORS:
                return
            await _round(context, rng, think, index, number)
    finally:
        shared.finished += 1
        shared.done_event.set()


async def _prime(context: _Context) -> None:
    """A signed-in and an anonymous round, one call at a time, before the load.

    The first calls after start-up load the churn model and the retrieval
    encoder inside the request, blocking the single-threaded server for
    seconds; the benchmark measures the steady state and records this apart.
    """
    pool, result = context.pool, context.result
    customer_id, number = pool.customers[0]
    order, email = pool.anonymous[0]
    started = time.perf_counter()
    for shopper in (Shopper(customer_id, number), Shopper(None, order, email)):
        rng = random.Random(context.plan.seed)
        await _round(context, rng, rng, 99, 0, priming=result.prime_ms, shopper=shopper)
    result.prime_s = time.perf_counter() - started


async def _probe_health(context: _Context, url: str) -> None:
    import aiohttp

    shared = context.shared
    await shared.warm_event.wait()
    while not shared.done_event.is_set():
        started = time.perf_counter()
        try:
            async with context.session.get(url) as response:
                await response.read()
                ok = response.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            ok = False
        if ok and not shared.done_event.is_set():
            context.result.health_ms.append((time.perf_counter() - started) * 1000.0)
        await asyncio.sleep(HEALTH_INTERVAL_S)


async def _load(context: _Context, health_url: str) -> None:
    """The concurrent conversations, with the ``/health`` probe alongside."""
    started = time.perf_counter()
    probe = asyncio.create_task(_probe_health(context, health_url))
    await asyncio.gather(
        *(_conversation(context, index) for index in range(context.plan.concurrency))
    )
    context.shared.warm_event.set()
    probe.cancel()
    try:
        await probe
    except asyncio.CancelledError:
        pass
    context.result.wall_s = time.perf_counter() - started


async def drive(
    base_url: str,
    plan: LoadPlan,
    pool: ShopperPool,
    *,
    domain: Mapping[str, Any],
    slot_names: Sequence[str],
    secret: str,
    version: str,
) -> RunResult:
    """Run the conversations against a live action server.

    Args:
        base_url: the server, e.g. ``http://127.0.0.1:5055``.
        plan: concurrency, rounds, warm-up.
        pool: the shoppers to draw from.
        domain: the domain as Rasa sends it.
        slot_names: every slot the tracker holds.
        secret: the token secret the server checks tokens with.
        version: the Rasa version to claim in each call.

    Returns:
        The measurements and errors.
    """
    import aiohttp

    result = RunResult()
    shared = _Shared()
    connector = aiohttp.TCPConnector(
        limit=plan.concurrency + 2, keepalive_timeout=CLIENT_KEEPALIVE_S
    )
    timeout = aiohttp.ClientTimeout(total=CALL_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        context = _Context(
            session=session,
            webhook=f"{base_url}/webhook",
            plan=plan,
            pool=pool,
            slot_names=tuple(slot_names),
            domain_json=json.dumps(dict(domain)),
            secret=secret,
            version=version,
            result=result,
            shared=shared,
        )
        await _prime(context)
        if not result.errors:
            await _load(context, f"{base_url}/health")
    result.latencies_ms = dict(result.latencies_ms)
    return result
