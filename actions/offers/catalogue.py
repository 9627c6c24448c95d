"""The offer catalogue: typed offer specs, the default catalogue and its seeding.

The default catalogue is for a general online shop whose categories are the
churn data's: 'Laptop & Accessory', 'Mobile Phone', 'Fashion', 'Grocery' and
'Others'. Seeding inserts the offers whose code is not in the table yet and
never changes existing rows, so budgets and switches the shop edited survive.

The goodwill voucher ``SORRY5`` is stored with ``requires_complaint`` set, so
the ranking offers it only to shoppers who complained recently.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.offers.errors import OfferValueError
from actions.offers.ranking import OFFER_KINDS, TIERS, OfferCandidate
from actions.store.schema import Offer

logger = logging.getLogger(__name__)

MAX_CODE_LENGTH = 32
MAX_TITLE_LENGTH = 120
MAX_DESCRIPTION_LENGTH = 400
MAX_CATEGORY_LENGTH = 40


def _text(name: str, value: object, limit: int, code: object) -> None:
    """Refuse an empty, non-string or too long text field."""
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise OfferValueError(
            f"Offer {code!r}: {name} is {value!r}; it must be a non-empty text of "
            f"at most {limit} characters."
        )


def _fraction(name: str, value: object, code: str) -> None:
    """Refuse a churn bound outside [0, 1]."""
    if value is not None and not (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0.0 <= value <= 1.0
    ):
        raise OfferValueError(
            f"Offer '{code}': {name} is {value!r}; it must lie between 0 and 1."
        )


def _integer(name: str, value: object, minimum: int, code: str) -> None:
    """Refuse a non-integer or one below ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise OfferValueError(
            f"Offer '{code}': {name} is {value!r}; it must be an integer >= {minimum}."
        )


@dataclass(frozen=True)
class OfferSpec:
    """One catalogue offer, mirroring the columns of ``offers`` (see the schema).

    ``value`` is a percent for percent_discount, cents for cashback and
    voucher, 0 for free_shipping. Eligibility conditions left as None (or 0
    orders) do not restrict.
    """

    code: str
    title: str
    description: str
    kind: str
    value: float
    total_budget: int
    category: str | None = None
    min_tier: str | None = None
    min_churn_risk: float | None = None
    max_churn_risk: float | None = None
    min_orders: int = 0
    per_customer_limit: int = 1
    active: bool = True
    valid_until: date | None = None
    requires_complaint: bool = False

    def __post_init__(self) -> None:
        """Validate every field against the table's limits and constraints.

        Raises:
            OfferValueError: a field is empty, too long, out of range or unknown.
        """
        _text("code", self.code, MAX_CODE_LENGTH, self.code)
        _text("title", self.title, MAX_TITLE_LENGTH, self.code)
        _text("description", self.description, MAX_DESCRIPTION_LENGTH, self.code)
        if self.kind not in OFFER_KINDS:
            raise OfferValueError(
                f"Offer '{self.code}': kind is {self.kind!r}; use one of "
                f"{', '.join(OFFER_KINDS)}."
            )
        if (
            isinstance(self.value, bool)
            or not isinstance(self.value, int | float)
            or not math.isfinite(self.value)
            or self.value < 0
            or (self.kind == "percent_discount" and not 0 < self.value <= 100)
        ):
            raise OfferValueError(
                f"Offer '{self.code}': value is {self.value!r}; use a percent in "
                "(0, 100] for percent_discount, cents >= 0 otherwise."
            )
        if self.category is not None:
            _text("category", self.category, MAX_CATEGORY_LENGTH, self.code)
        if self.min_tier is not None and self.min_tier not in TIERS:
            raise OfferValueError(
                f"Offer '{self.code}': min_tier is {self.min_tier!r}; use one of "
                f"{', '.join(TIERS)}."
            )
        _fraction("min_churn_risk", self.min_churn_risk, self.code)
        _fraction("max_churn_risk", self.max_churn_risk, self.code)
        if (
            self.min_churn_risk is not None
            and self.max_churn_risk is not None
            and self.min_churn_risk > self.max_churn_risk
        ):
            raise OfferValueError(
                f"Offer '{self.code}': min_churn_risk {self.min_churn_risk} is above "
                f"max_churn_risk {self.max_churn_risk}; swap them."
            )
        _integer("min_orders", self.min_orders, 0, self.code)
        _integer("per_customer_limit", self.per_customer_limit, 1, self.code)
        _integer("total_budget", self.total_budget, 0, self.code)

    def row_values(self) -> dict[str, Any]:
        """The column values of a new ``offers`` row (granted_count 0).

        Returns:
            Column name to value.
        """
        values = asdict(self)
        values["granted_count"] = 0
        return values

    def as_candidate(
        self, offer_id: int, granted_count: int = 0, customer_grants: int = 0
    ) -> OfferCandidate:
        """This offer as a ranking candidate, e.g. to preview the catalogue.

        Args:
            offer_id: the id to give it.
            granted_count: grants already made from its total budget.
            customer_grants: grants the shopper already received.

        Returns:
            The candidate.
        """
        return OfferCandidate(
            offer_id=offer_id,
            code=self.code,
            kind=self.kind,
            value=self.value,
            category=self.category,
            min_tier=self.min_tier,
            min_churn_risk=self.min_churn_risk,
            max_churn_risk=self.max_churn_risk,
            min_orders=self.min_orders,
            per_customer_limit=self.per_customer_limit,
            remaining_budget=max(self.total_budget - granted_count, 0),
            customer_grants=customer_grants,
            active=self.active,
            valid_until=self.valid_until,
            requires_complaint=self.requires_complaint,
            title=self.title,
            description=self.description,
        )


