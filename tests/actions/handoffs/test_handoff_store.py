"""Handoff records: idempotent create, list, get and status transitions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from actions.escalation.packet import HandoffPacket
from actions.handoffs.errors import (
    HandoffInputError,
    HandoffNotFoundError,
    HandoffTransitionError,
)
from actions.handoffs.store import (
    create_handoff,
    get_handoff,
    list_handoffs,
    set_status,
)
from actions.store.db import session_scope
from actions.store.schema import Handoff

NOW = datetime(2024, 5, 1, 12, 0, 0)
MakePacket = Callable[..., HandoffPacket]


def _count(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.execute(select(func.count(Handoff.id))).scalar_one())


def test_create_stores_a_waiting_handoff(
    engine: Engine, make_packet: MakePacket
) -> None:
    packet = make_packet()
    with session_scope(engine) as session:
        record = create_handoff(
            session=session, packet=packet, key="conv-1:m1", now=NOW
        )
    assert record.status == "waiting"
    assert record.customer_id == 42
    assert record.reason == "risk_threshold"
    assert record.risk_score == pytest.approx(packet.risk.score)
    assert record.packet == packet
    assert record.created_at == record.updated_at == NOW
    with session_scope(engine) as session:
        assert get_handoff(session=session, handoff_id=record.id) == record


def test_create_is_idempotent_on_the_key(
    engine: Engine, make_packet: MakePacket
) -> None:
    with session_scope(engine) as session:
        first = create_handoff(
            session=session, packet=make_packet(), key="conv-1:m1", now=NOW
        )
    with session_scope(engine) as session:
        again = create_handoff(
            session=session,
            packet=make_packet(last_message="something else"),
            key="conv-1:m1",
            now=NOW + timedelta(minutes=5),
        )
        other = create_handoff(
            session=session, packet=make_packet(), key="conv-1:m2", now=NOW
        )
    assert again == first
    assert other.id != first.id
    assert _count(engine) == 2


def test_anonymous_handoff_and_aware_times(
    engine: Engine, make_packet: MakePacket
) -> None:
    aware = datetime(2024, 5, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    with session_scope(engine) as session:
        record = create_handoff(
            session=session, packet=make_packet(customer_id=None), key="a:1", now=aware
        )
    assert record.customer_id is None
    assert record.created_at == NOW


@pytest.mark.parametrize(
    ("key", "conversation_id", "message"),
    [
        ("", "conv-1", "key is ''"),
        ("k" * 301, "conv-1", "key has 301 characters"),
        ("ok", "c" * 256, "conversation_id has 256 characters"),
    ],
)
def test_unusable_keys_are_refused(
    engine: Engine,
    make_packet: MakePacket,
    key: str,
    conversation_id: str,
    message: str,
) -> None:
    packet = make_packet(conversation_id=conversation_id)
    with pytest.raises(HandoffInputError, match=message), session_scope(engine) as s:
        create_handoff(session=s, packet=packet, key=key, now=NOW)
    assert _count(engine) == 0


def test_list_is_newest_first_with_filters(
    engine: Engine, make_packet: MakePacket
) -> None:
    with session_scope(engine) as session:
        ids = [
            create_handoff(
                session=session,
                packet=make_packet(conversation_id=f"c{i}"),
                key=f"c{i}:m",
                now=NOW + timedelta(minutes=i),
            ).id
            for i in range(4)
        ]
        set_status(session=session, handoff_id=ids[1], status="closed", now=NOW)
    with session_scope(engine) as session:
        assert [r.id for r in list_handoffs(session=session)] == ids[::-1]
        waiting = list_handoffs(session=session, status="waiting")
        assert [r.id for r in waiting] == [ids[3], ids[2], ids[0]]
        assert [r.id for r in list_handoffs(session=session, limit=2)] == ids[:1:-1]
        assert list_handoffs(session=session, status="assigned") == []
        with pytest.raises(HandoffInputError, match="status 'lost' is unknown"):
            list_handoffs(session=session, status="lost")
        with pytest.raises(HandoffInputError, match="limit is 0"):
            list_handoffs(session=session, limit=0)
        assert get_handoff(session=session, handoff_id=999) is None


def _create(engine: Engine, make_packet: MakePacket, key: str = "c:1") -> int:
    with session_scope(engine) as session:
        return create_handoff(
            session=session, packet=make_packet(), key=key, now=NOW
        ).id


def test_allowed_transitions(engine: Engine, make_packet: MakePacket) -> None:
    later = NOW + timedelta(minutes=3)
    handoff_id = _create(engine, make_packet)
    with session_scope(engine) as session:
        record = set_status(
            session=session, handoff_id=handoff_id, status="assigned", now=later,
            agent="sam",
        )  # fmt: skip
    assert (record.status, record.agent, record.updated_at) == (
        "assigned",
        "sam",
        later,
    )
    assert record.created_at == NOW
    with session_scope(engine) as session:
        record = set_status(
            session=session, handoff_id=handoff_id, status="returned", now=later
        )
    assert (record.status, record.agent) == ("returned", "sam")
    closed = _create(engine, make_packet, key="c:2")
    with session_scope(engine) as session:
        assert (
            set_status(
                session=session, handoff_id=closed, status="closed", now=NOW
            ).status
            == "closed"
        )


@pytest.mark.parametrize(
    ("path", "target", "message"),
    [
        ([], "returned", "is 'waiting' and cannot become 'returned'; from 'waiting' it "
         "can become assigned, closed"),
        ([], "waiting", "cannot become 'waiting'"),
        (["closed"], "assigned", "'closed' is final"),
        (["assigned", "returned"], "closed", "'returned' is final"),
        (["assigned"], "assigned", "is 'assigned' and cannot become 'assigned'"),
    ],
)  # fmt: skip
def test_forbidden_transitions_are_refused(
    engine: Engine, make_packet: MakePacket, path: list[str], target: str, message: str
) -> None:
    handoff_id = _create(engine, make_packet)
    with session_scope(engine) as session:
        for status in path:
            set_status(session=session, handoff_id=handoff_id, status=status, now=NOW)
    with pytest.raises(HandoffTransitionError, match=message) as caught:
        with session_scope(engine) as session:
            set_status(session=session, handoff_id=handoff_id, status=target, now=NOW)
    assert isinstance(caught.value, ValueError)
    with session_scope(engine) as session:
        record = get_handoff(session=session, handoff_id=handoff_id)
    assert record is not None and record.status == (path[-1] if path else "waiting")


def test_unknown_id_and_status_are_refused(engine: Engine) -> None:
    with pytest.raises(HandoffNotFoundError, match="No handoff has id 7") as caught:
        with session_scope(engine) as session:
            set_status(session=session, handoff_id=7, status="closed", now=NOW)
    assert isinstance(caught.value, LookupError)
    with pytest.raises(HandoffInputError, match="'gone' is unknown"):
        with session_scope(engine) as session:
            set_status(session=session, handoff_id=7, status="gone", now=NOW)


def test_postgresql_create_is_idempotent(
    postgres_engine: Engine, make_packet: MakePacket
) -> None:
    packet = make_packet(customer_id=None)
    with session_scope(postgres_engine) as session:
        first = create_handoff(session=session, packet=packet, key="pg:1", now=NOW)
        again = create_handoff(session=session, packet=packet, key="pg:1", now=NOW)
    with session_scope(postgres_engine) as session:
        listed = list_handoffs(session=session)
        moved = set_status(
            session=session, handoff_id=first.id, status="assigned", now=NOW
        )
    assert again == first
    assert [r.id for r in listed] == [first.id]
    assert moved.status == "assigned"
