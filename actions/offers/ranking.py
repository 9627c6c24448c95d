"""Next-best-offer ranking: which of the eligible offers suits a shopper best.

Pure functions over plain dataclasses; the caller loads the profile and the
candidates (see :mod:`actions.offers.grants`).

Eligibility (:func:`is_eligible`): every condition an offer sets must hold. The
first failing check names the reason, in this order: the offer is inactive,
expired, out of total budget, at the shopper's per-customer limit, needs a
profile the shopper did not consent to, needs a higher tier or more orders, is
for another category, or needs a churn risk (known, and inside its range) or a
recent complaint the shopper does not have.

Consent: without ``personalisation_consent`` only membership facts are used,
the loyalty tier and the order count, which are terms of the offer like a
minimum spend. Behavioural signals (preferred category, coupon and cashback
history, churn risk, complaints) are not: offers targeted by category, churn
risk or complaint are not eligible, and the score has no behavioural terms.

Score (:func:`score_offer`), a sum of the terms that apply:

============================  =========================================  ======
term                          applies to                                 weight
============================  =========================================  ======
``category_fit``              offer for the shopper's preferred category  2.0
``tier_perk``                 tier-gated offer, times tier rank / top      1.0
``coupon_affinity``           percent discount, times min(coupons, 4)/4    1.5
``cashback_affinity``         cashback, times min(cashback / 250, 1)       2.0
``retention``                 churn-risk-gated offer, times churn risk     5.0
``goodwill``                  complaint-gated offer (shopper complained)   3.0
============================  =========================================  ======

Ties (scores equal to six decimals) go to the offer that costs the shop least
(:func:`expected_cost_cents`), then to the offer code, so the order is stable.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from actions.offers.errors import OfferValueError

logger = logging.getLogger(__name__)

TIERS: tuple[str, ...] = ("bronze", "silver", "gold", "platinum")
"""Loyalty tiers, lowest first (the same as the store's ``LOYALTY_TIERS``)."""

OFFER_KINDS: tuple[str, ...] = (
    "percent_discount",
    "free_shipping",
    "cashback",
    "voucher",
)
"""Kinds of offer (the same as the store's ``OFFER_KINDS``)."""

W_CATEGORY = 2.0
W_TIER = 1.0
W_COUPON = 1.5
W_CASHBACK = 2.0
W_RETENTION = 5.0
W_GOODWILL = 3.0
COUPON_SATURATION = 4
"""Coupons used in a month from which a shopper counts as a full coupon user."""
CASHBACK_SATURATION = 250.0
"""Average monthly cashback (currency units) of a full cashback lover."""
TYPICAL_BASKET_CENTS = 5000
"""Basket a percent discount is costed on, for the tie-break."""
SHIPPING_COST_CENTS = 500
"""What free shipping costs the shop per order, for the tie-break."""
SCORE_DECIMALS = 6

# Reasons an offer is not eligible (Eligibility.reason).
INACTIVE = "inactive"
EXPIRED = "expired"
BUDGET_EXHAUSTED = "budget_exhausted"
CUSTOMER_LIMIT_REACHED = "customer_limit_reached"
NEEDS_CONSENT = "needs_consent"
TIER_TOO_LOW = "tier_too_low"
TOO_FEW_ORDERS = "too_few_orders"
OTHER_CATEGORY = "other_category"
CHURN_RISK_UNKNOWN = "churn_risk_unknown"
CHURN_RISK_TOO_LOW = "churn_risk_too_low"
CHURN_RISK_TOO_HIGH = "churn_risk_too_high"
NO_COMPLAINT = "no_complaint"


def tier_rank(tier: str) -> int:
    """The position of a loyalty tier, 0 for the lowest.

    Args:
        tier: one of :data:`TIERS`.

    Returns:
        Its index in :data:`TIERS`.

    Raises:
        OfferValueError: the tier is not one of :data:`TIERS`.
    """
    if tier not in TIERS:
        raise OfferValueError(
            f"Loyalty tier '{tier}' is unknown; use one of {', '.join(TIERS)}."
        )
    return TIERS.index(tier)


def _check_fraction(name: str, value: float | None) -> None:
    """Refuse a probability outside [0, 1] or a NaN."""
    if value is not None and not (
        isinstance(value, int | float) and 0.0 <= value <= 1.0
    ):
        raise OfferValueError(
            f"{name} is {value!r}; it must be a number between 0 and 1 (or None)."
        )


def _check_count(name: str, value: int) -> None:
    """Refuse a negative or non-integer count."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise OfferValueError(f"{name} is {value!r}; it must be an integer >= 0.")


def _same_category(left: str | None, right: str | None) -> bool:
    """Categories match ignoring case and surrounding blanks."""
    if left is None or right is None:
        return False
    return left.strip().casefold() == right.strip().casefold()


@dataclass(frozen=True)
class OfferProfile:
    """What the ranking knows about a shopper, built by the caller.

    Attributes:
        customer_id: the store's customer id.
        loyalty_tier: one of :data:`TIERS`.
        preferred_category: the category the shopper orders most, if known.
        cashback_amount: average monthly cashback in currency units (the churn
            data's ``CashbackAmount``).
        coupons_used: coupons used in the last month (``CouponUsed``).
        order_count: orders placed so far.
        churn_probability: the churn model's probability, None when unknown.
        complained_recently: a complaint was raised recently.
        personalisation_consent: the shopper allows offers based on behaviour.
    """

    customer_id: int
    loyalty_tier: str
    preferred_category: str | None = None
    cashback_amount: float = 0.0
    coupons_used: int = 0
    order_count: int = 0
    churn_probability: float | None = None
    complained_recently: bool = False
    personalisation_consent: bool = False

    def __post_init__(self) -> None:
        """Validate every field.

        Raises:
            OfferValueError: a field is out of range or of the wrong type.
        """
        if (
            isinstance(self.customer_id, bool)
            or not isinstance(self.customer_id, int)
            or self.customer_id < 1
        ):
            raise OfferValueError(
                f"customer_id is {self.customer_id!r}; it must be a positive integer."
            )
        tier_rank(self.loyalty_tier)
        if not (
            isinstance(self.cashback_amount, int | float)
            and math.isfinite(self.cashback_amount)
            and self.cashback_amount >= 0
        ):
            raise OfferValueError(
                f"cashback_amount is {self.cashback_amount!r}; it must be a finite "
                "number >= 0."
            )
        _check_count("coupons_used", self.coupons_used)
        _check_count("order_count", self.order_count)
        _check_fraction("churn_probability", self.churn_probability)


@dataclass(frozen=True)
class OfferCandidate:
    """An offer as the ranking sees it, with its budget left for this shopper.

    Attributes:
        offer_id: the store's offer id.
        code: the offer's unique code.
        kind: one of :data:`OFFER_KINDS`.
        value: percent for percent_discount, cents for cashback and voucher.
        category: only for shoppers preferring this category (None: any).
        min_tier: lowest loyalty tier that may get it (None: any).
        min_churn_risk: lowest churn probability that may get it (None: any).
        max_churn_risk: highest churn probability that may get it (None: any).
        min_orders: orders the shopper must have placed.
        per_customer_limit: grants one shopper may receive.
        remaining_budget: grants left in the offer's total budget.
        customer_grants: grants this shopper already received.
        active: whether the offer is switched on.
        valid_until: last day it may be granted (None: no end).
        requires_complaint: only for shoppers who complained recently.
        title: short text for the shopper.
        description: the terms, for the shopper.
    """

    offer_id: int
    code: str
    kind: str
    value: float
    category: str | None = None
    min_tier: str | None = None
    min_churn_risk: float | None = None
    max_churn_risk: float | None = None
    min_orders: int = 0
    per_customer_limit: int = 1
    remaining_budget: int = 0
    customer_grants: int = 0
    active: bool = True
    valid_until: date | None = None
    requires_complaint: bool = False
    title: str = ""
    description: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        """Validate the kind, tier and churn bounds.

        Raises:
            OfferValueError: a field has a value the ranking cannot use.
        """
        if self.kind not in OFFER_KINDS:
            raise OfferValueError(
                f"Offer '{self.code}' has kind '{self.kind}'; use one of "
                f"{', '.join(OFFER_KINDS)}."
            )
        if self.min_tier is not None:
            tier_rank(self.min_tier)
        _check_fraction(f"Offer '{self.code}' min_churn_risk", self.min_churn_risk)
        _check_fraction(f"Offer '{self.code}' max_churn_risk", self.max_churn_risk)

    @property
    def needs_profile(self) -> bool:
        """Whether eligibility depends on behaviour the shopper must consent to."""
        return (
            self.category is not None
            or self.min_churn_risk is not None
            or self.max_churn_risk is not None
            or self.requires_complaint
        )


@dataclass(frozen=True)
class Eligibility:
    """Whether an offer may go to a shopper; truthy when it may.

    Attributes:
        eligible: True when every condition holds.
        reason: the first failing check (a module constant such as
            :data:`EXPIRED`), None when eligible.
        detail: a sentence for logs and the agent view, without customer data.
    """

    eligible: bool
    reason: str | None = None
    detail: str = ""

    def __bool__(self) -> bool:
        """True when eligible."""
        return self.eligible


_OK = Eligibility(eligible=True)


def _no(reason: str, detail: str) -> Eligibility:
    return Eligibility(eligible=False, reason=reason, detail=detail)


def is_eligible(
    candidate: OfferCandidate, profile: OfferProfile, today: date
) -> Eligibility:
    """Check an offer's conditions against a shopper (see the module docstring).

    Args:
        candidate: the offer, with its remaining budget and this shopper's grants.
        profile: the shopper.
        today: the day of the grant (offers are valid through ``valid_until``).

    Returns:
        A truthy :class:`Eligibility`, or a falsy one naming the first reason.
    """
    code = candidate.code
    if not candidate.active:
        return _no(INACTIVE, f"Offer '{code}' is switched off.")
    if candidate.valid_until is not None and candidate.valid_until < today:
        return _no(EXPIRED, f"Offer '{code}' ended on {candidate.valid_until}.")
    if candidate.remaining_budget <= 0:
        return _no(BUDGET_EXHAUSTED, f"Offer '{code}' has no budget left.")
    if candidate.customer_grants >= candidate.per_customer_limit:
        return _no(
            CUSTOMER_LIMIT_REACHED,
            f"Offer '{code}' was already granted {candidate.customer_grants} "
            f"time(s), the per-customer limit.",
        )
    if candidate.needs_profile and not profile.personalisation_consent:
        return _no(
            NEEDS_CONSENT,
            f"Offer '{code}' is targeted by behaviour; the shopper did not consent.",
        )
    if candidate.min_tier is not None and tier_rank(profile.loyalty_tier) < tier_rank(
        candidate.min_tier
    ):
        return _no(TIER_TOO_LOW, f"Offer '{code}' needs tier {candidate.min_tier}+.")
    if profile.order_count < candidate.min_orders:
        return _no(
            TOO_FEW_ORDERS, f"Offer '{code}' needs {candidate.min_orders} order(s)."
        )
    if candidate.category is not None and not _same_category(
        candidate.category, profile.preferred_category
    ):
        return _no(OTHER_CATEGORY, f"Offer '{code}' is for {candidate.category}.")
    risk = profile.churn_probability
    if candidate.min_churn_risk is not None or candidate.max_churn_risk is not None:
        if risk is None:
            return _no(
                CHURN_RISK_UNKNOWN, f"Offer '{code}' needs a churn risk; none is known."
            )
        if candidate.min_churn_risk is not None and risk < candidate.min_churn_risk:
            return _no(
                CHURN_RISK_TOO_LOW,
                f"Offer '{code}' needs a churn risk >= {candidate.min_churn_risk}.",
            )
        if candidate.max_churn_risk is not None and risk > candidate.max_churn_risk:
            return _no(
                CHURN_RISK_TOO_HIGH,
                f"Offer '{code}' needs a churn risk <= {candidate.max_churn_risk}.",
            )
    if candidate.requires_complaint and not profile.complained_recently:
        return _no(
            NO_COMPLAINT, f"Offer '{code}' is a goodwill gesture after a complaint."
        )
    return _OK


@dataclass(frozen=True)
class ScoredOffer:
    """An eligible offer with its next-best-offer score.

    Attributes:
        candidate: the offer.
        score: the sum of the terms in ``reasons`` (see the module docstring).
        reasons: the score terms that applied, for the agent view and logs.
    """

    candidate: OfferCandidate
    score: float
    reasons: tuple[str, ...] = ()

    @property
    def code(self) -> str:
        """The offer's code."""
        return self.candidate.code


def expected_cost_cents(candidate: OfferCandidate) -> float:
    """Rough cost of one grant to the shop, used only to break score ties.

    Args:
        candidate: the offer.

    Returns:
        Cents: a percent of :data:`TYPICAL_BASKET_CENTS`, :data:`SHIPPING_COST_CENTS`
        for free shipping, the face value for cashback and vouchers.
    """
    if candidate.kind == "percent_discount":
        return TYPICAL_BASKET_CENTS * candidate.value / 100.0
    if candidate.kind == "free_shipping":
        return float(SHIPPING_COST_CENTS)
    return float(candidate.value)


def score_offer(candidate: OfferCandidate, profile: OfferProfile) -> ScoredOffer:
    """Score an offer for a shopper, without checking eligibility.

    Args:
        candidate: the offer.
        profile: the shopper.

    Returns:
        The score and the terms that made it up.
    """
    terms: list[tuple[str, float]] = []
    if candidate.min_tier is not None and tier_rank(candidate.min_tier) > 0:
        terms.append(
            ("tier_perk", W_TIER * tier_rank(candidate.min_tier) / (len(TIERS) - 1))
        )
    if profile.personalisation_consent:
        if _same_category(candidate.category, profile.preferred_category):
            terms.append(("category_fit", W_CATEGORY))
        if candidate.kind == "percent_discount" and profile.coupons_used > 0:
            share = min(profile.coupons_used, COUPON_SATURATION) / COUPON_SATURATION
            terms.append(("coupon_affinity", W_COUPON * share))
        if candidate.kind == "cashback" and profile.cashback_amount > 0:
            share = min(profile.cashback_amount / CASHBACK_SATURATION, 1.0)
            terms.append(("cashback_affinity", W_CASHBACK * share))
        if candidate.min_churn_risk is not None and profile.churn_probability:
            terms.append(("retention", W_RETENTION * profile.churn_probability))
        if candidate.requires_complaint and profile.complained_recently:
            terms.append(("goodwill", W_GOODWILL))
    score = round(sum(weight for _, weight in terms), SCORE_DECIMALS)
    return ScoredOffer(
        candidate=candidate, score=score, reasons=tuple(name for name, _ in terms)
    )


def rank_offers(
    candidates: Iterable[OfferCandidate], profile: OfferProfile, today: date
) -> list[ScoredOffer]:
    """The eligible offers, best first.

    Args:
        candidates: offers to consider; ineligible ones are dropped.
        profile: the shopper.
        today: the day of the grant.

    Returns:
        Eligible offers by descending score, then ascending cost to the shop,
        then code.
    """
    scored: list[ScoredOffer] = []
    for candidate in candidates:
        verdict = is_eligible(candidate, profile, today)
        if verdict:
            scored.append(score_offer(candidate, profile))
        else:
            logger.debug(
                "Offer '%s' not eligible for customer %d: %s.",
                candidate.code,
                profile.customer_id,
                verdict.reason,
            )
    scored.sort(
        key=lambda item: (
            -item.score,
            expected_cost_cents(item.candidate),
            item.candidate.code,
        )
    )
    return scored
