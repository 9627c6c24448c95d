"""Eligibility and next-best-offer ranking (pure)."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from actions.offers import ranking
from actions.offers.catalogue import DEFAULT_OFFERS
from actions.offers.errors import OfferValueError
from actions.offers.ranking import (
    OfferCandidate,
    OfferProfile,
    is_eligible,
    rank_offers,
    score_offer,
)
from actions.store.schema import LOYALTY_TIERS, OFFER_KINDS

TODAY = date(2025, 3, 14)


def _offer(
    offer_id: int, code: str, kind: str, value: float, **kw: Any
) -> OfferCandidate:
    fields: dict[str, Any] = {"remaining_budget": 10, "per_customer_limit": 1}
    fields.update(kw)
    return OfferCandidate(
        offer_id=offer_id, code=code, kind=kind, value=value, **fields
    )


# A catalogue where each profile signal has exactly one offer it should favour.
CATALOGUE = (
    _offer(1, "CAT", "percent_discount", 10.0, category="Fashion"),
    _offer(2, "PCT", "percent_discount", 5.0),
    _offer(3, "SHIP", "free_shipping", 0.0, min_tier="gold"),
    _offer(4, "CASH", "cashback", 300.0),
    _offer(5, "KEEP", "voucher", 2000.0, min_churn_risk=0.5),
    _offer(6, "SORRY", "voucher", 500.0, requires_complaint=True),
    _offer(7, "BASIC", "voucher", 100.0),
)
BASE = OfferProfile(
    customer_id=7,
    loyalty_tier="silver",
    preferred_category=None,
    cashback_amount=0.0,
    coupons_used=0,
    order_count=5,
    churn_probability=0.1,
    complained_recently=False,
    personalisation_consent=True,
)


def _codes(profile: OfferProfile, offers: Any = CATALOGUE) -> list[str]:
    return [scored.code for scored in rank_offers(offers, profile, TODAY)]


def test_neutral_profile_gets_general_offers_cheapest_first() -> None:
    assert _codes(BASE) == ["BASIC", "PCT", "CASH"]


@pytest.mark.parametrize(
    ("change", "expected_top", "reason"),
    [
        ({"preferred_category": "Fashion"}, "CAT", "category_fit"),
        ({"preferred_category": " fashion "}, "CAT", "category_fit"),
        ({"loyalty_tier": "gold"}, "SHIP", "tier_perk"),
        ({"coupons_used": 4}, "PCT", "coupon_affinity"),
        ({"cashback_amount": 300.0}, "CASH", "cashback_affinity"),
        ({"churn_probability": 0.8}, "KEEP", "retention"),
        ({"complained_recently": True}, "SORRY", "goodwill"),
    ],
)
def test_each_profile_signal_moves_its_offer_to_the_top(
    change: dict[str, Any], expected_top: str, reason: str
) -> None:
    before = _codes(BASE)
    assert before[0] != expected_top
    ranked = rank_offers(CATALOGUE, replace(BASE, **change), TODAY)
    assert ranked[0].code == expected_top
    assert reason in ranked[0].reasons
    assert ranked[0].score > 0


def test_stronger_signal_scores_higher() -> None:
    cash = CATALOGUE[3]
    scores = [
        score_offer(cash, replace(BASE, cashback_amount=amount)).score
        for amount in (0.0, 100.0, 200.0, 400.0)
    ]
    assert scores == sorted(scores) and scores[0] < scores[-1]
    keep = CATALOGUE[4]
    assert (
        score_offer(keep, replace(BASE, churn_probability=0.9)).score
        > score_offer(keep, replace(BASE, churn_probability=0.55)).score
    )


def test_high_churn_risk_outranks_category_and_coupon_fit() -> None:
    profile = replace(
        BASE, preferred_category="Fashion", coupons_used=4, churn_probability=0.9
    )
    assert _codes(profile)[0] == "KEEP"


def test_default_catalogue_scenarios() -> None:
    offers = [
        spec.as_candidate(offer_id) for offer_id, spec in enumerate(DEFAULT_OFFERS, 1)
    ]
    laptop_lover = replace(
        BASE, preferred_category="Laptop & Accessory", coupons_used=3
    )
    assert _codes(laptop_lover, offers)[0] == "LAPTOP10"
    at_risk = replace(laptop_lover, churn_probability=0.7)
    assert _codes(at_risk, offers)[0] == "STAY20"
    cashback_lover = replace(BASE, preferred_category="Grocery", cashback_amount=280.0)
    assert _codes(cashback_lover, offers)[0] == "CASHBACK-BOOST"
    upset = replace(BASE, complained_recently=True)
    assert _codes(upset, offers)[0] == "SORRY5"
    gold = replace(BASE, loyalty_tier="gold")
    assert _codes(gold, offers)[0] == "FREESHIP-GOLD"


def test_without_consent_only_offers_needing_no_profile_and_no_behaviour_terms() -> (
    None
):
    profile = replace(
        BASE,
        loyalty_tier="gold",
        preferred_category="Fashion",
        coupons_used=4,
        cashback_amount=300.0,
        churn_probability=0.9,
        complained_recently=True,
        personalisation_consent=False,
    )
    ranked = rank_offers(CATALOGUE, profile, TODAY)
    assert [scored.code for scored in ranked] == ["SHIP", "BASIC", "PCT", "CASH"]
    assert all(not scored.candidate.needs_profile for scored in ranked)
    assert ranked[0].reasons == ("tier_perk",)
    assert all(scored.reasons == () for scored in ranked[1:])
    for code in ("CAT", "KEEP", "SORRY"):
        candidate = next(offer for offer in CATALOGUE if offer.code == code)
        assert is_eligible(candidate, profile, TODAY).reason == ranking.NEEDS_CONSENT


def test_ties_are_broken_by_cost_then_code_whatever_the_input_order() -> None:
    offers = [
        _offer(1, "B-TWIN", "voucher", 300.0),
        _offer(2, "A-TWIN", "voucher", 300.0),
        _offer(3, "CHEAP", "voucher", 200.0),
        _offer(4, "DEAR", "percent_discount", 20.0),
    ]
    expected = ["CHEAP", "A-TWIN", "B-TWIN", "DEAR"]
    for order in itertools.permutations(offers):
        assert _codes(BASE, order) == expected


def test_ineligible_offers_are_not_ranked() -> None:
    spent = replace(CATALOGUE[6], remaining_budget=0)
    assert "BASIC" not in _codes(BASE, [*CATALOGUE[:6], spent])
    assert rank_offers([], BASE, TODAY) == []


@pytest.mark.parametrize(
    ("offer_change", "profile_change", "reason"),
    [
        ({"active": False}, {}, ranking.INACTIVE),
        ({"valid_until": TODAY - timedelta(days=1)}, {}, ranking.EXPIRED),
        ({"remaining_budget": 0}, {}, ranking.BUDGET_EXHAUSTED),
        ({"remaining_budget": -2}, {}, ranking.BUDGET_EXHAUSTED),
        ({"customer_grants": 1}, {}, ranking.CUSTOMER_LIMIT_REACHED),
        (
            {"per_customer_limit": 3, "customer_grants": 3},
            {},
            ranking.CUSTOMER_LIMIT_REACHED,
        ),
        ({"min_tier": "gold"}, {"loyalty_tier": "silver"}, ranking.TIER_TOO_LOW),
        ({"min_tier": "platinum"}, {"loyalty_tier": "gold"}, ranking.TIER_TOO_LOW),
        ({"min_orders": 6}, {"order_count": 5}, ranking.TOO_FEW_ORDERS),
        (
            {"category": "Grocery"},
            {"preferred_category": "Fashion"},
            ranking.OTHER_CATEGORY,
        ),
        ({"category": "Grocery"}, {"preferred_category": None}, ranking.OTHER_CATEGORY),
        (
            {"min_churn_risk": 0.5},
            {"churn_probability": 0.49},
            ranking.CHURN_RISK_TOO_LOW,
        ),
        (
            {"max_churn_risk": 0.3},
            {"churn_probability": 0.31},
            ranking.CHURN_RISK_TOO_HIGH,
        ),
        (
            {"min_churn_risk": 0.5},
            {"churn_probability": None},
            ranking.CHURN_RISK_UNKNOWN,
        ),
        ({"requires_complaint": True}, {}, ranking.NO_COMPLAINT),
        (
            {"category": "Fashion"},
            {"personalisation_consent": False},
            ranking.NEEDS_CONSENT,
        ),
    ],
)
def test_ineligible_offer_names_its_reason(
    offer_change: dict[str, Any], profile_change: dict[str, Any], reason: str
) -> None:
    candidate = replace(CATALOGUE[1], **offer_change)
    profile = replace(BASE, **profile_change)
    verdict = is_eligible(candidate, profile, TODAY)
    assert not verdict
    assert verdict.reason == reason
    assert candidate.code in verdict.detail


@pytest.mark.parametrize(
    ("offer_change", "profile_change"),
    [
        ({}, {}),
        ({"valid_until": TODAY}, {}),
        ({"per_customer_limit": 3, "customer_grants": 2}, {}),
        ({"remaining_budget": 1}, {}),
        ({"min_tier": "gold"}, {"loyalty_tier": "gold"}),
        ({"min_tier": "gold"}, {"loyalty_tier": "platinum"}),
        ({"min_orders": 5}, {"order_count": 5}),
        ({"min_churn_risk": 0.5}, {"churn_probability": 0.5}),
        ({"min_churn_risk": 0.2, "max_churn_risk": 0.4}, {"churn_probability": 0.4}),
        ({"requires_complaint": True}, {"complained_recently": True}),
        (
            {"min_tier": "gold"},
            {"loyalty_tier": "gold", "personalisation_consent": False},
        ),
    ],
)
def test_boundaries_are_inclusive(
    offer_change: dict[str, Any], profile_change: dict[str, Any]
) -> None:
    verdict = is_eligible(
        replace(CATALOGUE[1], **offer_change), replace(BASE, **profile_change), TODAY
    )
    assert verdict
    assert verdict.reason is None


@pytest.mark.parametrize(
    "change",
    [
        {"loyalty_tier": "diamond"},
        {"churn_probability": 1.5},
        {"churn_probability": float("nan")},
        {"coupons_used": -1},
        {"order_count": 2.5},
        {"cashback_amount": float("inf")},
        {"cashback_amount": -3.0},
        {"customer_id": 0},
        {"customer_id": "7"},
    ],
)
def test_bad_profile_is_refused_clearly(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as caught:
        replace(BASE, **change)
    assert isinstance(caught.value, OfferValueError)
    value = next(iter(change.values()))
    assert str(value) in str(caught.value) or repr(value) in str(caught.value)


@pytest.mark.parametrize(
    "change",
    [{"kind": "bogof"}, {"min_tier": "diamond"}, {"min_churn_risk": 2.0}],
)
def test_bad_candidate_is_refused_clearly(change: dict[str, Any]) -> None:
    with pytest.raises(OfferValueError):
        replace(CATALOGUE[1], **change)


def test_ranking_vocabulary_matches_the_store_schema() -> None:
    assert ranking.TIERS == LOYALTY_TIERS
    assert ranking.OFFER_KINDS == OFFER_KINDS
