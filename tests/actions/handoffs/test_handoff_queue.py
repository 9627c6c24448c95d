"""The agent console's queue: priority, order, items, positions on a real store."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from actions.agents.accounts import create_account
from actions.escalation.packet import HandoffPacket
from actions.handoffs.queue import (
    QueueItem,
    open_queue,
    order_queue,
    priority,
    queue_position,
)
from actions.handoffs.store import claim_handoff, create_handoff, set_status
from actions.store.db import session_scope
from actions.store.schema import Handoff

NOW = datetime(2024, 5, 1, 12, 0, 0)
MakePacket = Callable[..., HandoffPacket]
PROTOCOL_KEYS = {
    "handoff_id",
    "conversation_id",
    "status",
    "agent",
    "customer_name",
    "tier",
    "reason",
    "risk_score",
    "churn_probability",
    "lifetime_value",
    "priority",
    "waiting_seconds",
    "created_at",
    "last_message",
}


@pytest.mark.parametrize(
    ("churn", "risk", "value", "expected"),
    [
        (0.8, 0.3, 456.0, 0.8 * 456.0),  # the model's probability wins
        (None, 0.5, 200.0, 100.0),  # no model: the live risk
        (None, None, 200.0, 0.0),  # nothing known
        (0.0, 0.9, 200.0, 0.0),  # a probability of 0 is not "unknown"
        (0.6, None, 0.0, 0.6),  # value floored at 1.0 (anonymous, new)
        (0.6, None, 0.4, 0.6),
        (math.nan, 0.5, 10.0, 5.0),  # NaN counts as unknown
        (0.5, None, math.inf, 0.5),
    ],
)
def test_priority_is_churn_risk_times_value(
    churn: float | None, risk: float | None, value: float, expected: float
) -> None:
    assert priority(churn, risk, value) == pytest.approx(expected)


def _item(handoff_id: int, **change: Any) -> QueueItem:
    item = QueueItem(
        handoff_id=handoff_id,
        conversation_id=f"c{handoff_id}",
        status="waiting",
        agent=None,
        customer_name=None,
        tier=None,
        reason="asked_for_person",
        risk_score=0.5,
        churn_probability=None,
        lifetime_value=0.0,
        priority=1.0,
        waiting_seconds=60,
        created_at=NOW,
        last_message=None,
    )
    return replace(item, **change)


def test_order_waiting_first_then_priority_then_waiting_time_then_id() -> None:
    items = [
        _item(1, status="assigned", priority=999.0),
        _item(2, priority=5.0, waiting_seconds=10),
        _item(3, priority=5.0, waiting_seconds=300),
        _item(4, priority=50.0, waiting_seconds=1),
        _item(5, priority=5.0, waiting_seconds=300),
        _item(6, status="assigned", priority=1.0),
        _item(7, status="assigned", priority=2.0),
    ]
    ordered = [item.handoff_id for item in order_queue(reversed(items))]
    assert ordered == [4, 3, 5, 2, 1, 7, 6]
    assert order_queue([]) == []


def test_item_json_matches_the_protocol() -> None:
    item = _item(9, created_at=datetime(2026, 11, 22, 10, 15, 0), agent="Sam")
    data = item.to_json()
    assert set(data) == PROTOCOL_KEYS
    assert data["created_at"] == "2026-11-22T10:15:00Z"
    assert (data["handoff_id"], data["agent"], data["status"]) == (9, "Sam", "waiting")
    assert json.loads(json.dumps(data)) == data


def _profile(lifetime_cents: int) -> dict[str, Any]:
    return {
        "customer_id": 42,
        "name": "Jo Example",
        "tier": "gold",
        "lifetime_value_cents": lifetime_cents,
    }


def _add(
    engine: Engine,
    make_packet: MakePacket,
    key: str,
    minutes_ago: int,
    **packet: Any,
) -> int:
    with session_scope(engine) as session:
        return create_handoff(
            session=session,
            packet=make_packet(conversation_id=key, **packet),
            key=key,
            now=NOW - timedelta(minutes=minutes_ago),
        ).id


@pytest.fixture
def queue(engine: Engine, make_packet: MakePacket) -> dict[str, int]:
    """Five handoffs: three waiting, one held by Sam (an account), one closed."""
    ids = {
        # churn 0.8 x 456.00 = 364.8
        "valuable": _add(engine, make_packet, "valuable", 5),
        # churn 0.2 x 1000.00 = 200
        "cheap_risk": _add(
            engine,
            make_packet,
            "cheap_risk",
            30,
            churn_probability=0.2,
            profile=_profile(100000),
        ),  # fmt: skip
        # anonymous: live risk x 1.0
        "anonymous": _add(
            engine,
            make_packet,
            "anonymous",
            60,
            customer_id=None,
            last_message="a person please",
        ),  # fmt: skip
        "held": _add(engine, make_packet, "held", 90),
        "closed": _add(engine, make_packet, "closed", 120),
    }
    with session_scope(engine) as session:
        create_account(
            session=session,
            username="sam",
            display_name="Sam Agent",
            password="correct horse",
            now=NOW,
        )
        claim_handoff(session=session, handoff_id=ids["held"], agent="sam", now=NOW)
        set_status(session=session, handoff_id=ids["closed"], status="closed", now=NOW)
    return ids


def _open(engine: Engine, now: datetime = NOW) -> list[QueueItem]:
    with session_scope(engine) as session:
        return open_queue(session=session, now=now)


def test_open_queue_lists_waiting_by_priority_then_assigned(
    engine: Engine, queue: dict[str, int]
) -> None:
    items = _open(engine)
    assert [item.handoff_id for item in items] == [
        queue["valuable"],
        queue["cheap_risk"],
        queue["anonymous"],
        queue["held"],
    ]
    valuable, cheap, anonymous, held = items
    assert valuable.lifetime_value == pytest.approx(456.0)
    assert valuable.priority == pytest.approx(0.8 * 456.0)
    assert (valuable.customer_name, valuable.tier) == ("Jo Example", "gold")
    assert valuable.last_message == "This is ridiculous, where is my parcel?"
    assert valuable.waiting_seconds == 300
    assert valuable.created_at == NOW - timedelta(minutes=5)
    assert cheap.priority == pytest.approx(200.0)
    assert (anonymous.customer_name, anonymous.tier) == (None, None)
    assert anonymous.lifetime_value == 0.0 and anonymous.churn_probability is None
    assert anonymous.risk_score is not None
    assert anonymous.priority == pytest.approx(anonymous.risk_score)
    assert anonymous.last_message == "a person please"
    assert (held.status, held.agent) == ("assigned", "Sam Agent")
    assert all(item.agent is None for item in items[:3])
    assert set(held.to_json()) == PROTOCOL_KEYS
    with session_scope(engine) as session:
        assert open_queue(session=session, now=NOW, limit=2) == items[:2]


def test_an_agent_without_an_account_is_shown_by_username(
    engine: Engine, queue: dict[str, int]
) -> None:
    with session_scope(engine) as session:
        claim_handoff(
            session=session, handoff_id=queue["anonymous"], agent="ghost", now=NOW
        )
    agents = {item.handoff_id: item.agent for item in _open(engine)}
    assert agents[queue["anonymous"]] == "ghost"
    assert agents[queue["held"]] == "Sam Agent"


def test_queue_positions_count_waiting_handoffs_only(
    engine: Engine, queue: dict[str, int]
) -> None:
    def position(name: str | int) -> int | None:
        handoff_id = queue[name] if isinstance(name, str) else name
        with session_scope(engine) as session:
            return queue_position(session=session, handoff_id=handoff_id, now=NOW)

    assert [position(n) for n in ("valuable", "cheap_risk", "anonymous")] == [1, 2, 3]
    assert position("held") is None
    assert position("closed") is None
    assert position(999) is None
    with session_scope(engine) as session:
        claim_handoff(
            session=session, handoff_id=queue["valuable"], agent="sam", now=NOW
        )
    assert [position(n) for n in ("cheap_risk", "anonymous")] == [1, 2]


def test_aware_now_and_a_handoff_from_the_future(
    engine: Engine, make_packet: MakePacket
) -> None:
    _add(engine, make_packet, "soon", -10)
    [item] = _open(engine, NOW.replace(tzinfo=timezone.utc))
    assert item.waiting_seconds == 0


def test_an_unreadable_packet_does_not_hide_the_queue(
    engine: Engine, queue: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    with session_scope(engine) as session:
        row = session.get(Handoff, queue["cheap_risk"])
        assert row is not None
        row.packet = "{not json"
    items = _open(engine)
    assert queue["cheap_risk"] not in {item.handoff_id for item in items}
    assert len(items) == 3
    assert f"Handoff {queue['cheap_risk']} left out" in caplog.text
