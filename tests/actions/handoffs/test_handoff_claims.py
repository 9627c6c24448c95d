"""The agent console's handoff moves: claim, release, resolve, the active handoff.

Racing claims run on SQLite and on PostgreSQL (skipped, naming why, when the
server is unreachable).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from actions.agents.accounts import create_account
from actions.escalation.packet import HandoffPacket
from actions.handoffs.errors import (
    HandoffClaimedError,
    HandoffNotFoundError,
    HandoffNotHeldError,
    HandoffTransitionError,
)
from actions.handoffs.store import (
    TRANSITIONS,
    HandoffRecord,
    active_handoff,
    claim_handoff,
    create_handoff,
    get_handoff,
    release_handoff,
    resolve_handoff,
    set_status,
)
from actions.store.db import session_scope

NOW = datetime(2024, 5, 1, 12, 0, 0)
LATER = NOW + timedelta(minutes=2)
CLAIMERS = 8
MakePacket = Callable[..., HandoffPacket]


def _create(
    engine: Engine,
    make_packet: MakePacket,
    key: str = "c:1",
    conversation: str = "conv-1",
    now: datetime = NOW,
    customer_id: int | None = 42,
) -> int:
    with session_scope(engine) as session:
        return create_handoff(
            session=session,
            packet=make_packet(conversation_id=conversation, customer_id=customer_id),
            key=key,
            now=now,
        ).id


def _get(engine: Engine, handoff_id: int) -> HandoffRecord:
    with session_scope(engine) as session:
        record = get_handoff(session=session, handoff_id=handoff_id)
    assert record is not None
    return record


def _claim(engine: Engine, handoff_id: int, agent: str) -> HandoffRecord:
    with session_scope(engine) as session:
        return claim_handoff(
            session=session, handoff_id=handoff_id, agent=agent, now=LATER
        )


def test_released_handoffs_go_back_to_waiting() -> None:
    assert "waiting" in TRANSITIONS["assigned"]
    assert "waiting" not in TRANSITIONS["returned"] | TRANSITIONS["closed"]


def test_a_claim_assigns_a_waiting_handoff_and_repeats_harmlessly(
    engine: Engine, make_packet: MakePacket
) -> None:
    handoff_id = _create(engine, make_packet)
    claimed = _claim(engine, handoff_id, "sam")
    assert (claimed.status, claimed.agent, claimed.updated_at) == (
        "assigned",
        "sam",
        LATER,
    )
    with session_scope(engine) as session:
        again = claim_handoff(
            session=session,
            handoff_id=handoff_id,
            agent="sam",
            now=LATER + timedelta(minutes=5),
        )
    assert again == claimed  # unchanged, not even updated_at
    assert _get(engine, handoff_id) == claimed


def test_a_claim_of_a_handoff_someone_else_holds_names_them(
    engine: Engine, make_packet: MakePacket
) -> None:
    handoff_id = _create(engine, make_packet)
    _claim(engine, handoff_id, "sam")
    with pytest.raises(HandoffClaimedError, match="held by agent 'sam'") as caught:
        _claim(engine, handoff_id, "kim")
    assert caught.value.agent == "sam"
    assert isinstance(caught.value, ValueError)
    assert _get(engine, handoff_id).agent == "sam"
    with session_scope(engine) as session:
        create_account(
            session=session,
            username="sam",
            display_name="Sam Agent",
            password="correct horse",
            now=NOW,
        )
    with pytest.raises(HandoffClaimedError, match=r"held by Sam Agent \(agent 'sam'\)"):
        _claim(engine, handoff_id, "kim")


@pytest.mark.parametrize("path", [["closed"], ["assigned", "returned"]])
def test_finished_handoffs_cannot_be_claimed(
    engine: Engine, make_packet: MakePacket, path: list[str]
) -> None:
    handoff_id = _create(engine, make_packet)
    with session_scope(engine) as session:
        for status in path:
            set_status(
                session=session, handoff_id=handoff_id, status=status, now=NOW,
                agent="sam" if status == "assigned" else None,
            )  # fmt: skip
    with pytest.raises(HandoffTransitionError, match="can no longer be claimed"):
        _claim(engine, handoff_id, "sam" if path[0] == "assigned" else "kim")


def test_unknown_handoffs_and_bad_agents_are_refused(
    engine: Engine, make_packet: MakePacket
) -> None:
    for move in (claim_handoff, release_handoff, resolve_handoff):
        with pytest.raises(HandoffNotFoundError, match="No handoff has id 99"):
            with session_scope(engine) as session:
                move(session=session, handoff_id=99, agent="sam", now=NOW)
    handoff_id = _create(engine, make_packet)
    with pytest.raises(ValueError, match="agent is ''; pass non-empty text"):
        _claim(engine, handoff_id, "")
    with pytest.raises(ValueError, match="121 characters; the store keeps at most"):
        _claim(engine, handoff_id, "x" * 121)


def test_release_puts_it_back_in_the_queue_for_anyone(
    engine: Engine, make_packet: MakePacket
) -> None:
    handoff_id = _create(engine, make_packet)
    _claim(engine, handoff_id, "sam")
    with session_scope(engine) as session:
        released = release_handoff(
            session=session, handoff_id=handoff_id, agent="sam", now=LATER
        )
    assert (released.status, released.agent) == ("waiting", None)
    assert _claim(engine, handoff_id, "kim").agent == "kim"


def test_only_the_holder_may_release_or_resolve(
    engine: Engine, make_packet: MakePacket
) -> None:
    handoff_id = _create(engine, make_packet)
    for move in (release_handoff, resolve_handoff):
        with pytest.raises(HandoffNotHeldError, match="'waiting', held by nobody"):
            with session_scope(engine) as session:
                move(session=session, handoff_id=handoff_id, agent="sam", now=LATER)
    _claim(engine, handoff_id, "sam")
    for move in (release_handoff, resolve_handoff):
        with pytest.raises(
            HandoffNotHeldError, match="'kim' does not hold handoff .* 'sam'"
        ):
            with session_scope(engine) as session:
                move(session=session, handoff_id=handoff_id, agent="kim", now=LATER)
    assert _get(engine, handoff_id).agent == "sam"


def test_resolve_hands_it_back_to_the_bot_and_keeps_who_did(
    engine: Engine, make_packet: MakePacket
) -> None:
    handoff_id = _create(engine, make_packet)
    _claim(engine, handoff_id, "sam")
    with session_scope(engine) as session:
        resolved = resolve_handoff(
            session=session, handoff_id=handoff_id, agent="sam", now=LATER
        )
    assert (resolved.status, resolved.agent) == ("returned", "sam")
    with pytest.raises(HandoffNotHeldError, match="'returned', held by nobody"):
        with session_scope(engine) as session:
            resolve_handoff(
                session=session, handoff_id=handoff_id, agent="sam", now=LATER
            )


def test_set_status_back_to_waiting_clears_the_agent(
    engine: Engine, make_packet: MakePacket
) -> None:
    handoff_id = _create(engine, make_packet)
    with session_scope(engine) as session:
        set_status(
            session=session, handoff_id=handoff_id, status="assigned", now=NOW,
            agent="sam",
        )  # fmt: skip
        record = set_status(
            session=session, handoff_id=handoff_id, status="waiting", now=LATER
        )
    assert (record.status, record.agent) == ("waiting", None)


def test_active_handoff_is_the_newest_open_one_of_the_conversation(
    engine: Engine, make_packet: MakePacket
) -> None:
    def active(conversation: str) -> HandoffRecord | None:
        with session_scope(engine) as session:
            return active_handoff(session=session, conversation_id=conversation)

    assert active("conv-1") is None
    first = _create(engine, make_packet, key="c:1")
    _create(engine, make_packet, key="other", conversation="conv-2")
    found = active("conv-1")
    assert found is not None and found.id == first
    _claim(engine, first, "sam")
    found = active("conv-1")
    assert found is not None and (found.id, found.status) == (first, "assigned")
    with session_scope(engine) as session:
        resolve_handoff(session=session, handoff_id=first, agent="sam", now=LATER)
    assert active("conv-1") is None
    second = _create(engine, make_packet, key="c:2", now=LATER)
    third = _create(engine, make_packet, key="c:3", now=LATER + timedelta(seconds=1))
    found = active("conv-1")
    assert found is not None and found.id == third != second


def test_racing_claims_have_exactly_one_winner(
    any_engine: Engine, make_packet: MakePacket
) -> None:
    handoff_id = _create(any_engine, make_packet, customer_id=None)
    barrier = threading.Barrier(CLAIMERS)

    def claim(index: int) -> HandoffRecord | Exception:
        try:
            with session_scope(any_engine) as session:
                session.connection()  # connect first, so the claims overlap
                barrier.wait()
                return claim_handoff(
                    session=session,
                    handoff_id=handoff_id,
                    agent=f"agent{index}",
                    now=LATER,
                )
        except Exception as error:  # noqa: BLE001 - collected and asserted on
            return error

    with ThreadPoolExecutor(max_workers=CLAIMERS) as pool:
        outcomes = list(pool.map(claim, range(CLAIMERS)))
    winners = [o for o in outcomes if isinstance(o, HandoffRecord)]
    losers = [o for o in outcomes if not isinstance(o, HandoffRecord)]
    assert len(winners) == 1, outcomes
    winner = winners[0].agent
    assert all(isinstance(o, HandoffClaimedError) for o in losers), losers
    assert {o.agent for o in losers if isinstance(o, HandoffClaimedError)} == {winner}
    assert _get(any_engine, handoff_id).agent == winner


def test_racing_releases_and_claims_keep_one_holder(
    any_engine: Engine, make_packet: MakePacket
) -> None:
    """The holder releases while others claim: the handoff ends with one holder
    or none, and every refusal is a claim or not-held error."""
    handoff_id = _create(any_engine, make_packet, customer_id=None)
    _claim(any_engine, handoff_id, "agent0")
    barrier = threading.Barrier(CLAIMERS)

    def act(index: int) -> HandoffRecord | Exception:
        move = release_handoff if index == 0 else claim_handoff
        try:
            with session_scope(any_engine) as session:
                session.connection()  # connect first, so the moves overlap
                barrier.wait()
                return move(
                    session=session,
                    handoff_id=handoff_id,
                    agent=f"agent{index}",
                    now=LATER,
                )
        except Exception as error:  # noqa: BLE001 - collected and asserted on
            return error

    with ThreadPoolExecutor(max_workers=CLAIMERS) as pool:
        outcomes = list(pool.map(act, range(CLAIMERS)))
    assert isinstance(outcomes[0], HandoffRecord), outcomes[0]
    claims = [o for o in outcomes[1:] if isinstance(o, HandoffRecord)]
    assert len(claims) <= 1
    assert all(
        isinstance(o, HandoffClaimedError)
        for o in outcomes[1:]
        if not isinstance(o, HandoffRecord)
    ), outcomes
    final = _get(any_engine, handoff_id)
    expected = claims[0].agent if claims else None
    assert final.agent == expected
    assert final.status == ("assigned" if claims else "waiting")