DEFAULT_OFFERS: tuple[OfferSpec, ...] = (
    OfferSpec(
        code="LAPTOP10",
        title="10% off laptops and accessories",
        description="10% off one order of laptops and accessories, up to $100 off.",
        kind="percent_discount",
        value=10.0,
        category="Laptop & Accessory",
        min_orders=1,
        total_budget=300,
    ),
    OfferSpec(
        code="PHONE8",
        title="8% off mobile phones",
        description="8% off one order of mobile phones and phone accessories.",
        kind="percent_discount",
        value=8.0,
        category="Mobile Phone",
        total_budget=400,
    ),
    OfferSpec(
        code="FASHION15",
        title="15% off fashion",
        description="15% off one fashion order; usable twice.",
        kind="percent_discount",
        value=15.0,
        category="Fashion",
        per_customer_limit=2,
        total_budget=1000,
    ),
    OfferSpec(
        code="GROCERY5",
        title="$5 off your grocery shop",
        description="$5 off a grocery order of $40 or more; up to three times.",
        kind="voucher",
        value=500.0,
        category="Grocery",
        min_orders=2,
        per_customer_limit=3,
        total_budget=1500,
    ),
    OfferSpec(
        code="HOME10",
        title="10% off home and lifestyle",
        description="10% off one order from our home, beauty and lifestyle range.",
        kind="percent_discount",
        value=10.0,
        category="Others",
        total_budget=500,
    ),
    OfferSpec(
        code="FREESHIP-GOLD",
        title="Free shipping for gold members",
        description="Free standard shipping on your next three orders.",
        kind="free_shipping",
        value=0.0,
        min_tier="gold",
        per_customer_limit=3,
        total_budget=2000,
    ),
    OfferSpec(
        code="CASHBACK-BOOST",
        title="Extra $3 cashback",
        description="$3 extra cashback on your next order of $30 or more.",
        kind="cashback",
        value=300.0,
        min_orders=3,
        total_budget=800,
    ),
    OfferSpec(
        code="STAY20",
        title="$20 thank-you voucher",
        description="A $20 voucher for your next order of $60 or more, 30 days.",
        kind="voucher",
        value=2000.0,
        min_churn_risk=0.5,
        total_budget=50,
    ),
    OfferSpec(
        code="SORRY5",
        title="$5 goodwill voucher",
        description="$5 off your next order, with our apologies for the trouble.",
        kind="voucher",
        value=500.0,
        requires_complaint=True,
        total_budget=200,
    ),
)
"""The shop's starting catalogue; ``STAY20`` is the small-budget retention offer."""


def seed_offers(session: Session, offers: Iterable[OfferSpec] = DEFAULT_OFFERS) -> int:
    """Insert the catalogue offers whose code the table does not hold yet.

    Args:
        session: an open session; the caller commits.
        offers: the specs to seed, the default catalogue unless given.

    Returns:
        How many rows were inserted (0 on a second run).

    Raises:
        OfferValueError: two specs share a code.
    """
    specs = list(offers)
    codes = [spec.code for spec in specs]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise OfferValueError(
            f"Offer codes {duplicates} appear more than once; codes must be unique."
        )
    existing = set(session.execute(select(Offer.code)).scalars())
    inserted = 0
    for spec in specs:
        if spec.code in existing:
            continue
        session.add(Offer(**spec.row_values()))
        inserted += 1
    session.flush()
    logger.info("Seeded %d offer(s) (%d already present).", inserted, len(existing))
    return inserted
