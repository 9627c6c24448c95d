"""Pure: how a load level is played, and each shopper's schedule.

Every shopper of a level opens its own socket, says hello, and then sends one
message every ``interval`` seconds from a random start within the first
interval (so the shoppers do not all speak at once), until ``warmup +
duration`` seconds have passed. Messages sent in the first ``warmup`` seconds
are accounted for but not measured. A shopper keeps at most
``max_in_flight`` messages unanswered: a message due while that many are
waiting is sent when one is answered (a person waits for the answer before
typing the next question); 0 lifts the cap (a pure open loop). Between two
messages a shopper sends a protocol ``ping`` (at most one unanswered), the
baseline: the websocket round trip through the same server under the same
load, with no bot work.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from bot.bench.mix import Line, Persona, draw_lines

MAX_CLIENT_ID = 64
T = TypeVar("T")


@dataclass(frozen=True)
class LevelPlan:
    """One load level.

    Attributes:
        concurrency: shoppers at once, each with its own socket.
        duration: measured seconds.
        interval: seconds between one shopper's messages.
        warmup: seconds played first, not measured.
        max_in_flight: unanswered messages a shopper allows itself (0: no cap).
        drain_timeout: after the sends, how long to keep waiting for
            outstanding replies when none arrives (a server still answering
            its backlog is waited for).
        label: a short name used in client message ids (e.g. ``c50``).
    """

    concurrency: int
    duration: float
    interval: float
    warmup: float = 0.0
    max_in_flight: int = 1
    drain_timeout: float = 60.0
    label: str = ""

    def __post_init__(self) -> None:
        """Reject settings that make no benchmark, naming the value."""
        if self.concurrency < 1:
            raise ValueError(
                f"concurrency is {self.concurrency}; use 1 or more shoppers."
            )
        for name in ("duration", "interval", "drain_timeout"):
            value = getattr(self, name)
            if not 0.0 < value < math.inf:
                raise ValueError(
                    f"{name} is {value}; use a positive number of seconds."
                )
        if not 0.0 <= self.warmup < math.inf:
            raise ValueError(f"warmup is {self.warmup}; use 0 or more seconds.")
        if self.max_in_flight < 0:
            raise ValueError(
                f"max_in_flight is {self.max_in_flight}; use 0 (no cap) or more."
            )

    @property
    def send_window(self) -> float:
        """Seconds during which messages fall due (warm-up plus measured)."""
        return self.warmup + self.duration

    @property
    def offered_rate(self) -> float:
        """Messages per second the shoppers offer together."""
        return self.concurrency / self.interval


@dataclass(frozen=True)
class Planned:
    """A message a shopper will send.

    Attributes:
        client_id: its protocol ``id`` (unique in the run).
        line: text and intent.
        due: seconds after the level's start when it falls due.
        measured: due after the warm-up (the client measures by the time a
            message is sent, which is later when the in-flight cap held it).
    """

    client_id: str
    line: Line
    due: float
    measured: bool


@dataclass(frozen=True)
class ShopperPlan:
    """One shopper of a level: who, what, when."""

    index: int
    persona: Persona
    start: float
    messages: tuple[Planned, ...]
    ping_times: tuple[float, ...]


def due_times(start: float, interval: float, window: float) -> list[float]:
    """Times ``start``, ``start + interval``, ... below ``window`` seconds.

    Raises:
        ValueError: ``interval`` is not positive or ``start`` is negative.
    """
    if not interval > 0:
        raise ValueError(f"interval is {interval}; use a positive number of seconds.")
    if start < 0:
        raise ValueError(f"start is {start}; use 0 or more seconds.")
    count = max(0, math.ceil((window - start) / interval))
    return [start + k * interval for k in range(count) if start + k * interval < window]


def client_id(label: str, shopper: int, sequence: int) -> str:
    """The protocol id of a shopper's message, e.g. ``c50-s007-m012``.

    Raises:
        ValueError: the id would be longer than the protocol allows (64).
    """
    text = (
        f"{label}-s{shopper:03d}-m{sequence:03d}"
        if label
        else f"s{shopper:03d}-m{sequence:03d}"
    )
    if len(text) > MAX_CLIENT_ID:
        raise ValueError(
            f"Client id '{text}' is over {MAX_CLIENT_ID} characters; use a "
            "shorter label."
        )
    return text


def plan_shopper(
    plan: LevelPlan,
    index: int,
    persona: Persona,
    rng: random.Random,
    lines: Sequence[Line] | None = None,
) -> ShopperPlan:
    """A shopper's schedule: a jittered start, then one message per interval.

    Args:
        plan: the level.
        index: the shopper's number in the level.
        persona: who the shopper is.
        rng: the random source for the start and the messages.
        lines: the messages to send (None: drawn from the mix, one per due
            time, with a ping between two messages); explicit lines are due at
            ``start + k * interval`` whatever the window, without pings
            (priming).

    Returns:
        The shopper's plan.
    """
    start = rng.uniform(0.0, plan.interval)
    if lines is None:
        times = due_times(start, plan.interval, plan.send_window)
        lines = draw_lines(persona, len(times), rng)
        pings = tuple(
            due_times(start + plan.interval / 2, plan.interval, plan.send_window)
        )
    else:
        times = [start + k * plan.interval for k in range(len(lines))]
        pings = ()
    messages = tuple(
        Planned(client_id(plan.label, index, k), line, due, due >= plan.warmup)
        for k, (due, line) in enumerate(zip(times, lines, strict=True))
    )
    return ShopperPlan(index, persona, start, messages, pings)


def assign_personas(
    customers: Sequence[tuple[int, str | None]],
    anonymous: Sequence[tuple[str, str]],
    count: int,
    signed_in_share: float,
    rng: random.Random,
) -> list[Persona]:
    """``count`` shoppers: ``round(count * signed_in_share)`` signed in, the
    rest anonymous, each drawn from the seeded store's customers and orders.

    Args:
        customers: (customer id, an order number of theirs or None).
        anonymous: (order number, e-mail address) pairs of real orders.
        count: shoppers wanted.
        signed_in_share: 0 to 1.
        rng: the random source.

    Returns:
        The personas, signed-in and anonymous ones shuffled together.

    Raises:
        ValueError: a share outside 0-1, or no customers/orders to draw from.
    """
    if not 0.0 <= signed_in_share <= 1.0:
        raise ValueError(
            f"signed_in_share is {signed_in_share}; use a value from 0 to 1."
        )
    signed = round(count * signed_in_share)
    if signed and not customers:
        raise ValueError("No customers to sign in as; seed the store first.")
    if count - signed and not anonymous:
        raise ValueError("No orders for anonymous shoppers; seed the store first.")
    personas = [
        Persona(customer_id, number)
        for customer_id, number in _spread(customers, signed, rng)
    ]
    personas += [
        Persona(None, number, email)
        for number, email in _spread(anonymous, count - signed, rng)
    ]
    rng.shuffle(personas)
    return personas


def _spread(pool: Sequence[T], count: int, rng: random.Random) -> list[T]:
    """``count`` items of ``pool``, distinct while the pool lasts."""
    chosen: list[T] = []
    while len(chosen) < count:
        chosen += rng.sample(list(pool), min(len(pool), count - len(chosen)))
    return chosen
