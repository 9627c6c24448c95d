"""``decide_offer(grant=False)``: the bot suggests, a person grants.

Runs on a temporary SQLite file and on PostgreSQL (skipped, naming why, when
the server is unreachable).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from actions.offers.grants import (
    ARM_HOLDOUT,
    ARM_NONE,
    ARM_OFFER,
    OfferDecision,
    assignment_counts,
    decide_offer,
    grant_offer,
)
from actions.offers.ranking import OfferProfile
from actions.store.db import session_scope
from actions.store.schema import Offer, OfferAssignment, OfferGrant

NOW = datetime(2025, 3, 14, 12, 0, 0)


def _suggest(
    engine: Engine, conversation: str, share: float = 0.0, grant: bool = False
) -> OfferDecision:
    with session_scope(engine) as session:
        return decide_offer(
            session=session,
            profile=OfferProfile(
                customer_id=1,
                loyalty_tier="silver",
                preferred_category="Fashion",
                order_count=4,
                churn_probability=0.7,
                personalisation_consent=True,
            ),
            conversation_id=conversation,
            holdout_share=share,
            now=NOW,
            grant=grant,
        )


def _state(engine: Engine) -> tuple[dict[str, int], int, list[tuple[str, int]]]:
    """(granted_count per code, grant rows, [(arm, offer id)] of assignments)."""
    with session_scope(engine) as session:
        counts = dict(session.execute(select(Offer.code, Offer.granted_count)).all())
        grants = session.execute(select(func.count(OfferGrant.id))).scalar_one()
        arms = session.execute(
            select(OfferAssignment.arm, OfferAssignment.offer_id).order_by(
                OfferAssignment.id
            )
        ).all()
    return counts, int(grants), [tuple(row) for row in arms]


def test_a_suggestion_records_the_arm_but_grants_nothing(
    engine: Engine,
    add_customers: Callable[..., list[int]],
    add_offer: Callable[..., int],
) -> None:
    add_customers(1)
    fashion = add_offer("FASHION", category="Fashion", value=15.0, total_budget=1)
    add_offer("GENERAL", value=5.0)

    decision = _suggest(engine, "conv-a")

    assert decision.arm == ARM_OFFER and decision.grant_id is None
    assert decision.offer is not None and decision.offer.code == "FASHION"
    assert not decision.replayed
    assert _state(engine) == ({"FASHION": 0, "GENERAL": 0}, 0, [(ARM_OFFER, fashion)])
    with session_scope(engine) as session:
        assert assignment_counts(session=session) == {"offer": 1, "holdout": 0}


def test_a_repeat_replays_the_suggestion_and_then_the_agents_grant(
    engine: Engine,
    add_customers: Callable[..., list[int]],
    add_offer: Callable[..., int],
) -> None:
    add_customers(1)
    add_offer("FASHION", category="Fashion", value=15.0)
    first = _suggest(engine, "conv-a")
    again = _suggest(engine, "conv-a", grant=True)  # replays: grants nothing
    assert again.replayed and (again.arm, again.grant_id) == (ARM_OFFER, None)
    assert _state(engine)[:2] == ({"FASHION": 0}, 0)

    with session_scope(engine) as session:
        grant_id = grant_offer(
            session=session,
            offer_code="FASHION",
            customer_id=1,
            conversation_id="conv-a",
            reason="agent sam, handoff 1",
            now=NOW,
        )
    replay = _suggest(engine, "conv-a")
    assert replay.replayed and replay.grant_id == grant_id
    assert first.offer is not None and replay.offer is not None
    assert replay.offer.code == first.offer.code
    assert _state(engine)[:2] == ({"FASHION": 1}, 1)


def test_a_suggestion_ignores_a_budget_the_grant_will_check(
    engine: Engine,
    add_customers: Callable[..., list[int]],
    add_offer: Callable[..., int],
) -> None:
    """The suggestion is the best-ranked offer with budget left when ranked;
    an exhausted one is not suggested (the ranking leaves it out)."""
    add_customers(1)
    add_offer(
        "FASHION", category="Fashion", value=15.0, total_budget=1, granted_count=1
    )
    general = add_offer("GENERAL", value=5.0)
    decision = _suggest(engine, "conv-a")
    assert decision.offer is not None and decision.offer.code == "GENERAL"
    assert _state(engine)[2] == [(ARM_OFFER, general)]


def test_held_out_and_ineligible_shoppers_are_unchanged(
    engine: Engine,
    add_customers: Callable[..., list[int]],
    add_offer: Callable[..., int],
) -> None:
    add_customers(1)
    offer_id = add_offer("FASHION", category="Fashion")
    held = _suggest(engine, "conv-held", share=1.0)
    assert (held.arm, held.grant_id) == (ARM_HOLDOUT, None)
    assert _state(engine) == ({"FASHION": 0}, 0, [(ARM_HOLDOUT, offer_id)])
    with session_scope(engine) as session:
        session.execute(Offer.__table__.update().values(active=False))
    nothing = _suggest(engine, "conv-none")
    assert nothing == OfferDecision(arm=ARM_NONE)
    assert len(_state(engine)[2]) == 1


@pytest.mark.parametrize("grant", [True, False])
def test_grant_defaults_to_true(
    engine: Engine,
    add_customers: Callable[..., list[int]],
    add_offer: Callable[..., int],
    grant: bool,
) -> None:
    add_customers(1)
    add_offer("GENERAL")
    with session_scope(engine) as session:
        arguments: dict[str, Any] = {
            "session": session,
            "profile": OfferProfile(customer_id=1, loyalty_tier="silver"),
            "conversation_id": "conv-d",
            "holdout_share": 0.0,
            "now": NOW,
        }
        decision = (
            decide_offer(**arguments)
            if grant
            else decide_offer(**arguments, grant=False)
        )
    assert (decision.grant_id is not None) is grant
    assert _state(engine)[1] == (1 if grant else 0)
