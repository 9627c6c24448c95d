"""Granting offers on real databases: budgets under races, limits, hold-out, replay.

Every test runs on a temporary SQLite file and on PostgreSQL (skipped, with the
reason, when the server is unreachable).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from actions.offers.errors import (
    OfferBudgetExhaustedError,
    OfferCustomerNotFoundError,
    OfferNotFoundError,
    OfferUnavailableError,
    OfferValueError,
)
from actions.offers.grants import (
    ARM_HOLDOUT,
    ARM_NONE,
    ARM_OFFER,
    OfferDecision,
    assignment_counts,
    decide_offer,
    grant_offer,
)
from actions.offers.holdout import in_holdout
from actions.offers.ranking import OfferProfile
from actions.store.db import session_scope
from actions.store.schema import Offer, OfferAssignment, OfferGrant

T = TypeVar("T")
NOW = datetime(2025, 3, 14, 12, 0, 0)
THREADS = 16


def _profile(customer_id: int, **change: Any) -> OfferProfile:
    profile = OfferProfile(
        customer_id=customer_id,
        loyalty_tier="silver",
        preferred_category="Fashion",
        order_count=4,
        churn_probability=0.2,
        personalisation_consent=True,
    )
    return replace(profile, **change)


def _decide(
    engine: Engine, customer_id: int, conversation: str, share: float = 0.0
) -> OfferDecision:
    with session_scope(engine) as session:
        return decide_offer(
            session=session,
            profile=_profile(customer_id),
            conversation_id=conversation,
            holdout_share=share,
            now=NOW,
        )


def _race(count: int, work: Callable[[int], T]) -> list[T | Exception]:
    """Run ``work(i)`` for i in range(count) on as many threads, released together."""
    barrier = threading.Barrier(count)

    def run(index: int) -> T | Exception:
        barrier.wait()
        try:
            return work(index)
        except Exception as error:  # noqa: BLE001 - collected and asserted on
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def _ledger(engine: Engine) -> dict[str, tuple[int, int, int]]:
    """Per offer code: (granted_count, grant rows, total_budget)."""
    with session_scope(engine) as session:
        grants = dict(
            session.execute(
                select(OfferGrant.offer_id, func.count(OfferGrant.id)).group_by(
                    OfferGrant.offer_id
                )
            ).all()
        )
        return {
            offer.code: (
                offer.granted_count,
                grants.get(offer.id, 0),
                offer.total_budget,
            )
            for offer in session.execute(select(Offer)).scalars()
        }


def _count(session: Session, model: Any) -> int:
    return int(session.execute(select(func.count(model.id))).scalar_one())


@pytest.mark.parametrize(("budget", "already_granted"), [(1, 0), (3, 0), (5, 4)])
def test_racing_decisions_never_overspend_the_last_units(
    engine: Engine,
    add_customers: Callable[..., list[int]],
    add_offer: Callable[..., int],
    budget: int,
    already_granted: int,
) -> None:
    add_customers(THREADS + already_granted)
    add_offer("SCARCE", category="Fashion", value=15.0, total_budget=budget)
    add_offer("FALLBACK", value=5.0, total_budget=1000)
    for customer_id in range(THREADS + 1, THREADS + already_granted + 1):
        with session_scope(engine) as session:
            grant_offer(
                session=session,
                offer_code="SCARCE",
                customer_id=customer_id,
                conversation_id=None,
                reason="earlier grant",
                now=NOW,
            )
    left = budget - already_granted

    results = _race(THREADS, lambda i: _decide(engine, i + 1, f"race-{i}"))

    errors = [result for result in results if isinstance(result, Exception)]
    assert errors == []
    decisions = [result for result in results if isinstance(result, OfferDecision)]
    assert all(decision.arm == ARM_OFFER for decision in decisions)
    won = Counter(decision.offer.code for decision in decisions if decision.offer)
    assert won == {"SCARCE": left, "FALLBACK": THREADS - left}
    ledger = _ledger(engine)
    assert ledger["SCARCE"] == (budget, budget, budget)
    assert ledger["FALLBACK"] == (THREADS - left, THREADS - left, 1000)
    with session_scope(engine) as session:
        assert assignment_counts(session=session) == {"offer": THREADS, "holdout": 0}


@pytest.mark.parametrize("budget", [1, 3])
def test_racing_explicit_grants_for_the_last_units(
    engine: Engine,
    add_customers: Callable[..., list[int]],
    add_offer: Callable[..., int],
    budget: int,
) -> None:
    add_customers(THREADS)
    add_offer("LAST", total_budget=budget)

    def grant(index: int) -> int:
        with session_scope(engine) as session:
            return grant_offer(
                session=session,
                offer_code="LAST",
                customer_id=index + 1,
                conversation_id=f"conv-{index}",
                reason="agent goodwill",
                now=NOW,
            )

    results = _race(THREADS, grant)

    granted = [result for result in results if isinstance(result, int)]
    refused = [result for result in results if isinstance(result, Exception)]
    assert len(granted) == budget and len(set(granted)) == budget
    assert len(refused) == THREADS - budget
    assert all(isinstance(error, OfferBudgetExhaustedError) for error in refused)
    assert "whole budget of" in str(refused[0])
    assert _ledger(engine)["LAST"] == (budget, budget, budget)


def test_racing_conversations_of_one_shopper_respect_the_per_customer_limit(
    engine: Engine,
    add_customers: Callable[..., list[int]],
    add_offer: Callable[..., int],
) -> None:
    add_customers(1)
    add_offer("TWICE", per_customer_limit=2, total_budget=100)

    results = _race(8, lambda i: _decide(engine, 1, f"conversation-{i}"))

    assert not [result for result in results if isinstance(result, Exception)]
    arms = Counter(
        result.arm for result in results if isinstance(result, OfferDecision)
    )
    assert arms == {ARM_OFFER: 2, ARM_NONE: 6}
    assert _ledger(engine)["TWICE"] == (2, 2, 100)


def test_racing_explicit_grants_to_one_shopper_respect_the_per_customer_limit(
    engine: Engine,
    add_customers: Callable[..., list[int]],
    add_offer: Callable[..., int],
) -> None:
    add_customers(1)
    add_offer("TWICE", per_customer_limit=2, total_budget=100)

    def grant(index: int) -> int:
        with session_scope(engine) as session:
            return grant_offer(
                session=session,
                offer_code="TWICE",
                customer_id=1,
                conversation_id=f"conv-{index}",
                reason="agent goodwill",
                now=NOW,
            )

    results = _race(8, grant)

    refused = [result for result in results if isinstance(result, Exception)]
    assert len(refused) == 6
    assert all(isinstance(error, OfferBudgetExhaustedError) for error in refused)
    assert "per-customer limit" in str(refused[0])
    assert _ledger(engine)["TWICE"] == (2, 2, 100)


def test_one_conversation_gets_one_decision_even_when_racing(
    engine: Engine,
    add_customers: Callable[..., list[int]],
    add_offer: Callable[..., int],
) -> None:
    add_customers(1)
    add_offer("MANY", per_customer_limit=5, total_budget=100)

    results = _race(8, lambda _: _decide(engine, 1, "same-conversation"))

    decisions = [result for result in results if isinstance(result, OfferDecision)]
    assert len(decisions) == 8
    assert {decision.grant_id for decision in decisions} == {decisions[0].grant_id}
    assert sum(not decision.replayed for decision in decisions) == 1
    assert _ledger(engine)["MANY"] == (1, 1, 100)


def test_second_call_in_a_conversation_replays_the_first_decision(
    engine: Engine,
    add_customers: Callable[..., list[int]],
    add_offer: Callable[..., int],
) -> None:
    add_customers(1)
    add_offer("FASHION", category="Fashion", value=15.0, per_customer_limit=3)
    add_offer("GENERAL", value=5.0, per_customer_limit=3)

    first = _decide(engine, 1, "conv-a")
    again = _decide(engine, 1, "conv-a")
    other = _decide(engine, 1, "conv-b")

    assert (first.arm, first.offer and first.offer.code) == (ARM_OFFER, "FASHION")
    assert "category_fit" in first.offer.reasons  # type: ignore[union-attr]
    assert not first.replayed and again.replayed and not other.replayed
    assert (again.arm, again.grant_id) == (ARM_OFFER, first.grant_id)
    assert again.offer is not None and again.offer.code == "FASHION"
    assert other.grant_id != first.grant_id
    with session_scope(engine) as session:
        grants = (
            session.execute(select(OfferGrant).order_by(OfferGrant.id)).scalars().all()
        )
        assert [grant.conversation_id for grant in grants] == ["conv-a", "conv-b"]
        assert grants[0].reason.startswith("next-best-offer (category_fit")
        assert grants[0].granted_at == NOW
        assert _count(session, OfferAssignment) == 2


def test_held_out_shopper_gets_nothing_but_the_assignment_is_recorded(
    engine: Engine,
    add_customers: Callable[..., list[int]],
    add_offer: Callable[..., int],
) -> None:
    add_customers(1)
    offer_id = add_offer("FASHION", category="Fashion")

    decision = _decide(engine, 1, "conv-held", share=1.0)
    replay = _decide(engine, 1, "conv-held", share=0.0)

    assert decision.arm == ARM_HOLDOUT and decision.grant_id is None
    assert decision.offer is not None and decision.offer.code == "FASHION"
    assert replay.arm == ARM_HOLDOUT and replay.replayed
    with session_scope(engine) as session:
        assert _count(session, OfferGrant) == 0
        assignment = session.execute(select(OfferAssignment)).scalar_one()
        assert (assignment.arm, assignment.offer_id) == (ARM_HOLDOUT, offer_id)
        assert assignment.churn_probability == pytest.approx(0.2)
        assert assignment_counts(session=session) == {"offer": 0, "holdout": 1}
    assert _ledger(engine)["FASHION"] == (0, 0, 100)


def test_hold_out_splits_eligible_shoppers_by_the_stable_hash(
    engine: Engine,
    add_customers: Callable[..., list[int]],
    add_offer: Callable[..., int],
) -> None:
    ids = add_customers(40)
    add_offer("GENERAL")

    arms = {i: _decide(engine, i, f"conv-{i}", share=0.5).arm for i in ids}

    expected = {i: ARM_HOLDOUT if in_holdout(i, 0.5) else ARM_OFFER for i in ids}
    assert arms == expected
    assert 0 < sum(arm == ARM_HOLDOUT for arm in arms.values()) < 40


def test_nothing_eligible_records_nothing(
    engine: Engine,
    add_customers: Callable[..., list[int]],
    add_offer: Callable[..., int],
) -> None:
    add_customers(1)
    add_offer("GROCERY", category="Grocery")
    add_offer("OFF", active=False)
    add_offer("OLD", valid_until=NOW.date() - timedelta(days=1))
    add_offer("SPENT", total_budget=2, granted_count=2)

    decision = _decide(engine, 1, "conv-none", share=1.0)

    assert decision == OfferDecision(arm=ARM_NONE)
    with session_scope(engine) as session:
        assert assignment_counts(session=session) == {"offer": 0, "holdout": 0}
        assert _count(session, OfferGrant) == 0


def test_unknown_customer_is_refused_and_nothing_is_written(
    engine: Engine, add_offer: Callable[..., int]
) -> None:
    add_offer("GENERAL")
    with pytest.raises(OfferCustomerNotFoundError, match="Customer 99"):
        _decide(engine, 99, "conv-ghost")
    with pytest.raises(LookupError):
        with session_scope(engine) as session:
            grant_offer(
                session=session,
                offer_code="GENERAL",
                customer_id=99,
                conversation_id=None,
                reason="test",
                now=NOW,
            )
    assert _ledger(engine)["GENERAL"] == (0, 0, 100)


def test_explicit_grant_refuses_unknown_switched_off_and_expired_offers(
    engine: Engine,
    add_customers: Callable[..., list[int]],
    add_offer: Callable[..., int],
) -> None:
    add_customers(1)
    add_offer("OFF", active=False)
    add_offer("OLD", valid_until=date(2025, 3, 13))
    add_offer("TODAY", valid_until=date(2025, 3, 14))

    def grant(code: str) -> int:
        with session_scope(engine) as session:
            return grant_offer(
                session=session,
                offer_code=code,
                customer_id=1,
                conversation_id="conv",
                reason="agent goodwill",
                now=NOW.replace(tzinfo=timezone.utc),
            )

    with pytest.raises(OfferNotFoundError, match="'NOPE'"):
        grant("NOPE")
    with pytest.raises(OfferUnavailableError, match="'OFF'"):
        grant("OFF")
    with pytest.raises(OfferUnavailableError, match="2025-03-13"):
        grant("OLD")
    assert grant("TODAY") > 0
    ledger = _ledger(engine)
    assert ledger["OFF"] == (0, 0, 100) and ledger["OLD"] == (0, 0, 100)
    assert ledger["TODAY"] == (1, 1, 100)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"holdout_share": 1.5}, "Hold-out share"),
        ({"holdout_share": -0.1}, "Hold-out share"),
        ({"conversation_id": ""}, "conversation_id"),
        ({"conversation_id": "x" * 256}, "conversation_id"),
        ({"conversation_id": None}, "conversation_id"),
        ({"now": "2025-03-14"}, "datetime"),
    ],
)
def test_bad_decision_input_is_refused_before_anything_is_written(
    engine: Engine,
    add_customers: Callable[..., list[int]],
    add_offer: Callable[..., int],
    arguments: dict[str, Any],
    message: str,
) -> None:
    add_customers(1)
    add_offer("GENERAL")
    call: dict[str, Any] = {
        "profile": _profile(1),
        "conversation_id": "conv",
        "holdout_share": 0.1,
        "now": NOW,
    }
    call.update(arguments)
    with pytest.raises(ValueError, match=message) as caught:
        with session_scope(engine) as session:
            decide_offer(session=session, **call)
    assert isinstance(caught.value, OfferValueError)
    assert _ledger(engine)["GENERAL"] == (0, 0, 100)


def test_sql_like_codes_and_conversation_ids_are_plain_data(
    engine: Engine,
    add_customers: Callable[..., list[int]],
    add_offer: Callable[..., int],
) -> None:
    add_customers(2)
    nasty_code = "X'); DROP TABLE offers;--"
    nasty_conversation = "'; DELETE FROM offer_grants; --"
    add_offer(nasty_code, category="Fashion")

    decision = _decide(engine, 1, nasty_conversation)
    replay = _decide(engine, 1, nasty_conversation)
    with session_scope(engine) as session:
        grant_id = grant_offer(
            session=session,
            offer_code=nasty_code,
            customer_id=2,
            conversation_id=nasty_conversation,
            reason="'; UPDATE offers SET total_budget = 0; --",
            now=NOW,
        )
    with pytest.raises(OfferNotFoundError):
        with session_scope(engine) as session:
            grant_offer(
                session=session,
                offer_code="' OR '1'='1",
                customer_id=2,
                conversation_id=nasty_conversation,
                reason="test",
                now=NOW,
            )

    assert decision.offer is not None and decision.offer.code == nasty_code
    assert replay.replayed and replay.grant_id == decision.grant_id
    assert grant_id != decision.grant_id
    assert {"offers", "offer_grants", "offer_assignments"} <= set(
        inspect(engine).get_table_names()
    )
    assert _ledger(engine)[nasty_code] == (2, 2, 100)
    with session_scope(engine) as session:
        conversations = set(
            session.execute(select(OfferGrant.conversation_id)).scalars()
        )
        assert conversations == {nasty_conversation}
