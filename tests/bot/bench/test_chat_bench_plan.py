"""The chat benchmark's level plans and shopper schedules."""

from __future__ import annotations

import random
from typing import Any

import pytest

from bot.bench.mix import Line, Persona
from bot.bench.plan import (
    LevelPlan,
    assign_personas,
    client_id,
    due_times,
    plan_shopper,
)

ANONYMOUS = Persona(None, "6895318", "ann.lee@example.com")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"concurrency": 0}, "concurrency is 0"),
        ({"duration": 0.0}, "duration is 0.0"),
        ({"interval": -1.0}, "interval is -1.0"),
        ({"interval": float("inf")}, "interval is inf"),
        ({"drain_timeout": 0.0}, "drain_timeout is 0.0"),
        ({"warmup": -0.5}, "warmup is -0.5"),
        ({"max_in_flight": -1}, "max_in_flight is -1"),
    ],
)
def test_a_bad_level_is_refused_naming_the_value(
    kwargs: dict[str, Any], message: str
) -> None:
    settings = {"concurrency": 10, "duration": 30.0, "interval": 1.0, **kwargs}
    with pytest.raises(ValueError, match=message):
        LevelPlan(**settings)


def test_a_level_offers_one_message_per_interval_per_shopper() -> None:
    plan = LevelPlan(50, 30.0, 1.0, warmup=5.0)
    assert plan.offered_rate == 50.0
    assert plan.send_window == 35.0
    assert LevelPlan(10, 30.0, 0.5).offered_rate == 20.0


def test_due_times_stay_inside_the_window() -> None:
    assert due_times(0.25, 1.0, 3.0) == [0.25, 1.25, 2.25]
    assert due_times(0.0, 1.0, 3.0) == [0.0, 1.0, 2.0]
    assert due_times(2.0, 1.0, 1.5) == []
    with pytest.raises(ValueError, match="interval is 0"):
        due_times(0.0, 0, 3.0)
    with pytest.raises(ValueError, match="start is -1"):
        due_times(-1, 1.0, 3.0)


def test_client_ids_are_unique_and_within_the_protocol_limit() -> None:
    assert client_id("c50", 7, 12) == "c50-s007-m012"
    assert client_id("", 1, 2) == "s001-m002"
    with pytest.raises(ValueError, match="over 64 characters"):
        client_id("x" * 60, 1, 1)


def test_a_shopper_starts_within_the_first_interval_and_keeps_time() -> None:
    plan = LevelPlan(10, 10.0, 1.0, warmup=2.0, label="c10")
    shopper = plan_shopper(plan, 3, ANONYMOUS, random.Random(1))
    assert 0.0 <= shopper.start < 1.0
    dues = [m.due for m in shopper.messages]
    assert dues == pytest.approx([shopper.start + k for k in range(len(dues))])
    assert len(dues) == 12 and dues[-1] < plan.send_window
    assert [m.measured for m in shopper.messages] == [d >= 2.0 for d in dues]
    assert len({m.client_id for m in shopper.messages}) == len(dues)
    assert all(m.client_id.startswith("c10-s003-") for m in shopper.messages)
    # One ping half-way between two messages.
    assert shopper.ping_times[0] == pytest.approx(shopper.start + 0.5)
    assert all(p < plan.send_window for p in shopper.ping_times)


def test_explicit_lines_are_all_sent_without_pings() -> None:
    plan = LevelPlan(1, 1.0, 0.01, label="prime")
    lines = [Line(f"hi {k}", "greet") for k in range(300)]
    shopper = plan_shopper(plan, 0, ANONYMOUS, random.Random(1), lines)
    assert [m.line for m in shopper.messages] == lines
    assert shopper.ping_times == ()


def test_personas_split_by_the_signed_in_share_and_stay_distinct() -> None:
    customers = [(c, f"{1000000 + c}") for c in range(1, 11)]
    anonymous = [(f"{2000000 + k}", f"p{k}@example.com") for k in range(10)]
    personas = assign_personas(customers, anonymous, 10, 0.5, random.Random(2))
    signed = [p for p in personas if p.signed_in]
    assert len(signed) == 5 and len({p.customer_id for p in signed}) == 5
    anon = [p for p in personas if not p.signed_in]
    assert len({p.order_number for p in anon}) == 5 and all(p.email for p in anon)
    # More shoppers than customers: customers are reused once all are taken.
    many = assign_personas(customers, anonymous, 30, 1.0, random.Random(2))
    assert len(many) == 30 and len({p.customer_id for p in many}) == 10


def test_persona_assignment_refuses_a_bad_share_or_an_empty_store() -> None:
    with pytest.raises(ValueError, match="signed_in_share is 1.5"):
        assign_personas(
            [(1, "1234567")], [("1234567", "a@b.co")], 2, 1.5, random.Random()
        )
    with pytest.raises(ValueError, match="No customers"):
        assign_personas([], [("1234567", "a@b.co")], 2, 1.0, random.Random())
    with pytest.raises(ValueError, match="No orders"):
        assign_personas([(1, "1234567")], [], 2, 0.0, random.Random())
