"""The default offer catalogue, offer spec validation and idempotent seeding."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from actions.churn.features import CATEGORIES
from actions.offers.catalogue import DEFAULT_OFFERS, seed_offers
from actions.offers.errors import OfferValueError
from actions.offers.grants import (
    ARM_NONE,
    ARM_OFFER,
    OfferDecision,
    decide_offer,
    load_candidates,
)
from actions.offers.ranking import NO_COMPLAINT, OfferProfile, is_eligible
from actions.store.db import session_scope
from actions.store.schema import Customer, Offer

SPEC = DEFAULT_OFFERS[0]


def test_default_catalogue_is_realistic() -> None:
    codes = [spec.code for spec in DEFAULT_OFFERS]
    assert 8 <= len(codes) <= 10
    assert len(set(codes)) == len(codes)
    categories = {spec.category for spec in DEFAULT_OFFERS} - {None}
    assert categories == set(CATEGORIES["PreferedOrderCat"])
    by_code = {spec.code: spec for spec in DEFAULT_OFFERS}
    assert by_code["FREESHIP-GOLD"].min_tier == "gold"
    assert by_code["FREESHIP-GOLD"].kind == "free_shipping"
    assert by_code["CASHBACK-BOOST"].kind == "cashback"
    assert by_code["STAY20"].min_churn_risk == 0.5
    assert by_code["SORRY5"].requires_complaint
    assert min(spec.total_budget for spec in DEFAULT_OFFERS) <= 50
    assert all(spec.per_customer_limit >= 1 for spec in DEFAULT_OFFERS)


def test_seeding_is_idempotent_by_code(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        assert seed_offers(session) == len(DEFAULT_OFFERS)
    with session_scope(sqlite_engine) as session:
        assert seed_offers(session) == 0
        rows = {row.code: row for row in session.execute(select(Offer)).scalars()}
    assert set(rows) == {spec.code for spec in DEFAULT_OFFERS}
    assert rows["SORRY5"].requires_complaint
    assert not any(
        row.requires_complaint for code, row in rows.items() if code != "SORRY5"
    )
    stay = rows["STAY20"]
    assert (stay.kind, stay.value, stay.total_budget, stay.granted_count) == (
        "voucher",
        2000.0,
        50,
        0,
    )
    assert stay.min_churn_risk == 0.5 and stay.active


def test_goodwill_voucher_is_seeded_and_only_for_shoppers_who_complained(
    sqlite_engine: Engine,
) -> None:
    today = date(2025, 3, 14)
    with session_scope(sqlite_engine) as session:
        seed_offers(session)
        session.add(
            Customer(
                id=1,
                name="Shopper 1",
                email="shopper1@example.test",
                loyalty_tier="bronze",
                personalisation_consent=True,
                created_at=datetime(2025, 1, 1),
            )
        )
    calm = OfferProfile(
        customer_id=1, loyalty_tier="bronze", personalisation_consent=True
    )
    upset = replace(calm, complained_recently=True)
    with session_scope(sqlite_engine) as session:
        candidates = load_candidates(session=session, customer_id=1, today=today)
    sorry = {candidate.code: candidate for candidate in candidates}["SORRY5"]
    assert sorry.requires_complaint
    refused = is_eligible(sorry, calm, today)
    assert not refused and refused.reason == NO_COMPLAINT
    assert is_eligible(sorry, upset, today)

    # With only the goodwill voucher switched on, the decision follows the flag.
    with session_scope(sqlite_engine) as session:
        session.execute(
            update(Offer).where(Offer.code != "SORRY5").values(active=False)
        )
    decisions: dict[str, OfferDecision] = {}
    for name, profile in (("calm", calm), ("upset", upset)):
        with session_scope(sqlite_engine) as session:
            decisions[name] = decide_offer(
                session=session,
                profile=profile,
                conversation_id=f"conversation-{name}",
                holdout_share=0.0,
                now=datetime(2025, 3, 14, 12, 0, 0),
            )
    assert decisions["calm"].arm == ARM_NONE
    assert decisions["upset"].arm == ARM_OFFER
    assert decisions["upset"].offer is not None
    assert decisions["upset"].offer.code == "SORRY5"
    assert "goodwill" in decisions["upset"].offer.reasons


def test_seeding_keeps_rows_the_shop_edited(sqlite_engine: Engine) -> None:
    with session_scope(sqlite_engine) as session:
        seed_offers(session, [SPEC])
    with session_scope(sqlite_engine) as session:
        row = session.execute(select(Offer).where(Offer.code == SPEC.code)).scalar_one()
        row.total_budget = 7
    extra = replace(SPEC, code="NEW-ONE")
    with session_scope(sqlite_engine) as session:
        assert seed_offers(session, [SPEC, extra]) == 1
        budget = session.execute(
            select(Offer.total_budget).where(Offer.code == SPEC.code)
        ).scalar_one()
    assert budget == 7


def test_duplicate_codes_are_refused_before_writing(sqlite_engine: Engine) -> None:
    with pytest.raises(OfferValueError, match="more than once"):
        with session_scope(sqlite_engine) as session:
            seed_offers(session, [SPEC, replace(SPEC, title="Another")])
    with session_scope(sqlite_engine) as session:
        assert session.execute(select(func.count(Offer.id))).scalar_one() == 0


@pytest.mark.parametrize(
    "change",
    [
        {"code": ""},
        {"code": "X" * 33},
        {"title": "  "},
        {"kind": "bogof"},
        {"value": -1.0},
        {"value": 0.0},
        {"value": 150.0},
        {"value": float("nan")},
        {"min_tier": "diamond"},
        {"min_churn_risk": 1.2},
        {"min_churn_risk": 0.6, "max_churn_risk": 0.4},
        {"min_orders": -1},
        {"per_customer_limit": 0},
        {"total_budget": -5},
        {"total_budget": 2.5},
    ],
)
def test_bad_offer_spec_names_the_field(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as caught:
        replace(SPEC, **change)
    assert isinstance(caught.value, OfferValueError)
    assert any(name in str(caught.value) for name in change)


def test_spec_becomes_a_candidate_with_its_remaining_budget() -> None:
    candidate = SPEC.as_candidate(3, granted_count=299, customer_grants=1)
    assert (candidate.offer_id, candidate.code, candidate.remaining_budget) == (
        3,
        SPEC.code,
        1,
    )
    assert candidate.customer_grants == 1
    assert SPEC.as_candidate(3, granted_count=400).remaining_budget == 0
