"""An agent grants the packet's suggested offer: holder only, once per handoff.

The racing test runs on SQLite and on PostgreSQL (skipped, naming why, when the
server is unreachable).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from actions.escalation.packet import HandoffPacket
from actions.handoffs.errors import (
    HandoffNoOfferError,
    HandoffNotFoundError,
    HandoffNotHeldError,
)
from actions.handoffs.offers import (
    SuggestedGrant,
    grant_suggested_offer,
    granted_suggestion,
)
from actions.handoffs.store import claim_handoff, create_handoff, get_handoff
from actions.offers.errors import OfferBudgetExhaustedError, OfferUnavailableError
from actions.store.db import session_scope
from actions.store.schema import Offer, OfferGrant

NOW = datetime(2024, 5, 1, 12, 0, 0)
CODE = "STAY10"  # the conftest packet's suggested offer
GRANTERS = 8
MakePacket = Callable[..., HandoffPacket]


def _add_offer(engine: Engine, **columns: Any) -> None:
    values: dict[str, Any] = {
        "code": CODE,
        "title": "10% off",
        "description": "Ten percent off the next order.",
        "kind": "percent_discount",
        "value": 10.0,
        "per_customer_limit": 3,
        "total_budget": 100,
        "granted_count": 0,
        "min_orders": 0,
        "active": True,
    }
    values.update(columns)
    with session_scope(engine) as session:
        session.add(Offer(**values))


def _handoff(
    engine: Engine, make_packet: MakePacket, agent: str | None = "sam", **packet: Any
) -> int:
    with session_scope(engine) as session:
        record = create_handoff(
            session=session,
            packet=make_packet(**packet),
            key=f"k:{packet}",
            now=NOW,
        )
        if agent is not None:
            claim_handoff(session=session, handoff_id=record.id, agent=agent, now=NOW)
    return record.id


def _grant(engine: Engine, handoff_id: int, agent: str = "sam") -> SuggestedGrant:
    with session_scope(engine) as session:
        return grant_suggested_offer(
            session=session, handoff_id=handoff_id, agent=agent, now=NOW
        )


def _ledger(engine: Engine) -> tuple[int, list[tuple[str | None, str]]]:
    """(the offer's granted_count, [(conversation, reason)] of its grants)."""
    with session_scope(engine) as session:
        count = session.execute(
            select(Offer.granted_count).where(Offer.code == CODE)
        ).scalar_one()
        grants = session.execute(
            select(OfferGrant.conversation_id, OfferGrant.reason).order_by(
                OfferGrant.id
            )
        ).all()
    return int(count), [tuple(row) for row in grants]


def test_the_holder_grants_it_once(engine: Engine, make_packet: MakePacket) -> None:
    _add_offer(engine)
    handoff_id = _handoff(engine, make_packet)
    first = _grant(engine, handoff_id)
    assert (first.code, first.title, first.already_granted) == (CODE, "10% off", False)
    again = _grant(engine, handoff_id)
    assert again == SuggestedGrant(first.grant_id, CODE, "10% off", True)
    assert _ledger(engine) == (1, [("conv-1", f"agent sam, handoff {handoff_id}")])


def test_a_grant_the_bot_made_earlier_counts_as_the_first(
    engine: Engine, make_packet: MakePacket
) -> None:
    _add_offer(engine, granted_count=1)
    with session_scope(engine) as session:
        offer_id = session.execute(select(Offer.id)).scalar_one()
        session.add(
            OfferGrant(
                offer_id=offer_id,
                customer_id=42,
                conversation_id="conv-1",
                reason="next-best-offer (bot)",
                granted_at=NOW,
            )
        )
    grant = _grant(engine, _handoff(engine, make_packet))
    assert grant.already_granted
    assert _ledger(engine)[0] == 1


def test_the_console_can_tell_whether_it_was_granted(
    engine: Engine, make_packet: MakePacket
) -> None:
    _add_offer(engine)
    handoff_id = _handoff(engine, make_packet)

    def granted() -> SuggestedGrant | None:
        with session_scope(engine) as session:
            record = get_handoff(session=session, handoff_id=handoff_id)
            assert record is not None
            return granted_suggestion(session=session, record=record)

    assert granted() is None
    first = _grant(engine, handoff_id)
    assert granted() == SuggestedGrant(first.grant_id, CODE, "10% off", True)


def test_only_the_holder_may_grant(engine: Engine, make_packet: MakePacket) -> None:
    _add_offer(engine)
    held = _handoff(engine, make_packet)
    with pytest.raises(HandoffNotHeldError, match="'kim' does not hold handoff"):
        _grant(engine, held, agent="kim")
    waiting = _handoff(engine, make_packet, agent=None, conversation_id="conv-2")
    with pytest.raises(HandoffNotHeldError, match="held by nobody"):
        _grant(engine, waiting)
    with pytest.raises(HandoffNotFoundError):
        _grant(engine, 999)
    assert _ledger(engine) == (0, [])


@pytest.mark.parametrize(
    ("packet", "message"),
    [
        ({"suggested_offer": None}, "suggests no offer"),
        (
            {"suggested_offer": {"code": CODE, "title": "10% off", "arm": "holdout"}},
            "'holdout' arm of the offer experiment; do not grant 'STAY10'",
        ),
        ({"customer_id": None}, "no signed-in customer"),
    ],
)
def test_no_grantable_offer_is_refused(
    engine: Engine, make_packet: MakePacket, packet: dict[str, Any], message: str
) -> None:
    _add_offer(engine)
    handoff_id = _handoff(engine, make_packet, **packet)
    with pytest.raises(HandoffNoOfferError, match=message) as caught:
        _grant(engine, handoff_id)
    assert isinstance(caught.value, LookupError)
    assert _ledger(engine) == (0, [])


def test_offer_errors_propagate(engine: Engine, make_packet: MakePacket) -> None:
    _add_offer(engine, total_budget=1, granted_count=1)
    handoff_id = _handoff(engine, make_packet)
    with pytest.raises(OfferBudgetExhaustedError, match="whole budget of 1"):
        _grant(engine, handoff_id)
    with session_scope(engine) as session:
        offer = session.execute(select(Offer)).scalar_one()
        offer.total_budget = 5
        offer.active = False
    with pytest.raises(OfferUnavailableError):
        _grant(engine, handoff_id)
    assert _ledger(engine) == (1, [])


def test_racing_grants_of_one_handoff_grant_once(
    any_engine: Engine, make_packet: MakePacket
) -> None:
    _add_offer(any_engine)
    handoff_id = _handoff(any_engine, make_packet)
    barrier = threading.Barrier(GRANTERS)

    def grant(_: int) -> SuggestedGrant | Exception:
        try:
            with session_scope(any_engine) as session:
                session.connection()  # connect first, so the calls overlap
                barrier.wait()
                return grant_suggested_offer(
                    session=session, handoff_id=handoff_id, agent="sam", now=NOW
                )
        except Exception as error:  # noqa: BLE001 - collected and asserted on
            return error

    with ThreadPoolExecutor(max_workers=GRANTERS) as pool:
        outcomes = list(pool.map(grant, range(GRANTERS)))
    assert all(isinstance(o, SuggestedGrant) for o in outcomes), outcomes
    grants = [o for o in outcomes if isinstance(o, SuggestedGrant)]
    assert sum(not g.already_granted for g in grants) == 1
    assert len({g.grant_id for g in grants}) == 1
    count, rows = _ledger(any_engine)
    assert (count, len(rows)) == (1, 1)
